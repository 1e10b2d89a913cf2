package dev.gatehouse.kernel;

/**
 * The catalogue of messages a client may see, each with a stable code. Details of what went wrong
 * go to the log, never to the client.
 */
public enum SafeMessage {
  BAD_REQUEST(400, "bad_request", "The request could not be understood."),
  CSRF_FAILED(
      403,
      "csrf_failed",
      "This form has expired or was sent from another site. Reload the page and try again."),
  FORBIDDEN(403, "forbidden", "You do not have access to this page."),
  NOT_FOUND(404, "not_found", "There is nothing here."),
  METHOD_NOT_ALLOWED(405, "method_not_allowed", "This method is not allowed here."),
  TOO_LARGE(413, "too_large", "The request is too large."),
  SIGNIN_FAILED(401, "signin_failed", "The username or password is incorrect."),
  THROTTLED(429, "throttled", "Too many attempts. Wait a moment and try again."),
  SETUP_LINK_INVALID(
      400,
      "setup_link_invalid",
      "This setup link is invalid, used or expired. Restart Gatehouse to print a fresh one."),
  MAGIC_LINK_INVALID(
      400,
      "magic_link_invalid",
      "This sign-in link is invalid, used or expired. Ask for a new one."),
  HANDOFF_INVALID(
      400,
      "handoff_invalid",
      "This sign-in between sites is invalid, used or expired (it works once, for a minute, in the"
          + " browser that started it). Go back to the app and open it again."),
  STEP_UP_REQUIRED(
      403,
      "step_up_required",
      "To change how you sign in, sign out and sign in again with your password or a passkey."),
  SIGNUP_CLOSED(
      404, "signup_closed", "Sign-up is closed here. Ask an administrator for an invitation."),
  OIDC_BAD_REQUEST(
      400,
      "invalid_authorization_request",
      "This sign-in request names an application Gatehouse does not know, or a return address that"
          + " application has not registered. Go back to the application and try again; if it"
          + " keeps happening, tell its administrator."),
  OIDC_LOGOUT_BAD_REQUEST(
      400,
      "invalid_logout_request",
      "This sign-out request names an application Gatehouse does not know, or a return address"
          + " that application has not registered. Nothing was signed out: sign out from the"
          + " Gatehouse start page, or go back to the application."),
  OIDC_NOT_ALLOWED(
      403,
      "access_denied",
      "Your account may not use this application. Ask an administrator to add you to one of its"
          + " groups."),
  UNAVAILABLE(503, "unavailable", "Gatehouse cannot answer right now. Try again shortly."),
  INTERNAL(500, "internal", "Something went wrong on our side. The error has been logged.");

  private final int status;
  private final String code;
  private final String text;

  SafeMessage(int status, String code, String text) {
    this.status = status;
    this.code = code;
    this.text = text;
  }

  /** HTTP status that goes with the message. */
  public int status() {
    return status;
  }

  /** Stable machine-readable code. */
  public String code() {
    return code;
  }

  /** Human-readable, safe text. */
  public String text() {
    return text;
  }
}
