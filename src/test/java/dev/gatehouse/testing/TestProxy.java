package dev.gatehouse.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A real Caddy or nginx (Debian's packages) on a random loopback port, configured with a snippet
 * that {@code gatehouse snippet} generated. Skipped with a message when the binary is missing
 * unless {@code GATEHOUSE_TEST_PROXIES=required} (CI). Not thread-safe.
 */
public final class TestProxy implements AutoCloseable {
  /** The two proxies tested. */
  public enum Kind {
    CADDY("/usr/bin/caddy"),
    NGINX("/usr/sbin/nginx");

    private final String binary;

    Kind(String binary) {
      this.binary = binary;
    }

    @Override
    public String toString() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  private final Process process;
  private final int port;
  private final Path log;

  private TestProxy(Process process, int port, Path log) {
    this.process = process;
    this.port = port;
    this.log = log;
  }

  /** A free loopback port (for the snippet's --http-port). */
  public static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  /** Skips (or fails, when required) if the proxy is not installed. */
  public static void requireInstalled(Kind kind) {
    boolean present = new File(kind.binary).canExecute();
    if (!present && "required".equals(System.getenv("GATEHOUSE_TEST_PROXIES"))) {
      throw new IllegalStateException(kind + " is required but " + kind.binary + " is missing");
    }
    if (!present) {
      System.err.println("SKIPPED " + kind + " test: install Debian's " + kind + " package");
    }
    assumeTrue(present, kind + " is not installed");
  }

  /**
   * Starts the proxy with {@code site} (a Caddy site block or an nginx server block) on {@code
   * port}.
   */
  public static TestProxy start(Kind kind, String site, int port, Path dir) throws Exception {
    requireInstalled(kind);
    Files.createDirectories(dir);
    Path log = dir.resolve(kind + ".log");
    ProcessBuilder builder;
    if (kind == Kind.CADDY) {
      Path config = dir.resolve("Caddyfile");
      Files.writeString(
          config,
          "{\n\tadmin off\n\tauto_https off\n\tstorage file_system "
              + dir.resolve("caddy-data")
              + "\n}\n\n"
              + site);
      builder =
          new ProcessBuilder(
              kind.binary, "run", "--config", config.toString(), "--adapter", "caddyfile");
      builder.environment().put("XDG_DATA_HOME", dir.resolve("xdg-data").toString());
      builder.environment().put("XDG_CONFIG_HOME", dir.resolve("xdg-config").toString());
      builder.environment().put("HOME", dir.toString());
    } else {
      Path config = dir.resolve("nginx.conf");
      Files.writeString(
          config,
          "daemon off;\nmaster_process off;\nworker_processes 1;\npid "
              + dir.resolve("nginx.pid")
              + ";\n"
              + "error_log "
              + dir.resolve("nginx-error.log")
              + " info;\n"
              + "events { worker_connections 256; }\n"
              + "http {\n"
              + "  access_log off;\n"
              + "  client_body_temp_path "
              + dir.resolve("body")
              + ";\n"
              + "  proxy_temp_path "
              + dir.resolve("proxy")
              + ";\n"
              + "  fastcgi_temp_path "
              + dir.resolve("fastcgi")
              + ";\n"
              + "  uwsgi_temp_path "
              + dir.resolve("uwsgi")
              + ";\n"
              + "  scgi_temp_path "
              + dir.resolve("scgi")
              + ";\n"
              + site
              + "}\n");
      builder =
          new ProcessBuilder(
              kind.binary,
              "-e",
              dir.resolve("nginx-stderr.log").toString(),
              "-p",
              dir.toString(),
              "-c",
              config.toString());
    }
    builder.redirectErrorStream(true).redirectOutput(log.toFile());
    Process process = builder.start();
    TestProxy proxy = new TestProxy(process, port, log);
    proxy.awaitListening();
    return proxy;
  }

  private void awaitListening() throws Exception {
    for (int i = 0; i < 100; i++) {
      if (!process.isAlive()) {
        throw new IllegalStateException("proxy exited: " + Files.readString(log));
      }
      try (Socket socket = new Socket(java.net.InetAddress.getLoopbackAddress(), port)) {
        if (socket.isConnected()) {
          return;
        }
      } catch (IOException notYet) {
        Thread.sleep(50);
      }
    }
    throw new IllegalStateException(
        "proxy did not listen on " + port + ": " + Files.readString(log));
  }

  /** {@code http://127.0.0.1:port}. */
  public String baseUrl() {
    return "http://127.0.0.1:" + port;
  }

  /** The port. */
  public int port() {
    return port;
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }
}
