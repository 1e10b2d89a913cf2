package dev.gatehouse.store;

/** The two supported databases; the only place where their SQL differs. */
public enum Dialect {
  SQLITE("sqlite", ""),
  POSTGRES("postgres", " FOR UPDATE");

  private final String migrations;
  private final String lockRow;

  Dialect(String migrations, String lockRow) {
    this.migrations = migrations;
    this.lockRow = lockRow;
  }

  /** Flyway location of this dialect's migrations. */
  String migrationLocation() {
    return "classpath:db/migration/" + migrations;
  }

  /**
   * Suffix that locks a selected row until the transaction ends. SQLite needs none: its write
   * transactions are {@code BEGIN IMMEDIATE}, so they are serialised already.
   */
  String lockRow() {
    return lockRow;
  }
}
