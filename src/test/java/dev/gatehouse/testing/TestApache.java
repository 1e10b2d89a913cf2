package dev.gatehouse.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;

/**
 * A real Apache httpd with mod_auth_openidc (Debian's {@code apache2} and {@code
 * libapache2-mod-auth-openidc}) on a free loopback port, in the foreground, with a configuration of
 * the test's own (none of Debian's site files). As root it drops its workers to {@code www-data}
 * like a packaged Apache, so its files live in a world-readable directory. Skipped with a message
 * when missing, unless {@code GATEHOUSE_TEST_PROXIES=required} (CI). Not thread-safe.
 */
public final class TestApache implements AutoCloseable {
  private static final File BINARY = new File("/usr/sbin/apache2");
  private static final String MODULES = "/usr/lib/apache2/modules/";
  private static final File OPENIDC = new File(MODULES + "mod_auth_openidc.so");

  private final Process process;
  private final int port;
  private final Path dir;

  private TestApache(Process process, int port, Path dir) {
    this.process = process;
    this.port = port;
    this.dir = dir;
  }

  /** Skips (or fails, when required) if Apache or mod_auth_openidc is not installed. */
  public static void requireInstalled() {
    boolean present = BINARY.canExecute() && OPENIDC.canRead();
    if (!present && "required".equals(System.getenv("GATEHOUSE_TEST_PROXIES"))) {
      throw new IllegalStateException(
          "Apache with mod_auth_openidc is required but "
              + BINARY
              + " or "
              + OPENIDC
              + " is missing (Debian: apache2 libapache2-mod-auth-openidc)");
    }
    if (!present) {
      System.err.println(
          "SKIPPED Apache test: install Debian's apache2 and libapache2-mod-auth-openidc");
    }
    assumeTrue(present, "apache2 or mod_auth_openidc is not installed");
  }

  /**
   * Starts Apache on {@code port} with {@code site} (directives for the server: OIDC settings,
   * Locations, ProxyPass) after the modules and basics this fixture loads.
   */
  public static TestApache start(String site, int port) throws Exception {
    requireInstalled();
    Path dir =
        Files.createTempDirectory(
            "gatehouse-apache",
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
    Path config = dir.resolve("apache2.conf");
    StringBuilder modules = new StringBuilder();
    for (String module :
        new String[] {
          "mpm_event",
          "authn_core",
          "authz_core",
          "authz_user",
          "proxy",
          "proxy_http",
          "auth_openidc"
        }) {
      modules
          .append("LoadModule ")
          .append(module)
          .append("_module ")
          .append(MODULES)
          .append("mod_")
          .append(module)
          .append(".so\n");
    }
    boolean root = "root".equals(System.getProperty("user.name"));
    Files.writeString(
        config,
        modules
            + (root ? "User www-data\nGroup www-data\n" : "")
            + "ServerName localhost\n"
            + "ServerRoot "
            + dir
            + "\nDefaultRuntimeDir "
            + dir
            + "\nPidFile "
            + dir.resolve("apache2.pid")
            + "\nErrorLog "
            + dir.resolve("error.log")
            + "\nLogLevel warn auth_openidc:info\n"
            + "Listen 127.0.0.1:"
            + port
            + "\nStartServers 1\nServerLimit 2\nThreadsPerChild 8\nMaxRequestWorkers 16\n"
            + site);
    Process process =
        new ProcessBuilder(BINARY.getPath(), "-f", config.toString(), "-DFOREGROUND")
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("stdout.log").toFile())
            .start();
    TestApache apache = new TestApache(process, port, dir);
    apache.awaitListening();
    return apache;
  }

  private void awaitListening() throws Exception {
    for (int i = 0; i < 100; i++) {
      if (!process.isAlive()) {
        throw new IllegalStateException("apache exited: " + log());
      }
      try (Socket socket = new Socket(java.net.InetAddress.getLoopbackAddress(), port)) {
        if (socket.isConnected()) {
          return;
        }
      } catch (IOException notYet) {
        Thread.sleep(50);
      }
    }
    throw new IllegalStateException("apache did not listen on " + port + ": " + log());
  }

  /** Its error log and standard output (for assertion messages). */
  public String log() throws IOException {
    StringBuilder out = new StringBuilder();
    for (String name : new String[] {"stdout.log", "error.log"}) {
      Path file = dir.resolve(name);
      if (Files.exists(file)) {
        out.append(Files.readString(file));
      }
    }
    return out.toString();
  }

  /** {@code http://localhost:port}: the origin a browser uses. */
  public String origin() {
    return "http://localhost:" + port;
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }
}
