package dev.gatehouse.app;

import dev.gatehouse.config.GatehouseConfig;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

/**
 * {@code gatehouse init}: creates the data directory (0700), the database and the keys without
 * starting the server. {@code serve} does the same on its first start; every other command refuses
 * to create a data directory, so that one run from the wrong place cannot answer from an empty one.
 */
@Command(
    name = "init",
    description = "Create the data directory, database and keys (serve does this on first start).")
final class InitCommand implements Callable<Integer> {
  @ParentCommand Main main;

  @Override
  public Integer call() {
    GatehouseConfig config = main.config();
    try (Gatehouse gatehouse = Gatehouse.open(config, main.clock)) {
      int users = gatehouse.directory().listUsers().size();
      System.out.println(
          "Gatehouse data ready in "
              + (config.database().url().isPresent()
                  ? "PostgreSQL (keys in " + config.dataDir().toAbsolutePath().normalize() + ")"
                  : config.dataDir().toAbsolutePath().normalize())
              + " ("
              + users
              + (users == 1 ? " user)" : " users)"));
    }
    return 0;
  }
}
