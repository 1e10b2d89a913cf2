package dev.gatehouse.app;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import org.slf4j.LoggerFactory;

/**
 * Applies {@code log.format} and {@code log.level} to Logback. Call once, early. Until then (and in
 * every other command) {@link LogDefaults} has set it up: text, warnings and errors, on stderr.
 */
final class Logging {
  /**
   * One line per event: control characters in a message (a CR or LF in a passkey name, a user
   * agent, anything a user typed) become {@code ?}, so nobody can forge a log line.
   */
  static final String TEXT_PATTERN =
      "%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5level %logger{0} -"
          + " %replace(%msg){'[\\p{Cc}\\p{Cf}\\p{Cs}\\u2028\\u2029]', '?'}%n";

  private Logging() {}

  static void configure(String format, String level) {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    if (configuredByFile()) {
      return; // the operator's own Logback file rules, log.format and log.level included
    }
    context.reset();
    install(context, format, level, "System.out");
  }

  /**
   * Whether the operator named a Logback configuration file ({@code -Dlogback.configurationFile}):
   * then neither the defaults nor {@code log.format} and {@code log.level} replace what it says.
   */
  static boolean configuredByFile() {
    return System.getProperty("logback.configurationFile") != null;
  }

  /** One console appender on {@code target} ({@code System.out} or {@code System.err}). */
  static void install(LoggerContext context, String format, String level, String target) {
    Encoder<ILoggingEvent> encoder;
    if (format.equals("json")) {
      JsonEncoder json = new JsonEncoder();
      json.setContext(context);
      // One flat object a line with the rendered message; no logger-context noise.
      json.setWithFormattedMessage(true);
      json.setWithMessage(false);
      json.setWithArguments(false);
      json.setWithContext(false);
      json.setWithSequenceNumber(false);
      json.setWithNanoseconds(false);
      json.start();
      encoder = json;
    } else {
      PatternLayoutEncoder pattern = new PatternLayoutEncoder();
      pattern.setContext(context);
      pattern.setPattern(TEXT_PATTERN);
      pattern.start();
      encoder = pattern;
    }
    ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
    console.setContext(context);
    console.setName("console");
    console.setTarget(target);
    console.setEncoder(encoder);
    console.start();
    Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    root.addAppender(console);
    root.setLevel(Level.toLevel(level, Level.INFO));
    for (String noisy : new String[] {"org.eclipse.jetty", "com.zaxxer.hikari", "org.flywaydb"}) {
      context.getLogger(noisy).setLevel(Level.WARN);
    }
  }
}
