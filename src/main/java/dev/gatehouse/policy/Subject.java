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
 * @param audiences the audiences of an OAuth access token; empty for other credentials
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
    Set<String> scopes,
    Optional<Set<String>> audiences) {

  /** A subject established by a session or an API key (no token audience). */
  public Subject(
      Kind kind,
      String name,
      String email,
      String displayName,
      List<String> groups,
      Map<String, List<String>> claims,
      Set<String> amr,
      Optional<List<HostMatcher>> hostScope,
      Set<String> scopes) {
    this(kind, name, email, displayName, groups, claims, amr, hostScope, scopes, Optional.empty());
  }

  /**
   * Whether an access token is meant for this request: one of {@code required} when the rule names
   * audiences, else an audience that is the host itself or a URI on it. Other credentials have no
   * audience and always pass.
   */
  public boolean meantFor(String host, Set<String> required) {
    if (audiences.isEmpty()) {
      return true;
    }
    if (!required.isEmpty()) {
      return audiences.get().stream().anyMatch(required::contains);
    }
    for (String audience : audiences.get()) {
      if (audience.equalsIgnoreCase(host)) {
        return true;
      }
      try {
        java.net.URI uri = new java.net.URI(audience);
        if (uri.getHost() != null && uri.getHost().equalsIgnoreCase(host)) {
          return true;
        }
      } catch (java.net.URISyntaxException e) {
        // not a URI: only an exact host match counts
      }
    }
    return false;
  }

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
