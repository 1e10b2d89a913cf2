package dev.gatehouse.app;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.LoggingEvent;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Log lines cannot be forged with what users type (LogForgingTest, in effect). */
class LoggingTest {
  @Test
  void controlCharactersInAMessageNeverStartANewLogLine() {
    LoggerContext context = new LoggerContext();
    PatternLayoutEncoder encoder = new PatternLayoutEncoder();
    encoder.setContext(context);
    encoder.setPattern(Logging.TEXT_PATTERN);
    encoder.start();
    String name = "my key\r\n2026-11-29T00:00:00.000Z INFO  Audit - admin granted\u2028x\u0000";
    LoggingEvent event =
        new LoggingEvent(
            "test",
            context.getLogger("PasskeyService"),
            Level.INFO,
            "passkey {} added",
            null,
            new Object[] {name});
    String line = new String(encoder.encode(event), StandardCharsets.UTF_8);
    assertThat(line.lines()).hasSize(1);
    assertThat(line)
        .contains("passkey my key??2026-11-29T00:00:00.000Z INFO  Audit - admin granted?x? added");
  }

  @Test
  void beforeServeConfiguresItWarningsAndErrorsGoToStderrAsOneTextLineEach() {
    LoggerContext context = new LoggerContext();
    context.setMDCAdapter(new ch.qos.logback.classic.util.LogbackMDCAdapter());
    java.io.PrintStream err = System.err;
    java.io.PrintStream out = System.out;
    java.io.ByteArrayOutputStream errBytes = new java.io.ByteArrayOutputStream();
    java.io.ByteArrayOutputStream outBytes = new java.io.ByteArrayOutputStream();
    try {
      System.setErr(new java.io.PrintStream(errBytes, true, StandardCharsets.UTF_8));
      System.setOut(new java.io.PrintStream(outBytes, true, StandardCharsets.UTF_8));
      Logging.install(context, "text", "warn", "System.err");
      context.getLogger("Store").warn("disk\nfull");
      context.getLogger("Store").info("not shown");
      context.getLogger("org.eclipse.jetty.server.Server").info("not shown either");
    } finally {
      System.setErr(err);
      System.setOut(out);
      context.stop();
    }
    String logged = errBytes.toString(StandardCharsets.UTF_8);
    assertThat(logged.lines()).hasSize(1);
    assertThat(logged).contains(" WARN  Store - disk?full");
    assertThat(outBytes.toString(StandardCharsets.UTF_8)).isEmpty();
  }

  @Test
  void theDefaultsStepAsideForALogbackConfigurationFile() {
    // The tests' logback-test.xml is on this class path, as a user's file named by
    // -Dlogback.configurationFile would be: Logback's own configurator then reads it.
    LoggerContext context = new LoggerContext();
    LogDefaults defaults = new LogDefaults();
    defaults.setContext(context);

    assertThat(defaults.configure(context))
        .isEqualTo(ch.qos.logback.classic.spi.Configurator.ExecutionStatus.INVOKE_NEXT_IF_ANY);
    assertThat(
            context
                .getLogger(ch.qos.logback.classic.Logger.ROOT_LOGGER_NAME)
                .iteratorForAppenders())
        .isExhausted();
  }

  @Test
  void serveLeavesAnOperatorsLogbackFileInCharge() {
    LoggerContext context = (LoggerContext) org.slf4j.LoggerFactory.getILoggerFactory();
    ch.qos.logback.classic.Logger root =
        context.getLogger(ch.qos.logback.classic.Logger.ROOT_LOGGER_NAME);
    Level before = root.getLevel();
    String previous = System.setProperty("logback.configurationFile", "/etc/gatehouse/logback.xml");
    try {
      Logging.configure("json", "trace");
    } finally {
      if (previous == null) {
        System.clearProperty("logback.configurationFile");
      } else {
        System.setProperty("logback.configurationFile", previous);
      }
    }

    assertThat(root.getAppender("STDOUT")).isNotNull(); // logback-test.xml's, standing in for it
    assertThat(root.getAppender("console")).isNull();
    assertThat(root.getLevel()).isEqualTo(before);
  }
}
