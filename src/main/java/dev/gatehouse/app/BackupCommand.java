package dev.gatehouse.app;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code gatehouse backup FILE}. */
@Command(
    name = "backup",
    description =
        "Write a consistent copy of the SQLite database to FILE, also while the server runs.")
final class BackupCommand implements Callable<Integer> {
  @ParentCommand Main main;

  @Parameters(paramLabel = "FILE", description = "Target file; must not exist.")
  Path target;

  @Override
  public Integer call() {
    try (Gatehouse gatehouse = main.open()) {
      System.err.println("backing up to " + target + " …");
      gatehouse.database().backup(target);
      System.out.println("backup written to " + target.toAbsolutePath());
    }
    return 0;
  }
}
