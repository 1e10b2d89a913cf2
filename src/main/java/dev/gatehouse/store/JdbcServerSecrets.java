package dev.gatehouse.store;

import dev.gatehouse.keys.ServerSecrets;
import java.time.Clock;
import java.util.function.Supplier;
import org.jdbi.v3.core.Jdbi;

/** Server-wide secrets in SQL; first writer wins so that every node agrees. Thread-safe. */
public final class JdbcServerSecrets implements ServerSecrets {
  private final Jdbi jdbi;
  private final Clock clock;

  /** Store over {@code database}. */
  public JdbcServerSecrets(Database database, Clock clock) {
    this.jdbi = database.jdbi();
    this.clock = clock;
  }

  @Override
  public String getOrCreate(String name, Supplier<String> generator) {
    return jdbi.inTransaction(
        h -> {
          h.createUpdate(
                  "INSERT INTO server_secrets (name, value, created_at) VALUES (:name, :value, :at)"
                      + " ON CONFLICT (name) DO NOTHING")
              .bind("name", name)
              .bind("value", generator.get())
              .bind("at", clock.millis())
              .execute();
          return h.createQuery("SELECT value FROM server_secrets WHERE name = :name")
              .bind("name", name)
              .mapTo(String.class)
              .one();
        });
  }
}
