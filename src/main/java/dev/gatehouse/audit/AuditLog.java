package dev.gatehouse.audit;

import dev.gatehouse.kernel.UserId;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit trail of sign-ins, failures, factor changes and revocations, kept in the database and
 * readable with {@code gatehouse audit}. Recording never fails the action it records: a store error
 * is logged and swallowed. Thread-safe.
 */
public final class AuditLog {
  private static final Logger LOG = LoggerFactory.getLogger(AuditLog.class);

  /** Storage of events. Thread-safe; no method returns null. */
  public interface Store {
    /** Appends an event. */
    void append(AuditEvent event);

    /** Newest events first, optionally of one user. */
    List<AuditEvent> list(Optional<UserId> user, int limit);

    /** Newest events first that match {@code filter}, at most {@code limit}. */
    List<AuditEvent> search(Filter filter, int limit);
  }

  /**
   * What to look for in the trail.
   *
   * @param user events of this account only
   * @param kind events whose kind is this or starts with it and a dot ({@code signin} finds {@code
   *     signin.success})
   * @param before events older than this one (the cursor of the page before: time, then id)
   */
  public record Filter(Optional<UserId> user, Optional<String> kind, Optional<AuditEvent> before) {}

  private final Store store;
  private final Clock clock;
  private final SecureRandom random;
  private final java.util.function.Consumer<AuditEvent> listener;

  /** A log writing to {@code store}, telling {@code listener} (e.g. a webhook) about each event. */
  public AuditLog(
      Store store,
      Clock clock,
      SecureRandom random,
      java.util.function.Consumer<AuditEvent> listener) {
    this.store = store;
    this.clock = clock;
    this.random = random;
    this.listener = listener;
  }

  /** Records an event the account concerned caused itself (or nobody in particular). */
  public void record(
      String kind, Optional<UserId> user, String username, String clientAddress, String detail) {
    recordBy("", kind, user, username, clientAddress, detail);
  }

  /** Records an event {@code actor} caused (see {@link AuditEvent#actor()}). */
  public void recordBy(
      String actor,
      String kind,
      Optional<UserId> user,
      String username,
      String clientAddress,
      String detail) {
    byte[] id = new byte[12];
    random.nextBytes(id);
    String clean = username.length() > 128 ? username.substring(0, 128) : username;
    AuditEvent event;
    try {
      event =
          new AuditEvent(
              HexFormat.of().formatHex(id),
              clock.instant(),
              kind,
              user,
              clean.replaceAll("\\p{Cntrl}", "?"),
              clientAddress,
              detail.replaceAll("\\p{Cntrl}", "?"),
              actor.replaceAll("\\p{Cntrl}", "?"));
      store.append(event);
    } catch (RuntimeException e) {
      LOG.error("could not record audit event {}: {}", kind, e.toString());
      return;
    }
    try {
      listener.accept(event);
    } catch (RuntimeException e) {
      LOG.warn("audit listener failed for {}: {}", kind, e.toString());
    }
  }

  /** Newest events first. */
  public List<AuditEvent> list(Optional<UserId> user, int limit) {
    return store.list(user, limit);
  }

  /** Newest events first that match {@code filter}. */
  public List<AuditEvent> search(Filter filter, int limit) {
    return store.search(filter, limit);
  }
}
