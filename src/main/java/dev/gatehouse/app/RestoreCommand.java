package dev.gatehouse.app;

import dev.gatehouse.config.GatehouseConfig;
import dev.gatehouse.store.Database;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code gatehouse restore FILE}: puts a backup's database and at-rest key into the configured data
 * directory, which must hold neither (stop Gatehouse and move the old directory away first), then
 * opens it once to prove that every sealed key unseals.
 */
@Command(
    name = "restore",
    description =
        "Restore a backup written by `gatehouse backup` into the data directory, which must not"
            + " hold a database or key yet (stop Gatehouse and move the old one away first).")
final class RestoreCommand implements Callable<Integer> {
  private static final long MAX_ENTRY = 4L * 1024 * 1024 * 1024;

  @ParentCommand Main main;

  @Parameters(paramLabel = "FILE", description = "A file written by `gatehouse backup`.")
  Path source;

  @Override
  public Integer call() {
    GatehouseConfig config = main.config();
    if (config.database().url().isPresent()) {
      throw new Main.CliException(
          "restore brings back the embedded SQLite database; this configuration uses"
              + " database.url (restore PostgreSQL with pg_restore, and put at-rest.key back"
              + " in the data directory by hand)");
    }
    Path dataDir = config.dataDir();
    Path database = Database.sqliteFileIn(dataDir);
    // A configured shared key file may already hold the key (every node mounts it): it is then
    // compared with the backup's, never replaced.
    Path key = config.atRestKeyFile().orElse(dataDir.resolve(Gatehouse.AT_REST_KEY));
    boolean sharedKeyPresent = config.atRestKeyFile().isPresent() && Files.exists(key);
    if (Files.exists(database) || (Files.exists(key) && !sharedKeyPresent)) {
      throw new Main.CliException(
          dataDir.toAbsolutePath().normalize()
              + " already holds a Gatehouse database or key; stop Gatehouse, move that directory"
              + " away, and run restore again");
    }
    if (!Files.isRegularFile(source)) {
      throw new Main.CliException("no backup file at " + source);
    }
    boolean created = !Files.exists(dataDir);
    Gatehouse.createPrivateDirectory(dataDir);
    try {
      // An existing directory is made private too: it is about to hold the key.
      Files.setPosixFilePermissions(dataDir, PosixFilePermissions.fromString("rwx------"));
    } catch (IOException | UnsupportedOperationException e) {
      throw new Main.CliException(
          "cannot make " + dataDir.toAbsolutePath().normalize() + " private: " + e);
    }
    boolean restored = false;
    Map<String, Path> unpacked = new HashMap<>();
    try (InputStream in = Files.newInputStream(source);
        ZipInputStream zip = new ZipInputStream(in)) {
      ZipEntry entry;
      while ((entry = zip.getNextEntry()) != null) {
        String name = entry.getName();
        if (!Set.of(BackupCommand.MANIFEST, BackupCommand.DATABASE, Gatehouse.AT_REST_KEY)
                .contains(name)
            || unpacked.containsKey(name)) {
          throw new Main.CliException(source + " is not a Gatehouse backup (entry " + name + ")");
        }
        Path part = dataDir.resolve(".restore-" + name);
        Files.deleteIfExists(part);
        unpacked.put(name, part); // removed again below, even when the copy fails half-way
        Files.createFile(
            part,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        long copied;
        // Into the file created 0600 above: Files.copy with REPLACE_EXISTING would recreate it
        // with the default permissions.
        try (java.io.OutputStream out = Files.newOutputStream(part)) {
          copied = new BoundedStream(zip, MAX_ENTRY).transferTo(out);
        }
        if (copied == 0) {
          throw new Main.CliException(source + " has an empty " + name);
        }
      }
      if (unpacked.size() != 3
          || !Files.readString(unpacked.get(BackupCommand.MANIFEST), StandardCharsets.UTF_8)
              .startsWith(BackupCommand.FORMAT + "\n")) {
        throw new Main.CliException(
            source + " is not a complete Gatehouse backup (it needs the database and the key)");
      }
      Path backupKey = unpacked.remove(Gatehouse.AT_REST_KEY);
      if (sharedKeyPresent) {
        if (!Files.readString(backupKey, StandardCharsets.US_ASCII)
            .strip()
            .equals(Files.readString(key, StandardCharsets.US_ASCII).strip())) {
          unpacked.put(Gatehouse.AT_REST_KEY, backupKey);
          throw new Main.CliException(
              source
                  + " was sealed with another at-rest key than keys.at-rest-key-file "
                  + key
                  + "; nothing was restored");
        }
        Files.delete(backupKey);
      } else {
        Files.move(backupKey, key);
      }
      Files.move(unpacked.remove(BackupCommand.DATABASE), database);
      restored = true;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the backup " + source, e);
    } finally {
      for (Path part : unpacked.values()) {
        try {
          Files.deleteIfExists(part);
        } catch (IOException ignored) {
          // a leftover in the private data directory; harmless
        }
      }
      if (!restored && created) {
        try {
          Files.deleteIfExists(dataDir); // only when empty: what restore created, it takes back
        } catch (IOException ignored) {
          // not empty after all: leave it
        }
      }
    }
    try (Gatehouse gatehouse = main.open()) {
      System.out.println(
          "restored "
              + source
              + " into "
              + dataDir.toAbsolutePath().normalize()
              + ": "
              + gatehouse.directory().listUsers().size()
              + " users, "
              + gatehouse.signingKeys().describe().size()
              + " signing keys unsealed");
    }
    return 0;
  }

  /** Refuses to read past {@code limit} bytes (a hostile archive must not fill the disk). */
  private static final class BoundedStream extends java.io.FilterInputStream {
    private long left;

    BoundedStream(InputStream in, long limit) {
      super(in);
      this.left = limit;
    }

    @Override
    public int read() throws IOException {
      if (left-- <= 0) {
        throw new IOException("backup entry too large");
      }
      return super.read();
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (left <= 0) {
        throw new IOException("backup entry too large");
      }
      int n = super.read(b, off, (int) Math.min(len, left));
      if (n > 0) {
        left -= n;
      }
      return n;
    }

    @Override
    public void close() {
      // the zip stream stays open for the next entry
    }
  }
}
