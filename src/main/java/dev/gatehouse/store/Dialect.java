package dev.gatehouse.store;

/** The two supported databases; the only place where their SQL differs. */
public enum Dialect {
  SQLITE("sqlite"),
  POSTGRES("postgres");

  private final String migrations;

  Dialect(String migrations) {
    this.migrations = migrations;
  }

  /** Flyway location of this dialect's migrations. */
  String migrationLocation() {
    return "classpath:db/migration/" + migrations;
  }
}
