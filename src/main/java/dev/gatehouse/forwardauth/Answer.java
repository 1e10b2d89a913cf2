package dev.gatehouse.forwardauth;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/** What Gatehouse answers the proxy. */
public sealed interface Answer {
  /** Let the request through with these identity headers (every configured one, maybe empty). */
  record Allowed(List<Map.Entry<String, String>> headers) implements Answer {}

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
