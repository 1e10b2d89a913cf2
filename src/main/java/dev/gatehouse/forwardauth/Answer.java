package dev.gatehouse.forwardauth;

import dev.gatehouse.policy.Subject;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** What Gatehouse answers the proxy. */
public sealed interface Answer {
  /**
   * Let the request through with these identity headers (every configured one, maybe empty).
   *
   * @param subject who was allowed; empty for an anonymous request a rule lets through
   * @param jwt the signed identity JWT the rule asked for; empty when it did not
   * @param credential what established the subject
   */
  record Allowed(
      List<Map.Entry<String, String>> headers,
      Optional<Subject> subject,
      String jwt,
      Credential credential)
      implements Answer {}

  /** What a request proved who it was with. */
  enum Credential {
    /** Nothing: a bypass rule let an anonymous request through. */
    NONE,
    /** Gatehouse's session cookie. */
    SESSION,
    /** A Gatehouse API key. */
    API_KEY,
    /** An OAuth access token Gatehouse issued. */
    ACCESS_TOKEN,
    /** None, but the connection's socket peer is this machine (local-first mode, proxy only). */
    LOCALHOST
  }

  /**
   * Not signed in, or a Gatehouse credential was invalid. {@code login} is the portal URL (with the
   * validated return URL) for browsers; {@code bearerFailed} when a presented API key was refused.
   */
  record Unauthenticated(Optional<String> login, boolean bearerFailed) implements Answer {}

  /**
   * Signed in (or not) but refused by the rules. {@code page} is, for a browser navigation, the
   * portal page that explains the refusal — or, when a second factor would let the user in, the
   * step-up sign-in — with the validated return URL.
   */
  record Forbidden(Optional<String> page) implements Answer {
    /** Refused, with nothing to show (not a browser, or an unparsable request). */
    public Forbidden() {
      this(Optional.empty());
    }
  }

  /** The decision could not be made (store down, unexpected failure): never a 200. */
  record Unavailable() implements Answer {}
}
