package dev.gatehouse.forwardauth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.gatehouse.apikey.ApiKey;
import dev.gatehouse.identity.Directory;
import dev.gatehouse.identity.User;
import dev.gatehouse.kernel.CacheTicker;
import dev.gatehouse.kernel.NonBlocking;
import dev.gatehouse.kernel.UserId;
import dev.gatehouse.oidc.AccessTokens;
import dev.gatehouse.oidc.Client;
import dev.gatehouse.policy.HostMatcher;
import dev.gatehouse.policy.Subject;
import dev.gatehouse.session.Session;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Turns a session or an API key into a {@link Subject}: user, groups and claims, cached per user
 * for at most a second so that the hot path does not query the directory on every request.
 * Thread-safe.
 */
public final class IdentityResolver {
  private static final Duration CACHE_TTL = Duration.ofSeconds(1);

  private record Profile(User user, List<String> groups, Map<String, List<String>> claims) {}

  private final Directory directory;
  private final Cache<UserId, Optional<Profile>> profiles;

  /** A resolver reading {@code directory}. */
  public IdentityResolver(Directory directory, Clock clock) {
    this.directory = directory;
    this.profiles =
        Caffeine.newBuilder()
            .maximumSize(100_000)
            .expireAfterWrite(CACHE_TTL)
            .ticker(CacheTicker.forClock(clock)::getAsLong)
            .build();
  }

  /** The subject of a live session; empty when its user is gone or disabled. */
  public Optional<Subject> forSession(Session session) {
    return profile(session.userId()).map(p -> user(p, session.amr(), Optional.empty()));
  }

  /**
   * The subject a user would be, signed in with {@code amr} (for the admin console's "who may reach
   * this URL?"); empty when the user is gone or disabled.
   */
  public Optional<Subject> forUser(dev.gatehouse.kernel.UserId user, Set<String> amr) {
    return profile(user).map(p -> user(p, amr, Optional.empty()));
  }

  /** The subject of a valid API key. */
  public Optional<Subject> forKey(ApiKey key) {
    Optional<List<HostMatcher>> scope =
        key.hosts().isEmpty()
            ? Optional.empty()
            : Optional.of(
                key.hosts().stream().flatMap(h -> HostMatcher.parse(h).stream()).toList());
    if (key.kind() == ApiKey.Kind.PERSONAL) {
      return key.owner().flatMap(this::profile).map(p -> user(p, Set.of("apikey"), scope));
    }
    String name = key.application().orElseThrow();
    return Optional.of(
        new Subject(
            Subject.Kind.APPLICATION,
            name,
            "",
            key.label(),
            key.groups(),
            Map.of(),
            Set.of("apikey"),
            scope,
            Set.of()));
  }

  /**
   * The subject of a valid OAuth access token: the user it acts for, or the client itself (its
   * groups) for client_credentials. Empty when the user is gone or disabled.
   */
  public Optional<Subject> forToken(AccessTokens.Verified token, Optional<Client> client) {
    Optional<Set<String>> audiences = Optional.of(Set.copyOf(token.audience()));
    if (token.user().isPresent()) {
      return profile(token.user().get())
          .map(
              p ->
                  new Subject(
                      Subject.Kind.USER,
                      p.user().username(),
                      p.user().email().orElse(""),
                      p.user().displayName(),
                      p.groups(),
                      p.claims(),
                      amr(token),
                      Optional.empty(),
                      token.scopes(),
                      audiences));
    }
    return client.map(
        c ->
            new Subject(
                Subject.Kind.APPLICATION,
                c.id(),
                "",
                c.name(),
                List.copyOf(new java.util.TreeSet<>(c.groups())),
                Map.of(),
                Set.of("oauth"),
                Optional.empty(),
                token.scopes(),
                audiences));
  }

  /** How the user signed in for the token's grant (so two-factor rules can pass), plus oauth. */
  private static Set<String> amr(AccessTokens.Verified token) {
    Set<String> amr = new java.util.HashSet<>(token.amr());
    amr.add("oauth");
    return Set.copyOf(amr);
  }

  private Optional<Profile> profile(UserId id) {
    Optional<Profile> cached = profiles.getIfPresent(id);
    if (cached != null) {
      return cached;
    }
    NonBlocking.mayBlock(); // a miss waits for the directory, or for the thread loading it
    return profiles.get(
        id,
        userId ->
            directory
                .findById(userId)
                .filter(u -> !u.disabled())
                .map(u -> new Profile(u, directory.groupsOf(userId), directory.claimsOf(userId))));
  }

  private static Subject user(Profile profile, Set<String> amr, Optional<List<HostMatcher>> scope) {
    User user = profile.user();
    return new Subject(
        Subject.Kind.USER,
        user.username(),
        user.email().orElse(""),
        user.displayName(),
        profile.groups(),
        profile.claims(),
        amr,
        scope,
        Set.of());
  }

  /** Forgets cached profiles (after directory changes made here). */
  public void invalidate() {
    profiles.invalidateAll();
  }
}
