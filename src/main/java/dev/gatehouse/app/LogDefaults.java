package dev.gatehouse.app;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.core.spi.ContextAwareBase;
import ch.qos.logback.core.status.NopStatusListener;

/**
 * Logback's set-up before {@code serve} applies {@code log.format} and {@code log.level}, and in
 * every other command: text lines with control characters replaced, warnings and errors, on stderr
 * (so a command's own output on stdout stays clean). Registered with the {@link
 * java.util.ServiceLoader}, as Logback asks; it replaces a {@code logback.xml}, whose parsing cost
 * ~40 ms of every start. A configuration file named by {@code -Dlogback.configurationFile} (then
 * for good: {@code serve} leaves it alone too) or a {@code logback-test.xml} (the tests') wins:
 * this then steps aside.
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_NORMAL_PRIORITY)
public final class LogDefaults extends ContextAwareBase implements Configurator {
  /** For the {@link java.util.ServiceLoader}. */
  public LogDefaults() {}

  @Override
  public ExecutionStatus configure(LoggerContext context) {
    if (Logging.configuredByFile()
        || LogDefaults.class.getClassLoader().getResource("logback-test.xml") != null) {
      return ExecutionStatus.INVOKE_NEXT_IF_ANY;
    }
    // As quiet as the logback.xml it replaces: Logback's own status lines are not printed.
    context.getStatusManager().add(new NopStatusListener());
    Logging.install(context, "text", "warn", "System.err");
    return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
  }
}
