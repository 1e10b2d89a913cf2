package dev.gatehouse.web;

import dev.gatehouse.kernel.Tokens;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * CSRF protection for every state-changing POST (SECURITY.md §7): a token that is an HMAC of what
 * binds the browser — the session when there is one, else a random pre-session cookie — plus a
 * check that {@code Origin} (or {@code Sec-Fetch-Site}) is our own origin when the browser sends
 * it. Immutable and thread-safe.
 */
public final class Csrf {
  private final byte[] key;
  private final String publicOrigin;

  /**
   * @param base64Key the server-wide CSRF key (shared by all nodes)
   * @param publicOrigin {@code scheme://host[:port]} of the configured public URL
   */
  public Csrf(String base64Key, String publicOrigin) {
    this.key = Base64.getUrlDecoder().decode(base64Key);
    this.publicOrigin = publicOrigin;
  }

  /**
   * The token for a form rendered for this binding ({@code "s:"+session hash} or {@code
   * "c:"+cookie}).
   */
  public String token(String binding) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      byte[] tag = mac.doFinal(("gatehouse-csrf|" + binding).getBytes(StandardCharsets.UTF_8));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(tag);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is required by every Java platform", e);
    }
  }

  /**
   * A MAC of {@code value} for another {@code purpose} under the same server-wide key (shared by
   * all nodes): for markers Gatehouse puts into URLs and must find unaltered when they come back.
   */
  public String sign(String purpose, String value) {
    return token("sign|" + purpose + "|" + value);
  }

  /** Whether a submitted token matches the binding, compared in constant time. */
  public boolean valid(String binding, Optional<String> submitted) {
    return submitted.isPresent() && Tokens.constantTimeEquals(token(binding), submitted.get());
  }

  /**
   * Whether the browser says the request comes from our own origin. A present {@code Origin} must
   * equal the public origin exactly. Browsers send {@code Origin: null} for form posts from pages
   * with {@code Referrer-Policy: no-referrer} (ours); then, and when {@code Origin} is absent,
   * {@code Sec-Fetch-Site} decides: {@code same-origin} or {@code none} pass, anything else fails,
   * and a {@code null} origin without it fails. Clients sending neither header rely on the token
   * alone.
   */
  public boolean sameOrigin(Optional<String> origin, Optional<String> secFetchSite) {
    if (origin.isPresent() && !origin.get().equals("null")) {
      return origin.get().equals(publicOrigin);
    }
    if (secFetchSite.isPresent()) {
      return secFetchSite.get().equals("same-origin") || secFetchSite.get().equals("none");
    }
    return origin.isEmpty();
  }
}
