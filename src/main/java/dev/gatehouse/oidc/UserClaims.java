package dev.gatehouse.oidc;

import dev.gatehouse.identity.Directory;
import dev.gatehouse.identity.User;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The claims about a user that scopes release, shared by ID tokens and UserInfo: {@code profile}
 * gives {@code name} and {@code preferred_username}; {@code email} gives {@code email} and {@code
 * email_verified}; {@code groups} gives {@code groups}. Claims mapped from roles come with {@code
 * profile}, except names OIDC reserves. {@code sub} is the user's opaque, stable id.
 */
public final class UserClaims {
  /** Claims Gatehouse itself sets; a role's claim of the same name is never released. */
  private static final Set<String> RESERVED = dev.gatehouse.identity.Names.RESERVED_CLAIMS;

  private final Directory directory;

  /** Reads {@code directory}. */
  public UserClaims(Directory directory) {
    this.directory = directory;
  }

  /** The claims {@code scopes} release about {@code user}, {@code sub} first. */
  public Map<String, Object> of(User user, Set<String> scopes) {
    Map<String, Object> claims = new LinkedHashMap<>();
    claims.put("sub", user.id().value());
    if (scopes.contains("profile")) {
      claims.put("name", user.displayName().isEmpty() ? user.username() : user.displayName());
      claims.put("preferred_username", user.username());
      for (Map.Entry<String, List<String>> claim : directory.claimsOf(user.id()).entrySet()) {
        if (!RESERVED.contains(claim.getKey())) {
          List<String> values = claim.getValue();
          claims.put(claim.getKey(), values.size() == 1 ? values.get(0) : values);
        }
      }
    }
    if (scopes.contains("email") && user.email().isPresent()) {
      claims.put("email", user.email().get());
      claims.put("email_verified", user.emailVerified());
    }
    if (scopes.contains("groups")) {
      claims.put("groups", directory.groupsOf(user.id()));
    }
    return claims;
  }
}
