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
}
