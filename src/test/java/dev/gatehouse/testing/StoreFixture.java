package dev.gatehouse.testing;

import dev.gatehouse.kernel.Secret;
import dev.gatehouse.store.Database;
import java.nio.file.Path;

/** Opens a fresh {@link Database} of a kind, for store tests. */
public final class StoreFixture {
  private StoreFixture() {}

  /** A migrated, empty database of {@code kind}. */
  public static Database open(TestDatabases.Kind kind, Path dataDir) {
    return Database.open(TestDatabases.freshUrl(kind, dataDir), "", Secret.of(""), 4, dataDir);
  }
}
