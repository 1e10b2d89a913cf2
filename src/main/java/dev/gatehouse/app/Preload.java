package dev.gatehouse.app;

import java.util.List;

/**
 * Runs the slowest static set-up of a start on a second thread while the main one parses the
 * command line (picocli's own classes cannot be in the AOT cache: they are Java 5 class files), as
 * Spring Boot's {@code BackgroundPreinitializer} does. The JVM initialises each class once and
 * makes any other thread that needs it wait for that, so this changes when the work is done, never
 * what it does; a class that fails here fails again, with its own error, where it is used.
 *
 * <p>The list is measured (`-Xlog:class+init` with uptime on a start with the trained cache), not
 * guessed: jdbi's JFR support registers its event with the flight recorder (~130 ms), Jackson's
 * YAML and data-binding set-up, and Jetty's MIME table (~20 ms each).
 */
final class Preload {
  private static final List<String> SLOWEST =
      List.of(
          "org.jdbi.v3.core.statement.internal.JfrSupport",
          "com.fasterxml.jackson.dataformat.yaml.YAMLFactory",
          "com.fasterxml.jackson.databind.ObjectMapper",
          "org.eclipse.jetty.http.MimeTypes");

  private Preload() {}

  /** Starts the set-up on a daemon thread and returns at once. */
  static void inBackground() {
    Thread.ofPlatform()
        .name("gatehouse-preload")
        .daemon()
        .start(
            () -> {
              ClassLoader loader = Preload.class.getClassLoader();
              for (String name : SLOWEST) {
                try {
                  Class.forName(name, true, loader);
                } catch (ClassNotFoundException | LinkageError e) {
                  // Met again, and reported, by the code that uses the class.
                }
              }
            });
  }
}
