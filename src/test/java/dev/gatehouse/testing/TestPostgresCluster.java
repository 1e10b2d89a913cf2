package dev.gatehouse.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A PostgreSQL cluster of the test's own (initdb, pg_ctl, pg_basebackup from the machine's
 * PostgreSQL server package), on a free loopback port, so a test can crash it, promote a standby
 * and start it again. As root, every command runs as {@code postgres} (initdb refuses root). Not
 * thread-safe.
 */
public final class TestPostgresCluster implements AutoCloseable {
  private final Path dir;
  private final int port;
  private boolean running;

  private TestPostgresCluster(Path dir, int port) {
    this.dir = dir;
    this.port = port;
  }

  /** The server binaries, newest version first; empty when PostgreSQL's server is not installed. */
  public static java.util.Optional<Path> binaries() {
    Path root = Path.of("/usr/lib/postgresql");
    if (!Files.isDirectory(root)) {
      return java.util.Optional.empty();
    }
    try (Stream<Path> versions = Files.list(root)) {
      return versions
          .map(v -> v.resolve("bin"))
          .filter(b -> Files.isExecutable(b.resolve("initdb")))
          .max(Comparator.comparing(b -> Integer.parseInt(b.getParent().getFileName().toString())));
    } catch (IOException | NumberFormatException e) {
      return java.util.Optional.empty();
    }
  }

  /**
   * A new primary: trust authentication on loopback, replication allowed, and every commit waits
   * until a standby has it ({@code synchronous_standby_names = '*'}), the set-up for zero loss.
   */
  public static TestPostgresCluster primary() throws Exception {
    TestPostgresCluster cluster = new TestPostgresCluster(newDirectory(), TestProxy.freePort());
    cluster.run(
        List.of(
            bin("initdb"),
            "-D",
            cluster.data().toString(),
            "-U",
            "postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C.UTF-8"),
        120);
    Files.writeString(
        cluster.data().resolve("postgresql.conf"),
        String.join(
            "\n",
            "listen_addresses = '127.0.0.1'",
            "port = " + cluster.port,
            "unix_socket_directories = '" + cluster.dir + "'",
            "wal_level = replica",
            "max_wal_senders = 4",
            "synchronous_standby_names = '*'",
            "synchronous_commit = on",
            "fsync = on",
            "shared_buffers = 16MB",
            "max_connections = 40",
            ""),
        java.nio.file.StandardOpenOption.APPEND);
    Files.writeString(
        cluster.data().resolve("pg_hba.conf"),
        "host replication all 127.0.0.1/32 trust\nhost all all 127.0.0.1/32 trust\n",
        java.nio.file.StandardOpenOption.APPEND);
    cluster.start();
    return cluster;
  }

  /** A streaming standby of {@code primary} ({@code pg_basebackup -R}), started. */
  public static TestPostgresCluster standbyOf(TestPostgresCluster primary) throws Exception {
    TestPostgresCluster standby = new TestPostgresCluster(newDirectory(), TestProxy.freePort());
    standby.run(
        List.of(
            bin("pg_basebackup"),
            "-h",
            "127.0.0.1",
            "-p",
            String.valueOf(primary.port),
            "-U",
            "postgres",
            "-D",
            standby.data().toString(),
            "-R",
            "-X",
            "stream"),
        120);
    // Its own port and socket directory; otherwise the primary's settings came along.
    Files.writeString(
        standby.data().resolve("postgresql.auto.conf"),
        "port = " + standby.port + "\nunix_socket_directories = '" + standby.dir + "'\n",
        java.nio.file.StandardOpenOption.APPEND);
    standby.start();
    return standby;
  }

  /** The loopback port. */
  public int port() {
    return port;
  }

  /** Creates a database on this (primary) cluster. */
  public void createDatabase(String name) throws Exception {
    run(
        List.of(
            bin("createdb"), "-h", "127.0.0.1", "-p", String.valueOf(port), "-U", "postgres", name),
        60);
  }

  /**
   * Stops it as a crash would: no checkpoint, connections cut ({@code pg_ctl stop -m immediate}).
   */
  public void crash() throws Exception {
    run(List.of(bin("pg_ctl"), "-D", data().toString(), "stop", "-m", "immediate"), 60);
    running = false;
  }

  /**
   * Makes this standby the primary and waits until it accepts writes; then, as the failover runbook
   * says, stops waiting for a synchronous standby it does not have (the setting came along in the
   * base backup: left as is, every commit would wait for a standby that never comes).
   */
  public void promote() throws Exception {
    run(List.of(bin("pg_ctl"), "-D", data().toString(), "promote", "-w"), 60);
    run(
        List.of(
            bin("psql"),
            "-h",
            "127.0.0.1",
            "-p",
            String.valueOf(port),
            "-U",
            "postgres",
            "-v",
            "ON_ERROR_STOP=1",
            "-c",
            "ALTER SYSTEM SET synchronous_standby_names = ''",
            "-c",
            "SELECT pg_reload_conf()"),
        60);
  }

  private void start() throws Exception {
    run(
        List.of(
            bin("pg_ctl"),
            "-D",
            data().toString(),
            "-l",
            dir.resolve("server.log").toString(),
            "-w",
            "start"),
        120);
    running = true;
  }

  private Path data() {
    return dir.resolve("data");
  }

  @Override
  public void close() throws IOException {
    if (running) {
      try {
        crash();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (Exception e) {
        // Best effort: the directory goes anyway.
      }
    }
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  private static Path newDirectory() throws Exception {
    // Not under the test's @TempDir: its parents are root's alone and PostgreSQL runs as postgres.
    Path dir = Path.of("/tmp", "gatehouse-pg-" + UUID.randomUUID());
    Files.createDirectories(dir);
    if (asRoot()) {
      new ProcessBuilder("chown", "postgres:postgres", dir.toString())
          .inheritIO()
          .start()
          .waitFor();
    }
    return dir;
  }

  private static boolean asRoot() {
    return "root".equals(System.getProperty("user.name"));
  }

  private static String bin(String name) {
    return binaries()
        .orElseThrow(() -> new IllegalStateException("no PostgreSQL server"))
        .resolve(name)
        .toString();
  }

  private void run(List<String> command, int seconds) throws Exception {
    List<String> full = new ArrayList<>();
    if (asRoot()) {
      full.addAll(List.of("runuser", "-u", "postgres", "--"));
    }
    full.addAll(command);
    Process process = new ProcessBuilder(full).redirectErrorStream(true).start();
    byte[] out = process.getInputStream().readAllBytes();
    if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new IllegalStateException(command + " did not finish");
    }
    if (process.exitValue() != 0) {
      String log = "";
      Path server = dir.resolve("server.log");
      if (Files.exists(server)) {
        log = "\n" + Files.readString(server);
      }
      throw new IllegalStateException(
          command + " failed: " + new String(out, StandardCharsets.UTF_8) + log);
    }
  }
}
