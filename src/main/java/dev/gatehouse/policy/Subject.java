package dev.gatehouse.policy;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Who is asking, as established by a session or a bearer credential. Immutable.
 *
 * @param name the username, or the application's name
 * @param hostScope hosts (exact or {@code *.suffix}) a scoped API key may be used for; empty means
 *     any
 * @param scopes OAuth-style scopes carried by the credential (empty for sessions)
 */
public record Subject(
    Kind kind,
    String name,
    String email,
    String displayName,
    List<String> groups,
    Map<String, List<String>> claims,
    Set<String> amr,
    Optional<List<HostMatcher>> hostScope,
    Set<String> scopes) {

  /** A person or a service. */
  public enum Kind {
    USER,
    APPLICATION
  }

  /** Whether the authentication methods amount to two factors (RFC 8176 {@code mfa}). */
  public boolean hasTwoFactors() {
    return kind == Kind.USER && amr.contains("mfa");
  }

  /** Whether a scoped credential may be used for {@code host}. */
  public boolean mayAccess(String host) {
    return hostScope.map(list -> list.stream().anyMatch(m -> m.matches(host))).orElse(true);
  }
}
