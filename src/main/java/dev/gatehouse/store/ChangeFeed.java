package dev.gatehouse.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.function.Consumer;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What other nodes changed, as PostgreSQL announces it (V18's triggers NOTIFY {@value #CHANNEL}
 * with the kind of change: {@code sessions}, {@code api_keys}, {@code access_tokens}, {@code
 * clients}, {@code signing_keys}, {@code directory}). One daemon thread holds one connection that
 * LISTENs and hands each kind to {@code onChange}; after every (re)connection it hands {@link
 * #EVERYTHING}, since notifications sent meanwhile were lost. The caches' one-second lifetime
 * remains the safety net. Thread-safe.
 */
public final class ChangeFeed implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ChangeFeed.class);

  /** The channel V18's triggers notify. */
  public static final String CHANNEL = "gatehouse_changes";

  /** Handed after a (re)connection: anything may have changed. */
  public static final String EVERYTHING = "*";

  private static final Duration RETRY = Duration.ofSeconds(1);

  private final Database database;
  private final Consumer<String> onChange;
  private final Thread thread;
  private volatile boolean closed;

  private ChangeFeed(Database database, Consumer<String> onChange) {
    this.database = database;
    this.onChange = onChange;
    this.thread = Thread.ofPlatform().name("gatehouse-change-feed").daemon().unstarted(this::run);
  }

  /** Starts listening on {@code database} when it is PostgreSQL; SQLite has one node only. */
  public static java.util.Optional<ChangeFeed> start(Database database, Consumer<String> onChange) {
    if (database.dialect() != Dialect.POSTGRES) {
      return java.util.Optional.empty();
    }
    ChangeFeed feed = new ChangeFeed(database, onChange);
    feed.thread.start();
    return java.util.Optional.of(feed);
  }

  private void run() {
    while (!closed) {
      // Its own connection: held for good, it must not take one of the pool's.
      try (Connection connection = database.openDedicated()) {
        try (Statement listen = connection.createStatement()) {
          listen.execute("LISTEN " + CHANNEL);
        }
        deliver(EVERYTHING);
        PGConnection postgres = connection.unwrap(PGConnection.class);
        while (!closed) {
          PGNotification[] notifications = postgres.getNotifications(1000);
          if (notifications != null) {
            for (PGNotification notification : notifications) {
              deliver(notification.getParameter());
            }
          }
        }
      } catch (SQLException | RuntimeException e) {
        if (!closed) {
          LOG.warn("change feed lost its connection; retrying in {}: {}", RETRY, e.toString());
          sleep();
        }
      }
    }
  }

  private void deliver(String change) {
    try {
      onChange.accept(change);
    } catch (RuntimeException e) {
      LOG.warn("change feed: handling '{}' failed", change, e);
    }
  }

  private void sleep() {
    try {
      Thread.sleep(RETRY);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      closed = true;
    }
  }

  @Override
  public void close() {
    closed = true;
    thread.interrupt();
  }
}
