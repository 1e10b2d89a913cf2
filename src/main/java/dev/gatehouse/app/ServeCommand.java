package dev.gatehouse.app;

import dev.gatehouse.admin.FirstRunSetup;
import dev.gatehouse.config.GatehouseConfig;
import dev.gatehouse.web.WebServer;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

/** {@code gatehouse serve}: runs the server until stopped. */
@Command(
    name = "serve",
    description = "Run Gatehouse (portal, sign-in, sessions, health and metrics).")
final class ServeCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(ServeCommand.class);

  @ParentCommand Main main;

  @Override
  public Integer call() throws Exception {
    GatehouseConfig config = main.config();
    Logging.configure(config.log().format(), config.log().level());
    Gatehouse gatehouse = Gatehouse.open(config, main.clock);
    WebServer web = gatehouse.startWeb();
    ScheduledExecutorService housekeeping =
        Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("gatehouse-housekeeping").daemon().factory());
    var unused =
        housekeeping.scheduleWithFixedDelay(
            () -> {
              try {
                int deleted = gatehouse.housekeeping();
                LOG.debug("housekeeping deleted {} expired rows", deleted);
              } catch (RuntimeException e) {
                LOG.warn("housekeeping failed; will retry: {}", e.toString());
              }
            },
            1,
            60,
            TimeUnit.MINUTES);
    var keyReload =
        housekeeping.scheduleWithFixedDelay(
            () -> {
              try {
                gatehouse.signingKeys().reload(); // rotations by the CLI or another node
              } catch (RuntimeException e) {
                LOG.warn("reloading signing keys failed; will retry: {}", e.toString());
              }
            },
            1,
            1,
            TimeUnit.MINUTES);
    var mailLoop =
        housekeeping.scheduleWithFixedDelay(
            () -> {
              try {
                gatehouse.mailWorker().deliverDue();
              } catch (RuntimeException e) {
                LOG.warn("mail delivery round failed; will retry: {}", e.toString());
              }
            },
            1,
            2,
            TimeUnit.SECONDS);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  LOG.info("stopping");
                  mailLoop.cancel(false);
                  keyReload.cancel(false);
                  housekeeping.shutdownNow();
                  web.close();
                  gatehouse.close();
                  stopped.countDown();
                },
                "gatehouse-shutdown"));
    if (!config.server().secure()) {
      LOG.warn(
          "server.public-url is plain http ({}): cookies are sent without Secure and without the"
              + " __Host-/__Secure- prefix. Use https for anything but local development.",
          config.server().publicOrigin());
    }
    for (String warning : config.forwardAuth().access().fallThroughWarnings()) {
      LOG.warn("access rules: {}", warning);
    }
    String where =
        config.database().url().isPresent()
            ? "PostgreSQL"
            : "SQLite in " + config.dataDir().toAbsolutePath().normalize();
    long startedMs =
        ProcessHandle.current()
            .info()
            .startInstant()
            .map(start -> Duration.between(start, Instant.now()).toMillis())
            .orElse(-1L);
    String tls =
        switch (config.server().tls()) {
          case dev.gatehouse.config.GatehouseConfig.Tls.Off off -> "http";
          case dev.gatehouse.config.GatehouseConfig.Tls.Files files ->
              "https (certificate " + files.certificate() + ", re-read when it changes)";
          case dev.gatehouse.config.GatehouseConfig.Tls.SelfSigned self ->
              "https (self-signed certificate in "
                  + config.dataDir().resolve("tls").toAbsolutePath().normalize()
                  + ")";
        };
    LOG.info(
        "Gatehouse ready on {}:{} ({}) for {} (store: {}) after {} ms",
        config.server().listenHost(),
        web.address().getPort(),
        tls,
        config.server().publicOrigin(),
        where,
        startedMs);
    Optional<String> token = gatehouse.setup().issueIfNeeded();
    token.ifPresent(t -> printSetupLink(config.server().publicOrigin() + "/setup?token=" + t));
    markAotTrainingUseful();
    stopped.await();
    return 0;
  }

  /**
   * Tells {@code ./gatehouse} that this server, an AOT training run, got as far as serving: only
   * then is the cache it writes at exit worth using (a start that failed on its configuration would
   * train on nothing).
   */
  private static void markAotTrainingUseful() {
    String marker = System.getProperty("gatehouse.aot-ready-file", "");
    if (!marker.isEmpty()) {
      try {
        java.nio.file.Files.writeString(java.nio.file.Path.of(marker), "");
      } catch (java.io.IOException | RuntimeException e) {
        LOG.debug("no AOT training marker: {}", e.toString()); // the cache is then not used
      }
    }
  }

  /**
   * The setup link goes to the terminal, not to the log: it is a one-time credential, and log lines
   * are collected and kept.
   */
  private static void printSetupLink(String link) {
    System.out.println();
    System.out.println(
        "  No administrator exists yet. Open this one-time link within "
            + FirstRunSetup.LIFETIME.toMinutes()
            + " minutes to create one:");
    System.out.println();
    System.out.println("    " + link);
    System.out.println();
    System.out.println("  (A fresh link is printed at every start until an administrator exists.)");
    System.out.println();
    System.out.flush();
  }
}
