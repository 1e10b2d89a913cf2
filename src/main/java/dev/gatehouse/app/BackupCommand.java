package dev.gatehouse.app;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HexFormat;
import java.util.concurrent.Callable;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code gatehouse backup FILE}: one private file (0600) that restores a working Gatehouse — a
 * consistent copy of the SQLite database taken while the server runs, and the at-rest key its
 * sealed columns (signing keys, authenticator seeds, queued mail) need. {@code gatehouse restore}
 * reads it back.
 */
@Command(
    name = "backup",
    description =
        "Write the SQLite database (a consistent copy, also while the server runs) and the at-rest"
            + " key it needs to FILE, one private file that `gatehouse restore` brings back.")
final class BackupCommand implements Callable<Integer> {
  /** The first line of a backup's manifest. */
  static final String FORMAT = "gatehouse-backup 1";

  static final String MANIFEST = "gatehouse-backup.txt";
  static final String DATABASE = "gatehouse.db";

  @ParentCommand Main main;

  @Parameters(paramLabel = "FILE", description = "Target file; must not exist.")
  Path target;

  @Override
  public Integer call() {
    if (Files.exists(target)) {
      throw new Main.CliException(
          "backup target " + target + " already exists; choose a new file name");
    }
    Path folder = target.toAbsolutePath().normalize().getParent();
    if (folder == null || !Files.isDirectory(folder)) {
      throw new Main.CliException(
          "the folder for the backup, " + folder + ", does not exist; create it first");
    }
    try (Gatehouse gatehouse = main.open()) {
      Path dataDir = gatehouse.config().dataDir();
      byte[] suffix = new byte[8];
      new java.security.SecureRandom().nextBytes(suffix);
      // The copy lives in the private data directory until it is packed, then goes away.
      Path copy = dataDir.resolve(".backup-" + HexFormat.of().formatHex(suffix) + ".db");
      Path partial = target.resolveSibling(target.getFileName() + ".partial");
      System.err.println("backing up to " + target + " …");
      try {
        gatehouse.database().backup(copy);
        Files.createFile(
            partial,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try (OutputStream out = Files.newOutputStream(partial);
            ZipOutputStream zip = new ZipOutputStream(out)) {
          zip.putNextEntry(new ZipEntry(MANIFEST));
          zip.write(
              (FORMAT
                      + "\ncreated "
                      + gatehouse.clock().instant()
                      + "\nrestore with: gatehouse restore FILE (into an empty data directory)\n")
                  .getBytes(StandardCharsets.UTF_8));
          zip.closeEntry();
          zip.putNextEntry(new ZipEntry(DATABASE));
          Files.copy(copy, zip);
          zip.closeEntry();
          zip.putNextEntry(new ZipEntry(Gatehouse.AT_REST_KEY));
          Files.copy(
              gatehouse.config().atRestKeyFile().orElse(dataDir.resolve(Gatehouse.AT_REST_KEY)),
              zip);
          zip.closeEntry();
        }
        Files.move(partial, target); // never over an existing file
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write the backup " + target, e);
      } finally {
        deleteQuietly(copy);
        deleteQuietly(partial);
      }
      System.out.println("backup written to " + target.toAbsolutePath().normalize());
    }
    return 0;
  }

  private static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      System.err.println("gatehouse: could not remove " + file + ": " + e.getMessage());
    }
  }
}
