package dev.gatehouse.apikey;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
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
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Creates and checks API keys. A key reads {@code ghk_<id>_<secret>}: a recognisable prefix (so
 * forward-auth can tell our credentials from an app's own), a 16-hex-digit id and 256 random bits.
 * The store keeps the SHA-256 of the whole key, compared in constant time. Lookups are cached for
 * at most {@link #CACHE_TTL} so that revocations elsewhere apply within it; last use is written at
 * most once a minute per key. Thread-safe.
 */
public final class ApiKeyService {
  /**
   * The application name of the temporary key {@code gatehouse selftest proxy} creates; only such a
   * key opens {@code /api/echo}.
   */
  public static final String SELFTEST_APPLICATION = "gatehouse-selftest";

  /** The prefix of every Gatehouse API key. */
  public static final String PREFIX = "ghk_";

  /** How long a cached lookup is trusted. */
  public static final Duration CACHE_TTL = Duration.ofSeconds(1);

  private static final Pattern FORMAT = Pattern.compile("ghk_([0-9a-f]{16})_([A-Za-z0-9_-]{43})");
  private static final Duration TOUCH_INTERVAL = Duration.ofMinutes(1);

  private final ApiKeyRepository repository;
  private final Clock clock;
  private final SecureRandom random;
  private final Cache<String, Optional<ApiKeyRepository.Stored>> cache;
  private final ConcurrentMap<String, Instant> lastTouched = new ConcurrentHashMap<>();

  /** A service over {@code repository}. */
  public ApiKeyService(ApiKeyRepository repository, Clock clock, SecureRandom random) {
    this.repository = repository;
    this.clock = clock;
    this.random = random;
    this.cache =
        Caffeine.newBuilder()
            .maximumSize(50_000)
            .expireAfterWrite(CACHE_TTL)
            .ticker(CacheTicker.forClock(clock)::getAsLong)
            .build();
  }

  /** A new key: the full key is shown once and never stored. */
  public record Issued(String key, ApiKey record) {
    @Override
    public String toString() {
      return "Issued[id=" + record.id() + "]";
    }
  }

  /** Whether a presented value claims to be a Gatehouse key (has our prefix). */
  public static boolean isGatehouseKey(String value) {
    return value.startsWith(PREFIX);
  }

  /** Creates a personal key for {@code user}. */
  public Issued createPersonal(
      UserId user, String label, List<String> hosts, Optional<Duration> lifetime) {
    return createPersonal(user, label, hosts, lifetime, List.of());
  }

  /** Creates a personal key for {@code user} with {@code scopes}. */
  public Issued createPersonal(
      UserId user,
      String label,
      List<String> hosts,
      Optional<Duration> lifetime,
      List<String> scopes) {
    return create(
        ApiKey.Kind.PERSONAL,
        Optional.of(user),
        Optional.empty(),
        label,
        hosts,
        List.of(),
        lifetime,
        scopes);
  }

  /**
   * Creates an application key for the named service ({@code a-z0-9._-}, at most 64), in {@code
   * groups}; the label becomes the display name in identity headers.
   */
  public Issued createApplication(
      String application,
      String label,
      List<String> hosts,
      List<String> groups,
      Optional<Duration> lifetime) {
    return createApplication(application, label, hosts, groups, lifetime, List.of());
  }

  /** As {@link #createApplication(String, String, List, List, Optional)}, with {@code scopes}. */
  public Issued createApplication(
      String application,
      String label,
      List<String> hosts,
      List<String> groups,
      Optional<Duration> lifetime,
      List<String> scopes) {
    return create(
        ApiKey.Kind.APPLICATION,
        Optional.empty(),
        Optional.of(application),
        label,
        hosts,
        groups,
        lifetime,
        scopes);
  }

  private Issued create(
      ApiKey.Kind kind,
      Optional<UserId> owner,
      Optional<String> application,
      String label,
      List<String> hosts,
      List<String> groups,
      Optional<Duration> lifetime,
      List<String> scopes) {
    for (String scope : scopes) {
      if (!scope.matches("[A-Za-z0-9:._-]{1,64}")) {
        throw new IllegalArgumentException(
            "a scope is 1 to 64 of letters, digits, ':', '.', '_' or '-': " + scope);
      }
    }
    if (application.isPresent() && !application.get().matches("[a-z0-9][a-z0-9._-]{0,63}")) {
      throw new IllegalArgumentException(
          "application name must be 1 to 64 of a-z, 0-9, '.', '_' or '-'");
    }
    for (String group : groups) {
      // Stored newline-separated and sent comma-separated in Remote-Groups: either would forge.
      if (!dev.gatehouse.identity.Names.groupOrRole("group", group).equals(group)) {
        throw new IllegalArgumentException("group names are written canonically (NFKC)");
      }
    }
    if (label.length() > 128 || label.chars().anyMatch(Character::isISOControl)) {
      throw new IllegalArgumentException(
          "label must be at most 128 characters without control characters");
    }
    byte[] idBytes = new byte[8];
    random.nextBytes(idBytes);
    String id = HexFormat.of().formatHex(idBytes);
    String key = PREFIX + id + "_" + Tokens.newToken(random);
    Instant now = clock.instant();
    ApiKey record =
        new ApiKey(
            id,
            kind,
            owner,
            application,
            label,
            List.copyOf(hosts),
            List.copyOf(groups),
            now,
            lifetime.map(now::plus),
            Optional.empty(),
            List.copyOf(new java.util.TreeSet<>(scopes)));
    repository.insert(record, Tokens.sha256Hex(key));
    return new Issued(key, record);
  }

  /**
   * The key's record when {@code presented} is a valid, unexpired, unrevoked key whose owner is
   * enabled; empty otherwise (malformed keys never reach the store).
   */
  public Optional<ApiKey> authenticate(String presented) {
    Matcher matcher = FORMAT.matcher(presented);
    if (!matcher.matches()) {
      return Optional.empty();
    }
    String id = matcher.group(1);
    Optional<ApiKeyRepository.Stored> stored = cache.getIfPresent(id);
    if (stored == null) {
      NonBlocking.mayBlock(); // a miss waits for the store, or for the thread loading it
      stored = cache.get(id, repository::findActive);
    }
    if (stored.isEmpty()
        || !Tokens.constantTimeEquals(stored.get().secretHash(), Tokens.sha256Hex(presented))) {
      return Optional.empty();
    }
    ApiKey key = stored.get().key();
    Instant now = clock.instant();
    if (key.expiresAt().isPresent() && !now.isBefore(key.expiresAt().get())) {
      return Optional.empty();
    }
    Instant last = lastTouched.get(id);
    if (last == null || !now.isBefore(last.plus(TOUCH_INTERVAL))) {
      NonBlocking.mayBlock(); // before the mark: a thread that must not wait would lose the write
      lastTouched.put(id, now);
      repository.touch(id, now);
    }
    return Optional.of(key);
  }

  /** Live keys, optionally of one user. */
  public List<ApiKey> list(Optional<UserId> owner) {
    return repository.list(owner);
  }

  /** Revokes a key by id; false when there was none. */
  public boolean revoke(String id) {
    boolean revoked = repository.revoke(id, clock.instant());
    cache.invalidateAll();
    return revoked;
  }

  /** Revokes every key of a user; the number revoked. */
  public int revokeAll(UserId user) {
    int count = repository.revokeAllForUser(user, clock.instant());
    cache.invalidateAll();
    return count;
  }

  /** Forgets cached lookups (after a user was disabled or deleted). */
  public void invalidate() {
    cache.invalidateAll();
  }
}
