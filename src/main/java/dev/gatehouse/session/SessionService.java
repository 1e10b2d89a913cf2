package dev.gatehouse.session;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import dev.gatehouse.kernel.CacheTicker;
import dev.gatehouse.kernel.NonBlocking;
import dev.gatehouse.kernel.Tokens;
import dev.gatehouse.kernel.UserId;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Issues, resolves and revokes SSO sessions. Thread-safe.
 *
 * <p>Lookup: token shape check, then SHA-256, then a Caffeine cache of recent lookups, then the
 * store; a session enters the cache the second time it is looked up ({@link Doorkeeper}). Cached
 * entries live at most {@link #CACHE_TTL}, so a revocation made by another process or node (the
 * CLI, a second Gatehouse on the same PostgreSQL) is honoured within that time; revocations made
 * here invalidate the cache at once.
 *
 * <p>Expiry: idle timeout from the last recorded activity, and an absolute cap from sign-in that
 * activity never extends. Activity writes are coalesced: the store is touched at most once per
 * {@code touchInterval} per session, not on every request.
 */
public final class SessionService {
  /** How long a cached lookup is trusted before the store is asked again. */
  public static final Duration CACHE_TTL = Duration.ofSeconds(1);

  private final SessionRepository repository;
  private final Clock clock;
  private final SecureRandom random;
  private final Duration idleTimeout;
  private final Duration absoluteTimeout;
  private final Duration touchInterval;
  private final Cache<String, Optional<Session>> cache;
  private final Doorkeeper doorkeeper = new Doorkeeper();
  private final java.util.List<java.util.function.Consumer<List<Session>>> endListeners =
      new java.util.concurrent.CopyOnWriteArrayList<>();
  private final java.util.List<java.util.function.BiConsumer<Session, Session>> replacedListeners =
      new java.util.concurrent.CopyOnWriteArrayList<>();

  /** A service with these timeouts. */
  public SessionService(
      SessionRepository repository,
      Clock clock,
      SecureRandom random,
      Duration idleTimeout,
      Duration absoluteTimeout) {
    this.repository = repository;
    this.clock = clock;
    this.random = random;
    this.idleTimeout = idleTimeout;
    this.absoluteTimeout = absoluteTimeout;
    Duration tenth = idleTimeout.dividedBy(10);
    this.touchInterval = tenth.compareTo(Duration.ofMinutes(1)) < 0 ? tenth : Duration.ofMinutes(1);
    this.cache =
        Caffeine.newBuilder()
            .maximumSize(100_000)
            // From the load, not the last write: recording use (the replace in resolve) must not
            // extend how long an answer loaded from the store is trusted.
            .expireAfter(Expiry.creating((String hash, Optional<Session> found) -> CACHE_TTL))
            .ticker(CacheTicker.forClock(clock)::getAsLong)
            .build();
  }

  /** A freshly issued session and the token for its cookie (shown to nobody else, never logged). */
  public record Issued(String token, Session session) {
    @Override
    public String toString() {
      return "Issued[session=" + session.id() + "]";
    }
  }

  /**
   * Issues a new session with a new id: never reuses a token the browser presented (no fixation).
   */
  public Issued issue(UserId user, Set<String> amr, String userAgent, String clientAddress) {
    return issue(user, amr, userAgent, clientAddress, "");
  }

  /**
   * As {@link #issue(UserId, Set, String, String)}, opened through the upstream provider {@code
   * idp}.
   */
  public Issued issue(
      UserId user, Set<String> amr, String userAgent, String clientAddress, String idp) {
    return issue(user, amr, userAgent, clientAddress, idp, Set.of(), "");
  }

  /**
   * As {@link #issue(UserId, Set, String, String, String)}, with what the provider said of its
   * sign-in: its {@code amr} values and {@code acr}.
   */
  public Issued issue(
      UserId user,
      Set<String> amr,
      String userAgent,
      String clientAddress,
      String idp,
      Set<String> idpAmr,
      String idpAcr) {
    String token = Tokens.newToken(random);
    Instant now = clock.instant();
    Session session =
        new Session(
            newId(),
            Tokens.sha256Hex(token),
            user,
            now,
            now,
            now.plus(absoluteTimeout),
            Set.copyOf(amr),
            truncate(userAgent, 256),
            truncate(clientAddress, 64),
            idp,
            idpAmr,
            idpAcr,
            "",
            "");
    repository.insert(session);
    return new Issued(token, session);
  }

  /**
   * Opens a session on a further cookie domain for the live sign-in {@code parentId} (a
   * cross-domain hand-off): same user, methods, sign-in time and absolute cap, its own token and
   * idle clock; it ends when the sign-in ends. Empty when the sign-in is no longer live.
   */
  public Optional<Issued> issueChild(
      String parentId, String domain, String userAgent, String clientAddress) {
    Instant now = clock.instant();
    Optional<Session> parent =
        repository
            .findActiveById(parentId)
            .filter(p -> p.parentId().isEmpty())
            .filter(p -> now.isBefore(p.expiresAt()))
            .filter(p -> now.isBefore(p.lastSeenAt().plus(idleTimeout)));
    if (parent.isEmpty()) {
      return Optional.empty();
    }
    Session root = parent.get();
    String token = Tokens.newToken(random);
    Session child =
        new Session(
            newId(),
            Tokens.sha256Hex(token),
            root.userId(),
            root.createdAt(),
            now,
            root.expiresAt(),
            root.amr(),
            truncate(userAgent, 256),
            truncate(clientAddress, 64),
            root.idp(),
            root.idpAmr(),
            root.idpAcr(),
            root.id(),
            domain);
    repository.insert(child);
    return Optional.of(new Issued(token, child));
  }

  /** A new public session id: 64 random bits, hex. */
  private String newId() {
    byte[] id = new byte[8];
    random.nextBytes(id);
    return HexFormat.of().formatHex(id);
  }

  /**
   * The live session for a cookie token; empty for malformed, unknown, revoked or expired tokens.
   */
  public Optional<Session> resolve(String token) {
    if (!Tokens.looksLikeToken(token)) {
      return Optional.empty();
    }
    String hash = Tokens.sha256Hex(token);
    Optional<Session> found = cache.getIfPresent(hash);
    boolean cached = true;
    if (found == null) {
      // A miss waits for the store, or for the thread already loading this session. Only the
      // second sight of a session is cached (see Doorkeeper).
      NonBlocking.mayBlock();
      if (doorkeeper.firstSight(hash)) {
        found = repository.findActive(hash);
        cached = false;
      } else {
        found = cache.get(hash, repository::findActive);
      }
    }
    if (found.isEmpty()) {
      return found;
    }
    Session session = found.get();
    Instant now = clock.instant();
    if (!now.isBefore(session.expiresAt())
        || !now.isBefore(session.lastSeenAt().plus(idleTimeout))) {
      cache.invalidate(hash);
      return Optional.empty();
    }
    if (!now.isBefore(session.lastSeenAt().plus(touchInterval))) {
      repository.touch(hash, now);
      if (!session.parentId().isEmpty()) {
        // Activity on a further domain is activity of the sign-in: it stays alive as long as
        // any of its sessions is used, and ends idle only when none is.
        repository.touchSignIn(session.parentId(), now);
      }
      session = session.touchedAt(now);
      if (cached) {
        // Only over the answer this call read: a revocation that dropped it meanwhile must not
        // see it put back (and the entry keeps the second it got at its load).
        cache.asMap().replace(hash, found, Optional.of(session));
      }
    }
    return Optional.of(session);
  }

  /** Forgets every cached lookup: another node changed sessions (see {@code ChangeFeed}). */
  public void forgetCached() {
    cache.invalidateAll();
  }

  /**
   * Calls {@code listener} with the sessions that were just ended by sign-out or revocation (not
   * those that simply expire), e.g. to end what applications were given in them.
   */
  public void onEnded(java.util.function.Consumer<List<Session>> listener) {
    endListeners.add(listener);
  }

  /**
   * Calls {@code listener} with (old, new) when a browser signs in again as the same user: the old
   * session ends, but what was given in it moves on to the new one.
   */
  public void onReplaced(java.util.function.BiConsumer<Session, Session> listener) {
    replacedListeners.add(listener);
  }

  /**
   * Ends the session behind {@code token} because the browser now has {@code next}: for the same
   * user it counts as a continuation ({@link #onReplaced}), otherwise as an end ({@link #onEnded}).
   */
  public void handOver(String token, Session next) {
    if (!Tokens.looksLikeToken(token)) {
      return;
    }
    String hash = Tokens.sha256Hex(token);
    Optional<Session> old = root(repository.findActive(hash));
    repository.revokeByTokenHash(hash, clock.instant()).forEach(cache::invalidate);
    cache.invalidate(hash);
    if (old.isPresent()
        && old.get().userId().equals(next.userId())
        && !old.get().id().equals(next.id())) {
      replacedListeners.forEach(l -> l.accept(old.get(), next));
    } else {
      ended(old.stream().toList());
    }
  }

  private void ended(List<Session> sessions) {
    if (!sessions.isEmpty()) {
      endListeners.forEach(l -> l.accept(sessions));
    }
  }

  /** Ends the session behind a cookie token (sign-out). */
  public void revokeToken(String token) {
    if (!Tokens.looksLikeToken(token)) {
      return;
    }
    String hash = Tokens.sha256Hex(token);
    Optional<Session> session = root(repository.findActive(hash));
    repository.revokeByTokenHash(hash, clock.instant()).forEach(cache::invalidate);
    cache.invalidate(hash);
    ended(session.stream().toList());
  }

  /**
   * The sign-in {@code session} belongs to (itself, or for a session on a further domain its
   * parent): what listeners hear about, since applications were given the sign-in's own id.
   */
  private Optional<Session> root(Optional<Session> session) {
    if (session.isEmpty() || session.get().parentId().isEmpty()) {
      return session;
    }
    return repository.findActiveById(session.get().parentId());
  }

  /** Ends a session by public id or unambiguous prefix; the number ended. */
  public int revoke(String idOrPrefix) {
    List<Session> ending =
        repository.listActive(Optional.empty(), clock.instant()).stream()
            .filter(s -> s.id().startsWith(idOrPrefix))
            .toList();
    int count = repository.revoke(idOrPrefix, clock.instant());
    cache.invalidateAll();
    if (count > 0) {
      ended(ending);
    }
    return count;
  }

  /**
   * Ends every live session opened through an upstream provider {@code gone} says is gone (removed
   * from the configuration or with the CLI): nobody stays signed in through it. The number ended.
   */
  public int revokeThroughProviders(java.util.function.Predicate<String> gone) {
    List<Session> ending =
        repository.listActiveThroughProviders(clock.instant()).stream()
            .filter(s -> gone.test(s.idp()))
            .toList();
    for (Session session : ending) {
      repository.revoke(session.id(), clock.instant());
    }
    if (!ending.isEmpty()) {
      cache.invalidateAll();
      ended(ending);
    }
    return ending.size();
  }

  /** Ends every session of a user; the number ended. */
  public int revokeAll(UserId user) {
    List<Session> ending = repository.listActive(Optional.of(user), clock.instant());
    int count = repository.revokeAllForUser(user, clock.instant());
    cache.invalidateAll();
    ended(ending);
    return count;
  }

  /** Live sessions, optionally of one user. */
  public List<Session> list(Optional<UserId> user) {
    Instant now = clock.instant();
    return repository.listActive(user, now).stream()
        .filter(s -> now.isBefore(s.lastSeenAt().plus(idleTimeout)))
        .toList();
  }

  /** Number of sessions not revoked and not past their absolute cap (for metrics). */
  public long countActive() {
    return repository.countActive(clock.instant());
  }

  /** Deletes sessions that ended more than a day ago. */
  public int purge() {
    return repository.purge(clock.instant().minus(Duration.ofDays(1)));
  }

  private static String truncate(String text, int max) {
    String clean = text.replaceAll("\\p{Cntrl}", "?");
    return clean.length() <= max ? clean : clean.substring(0, max);
  }
}
