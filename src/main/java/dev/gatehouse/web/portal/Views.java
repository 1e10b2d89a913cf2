package dev.gatehouse.web.portal;

import java.util.List;

/** View models of the portal pages; empty strings mean "none". Immutable. */
public final class Views {
  private Views() {}

  /**
   * Sets {@code Retry-After} for a throttled request and returns the sentence that tells the user
   * how long to wait.
   */
  static String throttled(dev.gatehouse.web.Exchange exchange, java.time.Duration retryAfter) {
    long seconds = Math.max(1, retryAfter.toSeconds());
    exchange.addHeader("Retry-After", Long.toString(seconds));
    return "Too many requests. Wait " + seconds(seconds) + " and try again.";
  }

  /** "1 second", "5 seconds". */
  static String seconds(long seconds) {
    return seconds + (seconds == 1 ? " second" : " seconds");
  }

  /** The sign-in page. */
  public record LoginView(
      String csrf,
      String username,
      String rd,
      String error,
      String notice,
      boolean signUp,
      List<ProviderButton> providers,
      boolean fresh) {}

  /** A sign-in button for an upstream provider. */
  public record ProviderButton(String id, String name) {}

  /** Why a sign-in through an upstream provider was refused. */
  public record UpstreamRefusedView(int status, String message) {}

  /**
   * Why a protected page was refused: who is signed in (empty when nobody), the page asked for
   * (validated; empty when unknown), and where "sign in as someone else" leads.
   */
  public record DeniedView(String csrf, String username, String target, String signInAgain) {}

  /** The signed-in landing page. */
  public record HomeView(
      String csrf,
      String displayName,
      String username,
      String email,
      boolean admin,
      String expires,
      java.util.List<dev.gatehouse.forwardauth.Apps.App> apps) {}

  /** The first-run setup page. */
  public record SetupView(
      String csrf,
      String token,
      String username,
      String email,
      String displayName,
      String error,
      int minLength,
      int maxLength) {}

  /** The "email me a link" page and its answer. */
  public record MagicLinkRequestView(
      String csrf, String email, boolean sent, String error, String rd) {}

  /** The page a magic link opens: one button that signs in. */
  public record MagicLinkConfirmView(
      String csrf, String token, boolean otherDevice, String error) {}

  /** The form a reset link opens. */
  public record ResetView(String csrf, String token, String error, int minLength, int maxLength) {}
}
