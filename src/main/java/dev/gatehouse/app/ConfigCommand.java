package dev.gatehouse.app;

import dev.gatehouse.config.ConfigLoader;
import dev.gatehouse.config.GatehouseConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

/** {@code gatehouse config check|docs}. */
@Command(name = "config", description = "Check the configuration or print its reference.")
final class ConfigCommand {
  @ParentCommand Main main;

  @Command(
      name = "check",
      description = "Validate the configuration without starting; exit 2 when invalid.")
  int check() {
    GatehouseConfig config = main.config();
    for (String warning : config.forwardAuth().access().fallThroughWarnings()) {
      System.out.println("warning: " + warning);
    }
    System.out.println(
        "configuration is valid: public URL "
            + config.server().publicOrigin()
            + ", store "
            + (config.database().url().isPresent()
                ? "PostgreSQL"
                : "SQLite in " + config.dataDir()));
    return 0;
  }

  @Command(
      name = "docs",
      description = "Print the configuration reference (docs/configuration.md).")
  int docs() {
    System.out.print(ConfigLoader.reference());
    return 0;
  }
}
