package dev.gatehouse.apikey;

import dev.gatehouse.kernel.UserId;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * An API key's record (never its secret). Personal keys carry their user's identity; application
 * keys carry the application's name and the groups given to the key. Immutable.
 *
 * @param id the non-secret part of the key, shown in lists and used to revoke
 * @param hosts host patterns the key is limited to; empty means any host
 * @param scopes what the key may do beyond passing access rules, e.g. {@link #ADMIN_SCOPE}
 */
public record ApiKey(
    String id,
    Kind kind,
    Optional<UserId> owner,
    Optional<String> application,
    String label,
    List<String> hosts,
    List<String> groups,
    Instant createdAt,
    Optional<Instant> expiresAt,
    Optional<Instant> lastUsedAt,
    List<String> scopes) {

  /** The scope that lets a key (or an access token) use the admin API. */
  public static final String ADMIN_SCOPE = "gatehouse:admin";

  /** Copies the lists. */
  public ApiKey {
    hosts = List.copyOf(hosts);
    groups = List.copyOf(groups);
    scopes = List.copyOf(scopes);
  }

  /** Whose key it is. */
  public enum Kind {
    PERSONAL,
    APPLICATION
  }
}
