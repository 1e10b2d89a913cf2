package dev.gatehouse.signin.magiclink;

import dev.gatehouse.identity.Directory;
import dev.gatehouse.identity.User;
import dev.gatehouse.kernel.Tokens;
import dev.gatehouse.mail.MailContent;
import dev.gatehouse.session.SessionService;
import dev.gatehouse.signin.Throttle;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Sign-in by a link sent to the user's email (SECURITY.md §5). The link carries a 256-bit token,
 * stored hashed, usable once, for {@link #lifetime()} (10 minutes by default); a new request
 * invalidates older links. Opening the link never consumes it (mail scanners open links): the page
 * it shows posts the token back. The link is bound to the browser that asked (a pending cookie);
 * opened elsewhere it needs an explicit "sign in on this device". The request answer and its work
 * are the same whether or not the address has an account. Thread-safe.
 */
public final class MagicLinkService {
  /** How long a link works unless configured ({@code signin.email-link-lifetime}; ASVS). */
  public static final Duration DEFAULT_LIFETIME = Duration.ofMinutes(10);

  /** How long a link works. */
  public Duration lifetime() {
    return lifetime;
  }

  /** Outcome of a request. */
  public sealed interface Requested permits Accepted, Throttled {}

  /** Accepted (a message is queued if, and only if, the address has an enabled account). */
  public record Accepted() implements Requested {}

  /** Too many requests from this address or for this email. */
  public record Throttled(Duration retryAfter) implements Requested {}

  /** Outcome of using a link. */
  public sealed interface Used permits SignedIn, ConfirmOtherDevice, Invalid {}

  /** Signed in with a new session. */
  public record SignedIn(User user, SessionService.Issued issued) implements Used {}

  /** The link was opened in another browser than the one that asked: ask before signing in. */
  public record ConfirmOtherDevice() implements Used {}

  /** Unknown, used or expired. */
  public record Invalid() implements Used {}

  private final MagicLinkRepository links;
  private final Duration lifetime;
  private final Directory directory;
  private final Throttle throttle;
  private final SessionService sessions;
  private final Clock clock;
  private final String confirmUrl;
  private final LinkIssuer issuer;
  private final int addressFreeAttempts;
  private final int accountFreeAttempts;

  /** Wires the flow; {@code publicOrigin} is the configured public URL (never a request header). */
  public MagicLinkService(
      MagicLinkRepository links,
      Directory directory,
      Throttle throttle,
      SessionService sessions,
      Clock clock,
      SecureRandom random,
      String publicOrigin,
      int addressFreeAttempts,
      int accountFreeAttempts,
      Duration lifetime) {
    this.lifetime = lifetime;
    this.links = links;
    this.directory = directory;
    this.throttle = throttle;
    this.sessions = sessions;
    this.clock = clock;
    this.confirmUrl = publicOrigin + "/login/email/confirm?token=";
    this.issuer = new LinkIssuer(links, clock, random);
    this.addressFreeAttempts = addressFreeAttempts;
    this.accountFreeAttempts = accountFreeAttempts;
  }

  /** Requests a link for {@code email} from the browser holding {@code browserBinding}. */
  public Requested request(String email, String browserBinding, String clientAddress) {
    if (throttle.attempt("magic-address:" + clientAddress, addressFreeAttempts)
        instanceof Throttle.Blocked b) {
      return new Throttled(b.retryAfter());
    }
    String key = "magic-email:" + email.strip().toLowerCase(Locale.ROOT);
    if (throttle.attempt(key, accountFreeAttempts) instanceof Throttle.Blocked b) {
      return new Throttled(b.retryAfter());
    }
    Optional<User> user =
        directory.findByEmail(email.strip()).filter(u -> !u.disabled() && u.email().isPresent());
    if (user.isEmpty()) {
      return new Accepted();
    }
    User target = user.get();
    issuer.issue(
        MagicLinkRepository.Purpose.SIGNIN,
        target.id(),
        Optional.of(browserBinding),
        lifetime,
        confirmUrl,
        link ->
            MailContent.to(
                    Optional.of(target.username()),
                    "someone (hopefully you) asked to sign in to Gatehouse with this address.")
                .withAction(
                    "Sign in to Gatehouse",
                    link,
                    "Works for "
                        + lifetime.toMinutes()
                        + " minutes, once, in the browser that asked for it")
                .closingWith(
                    "If it wasn't you, ignore this email: nobody can use the link without"
                        + " opening it.")
                .message(target.email().orElseThrow(), "Your Gatehouse sign-in link"));
    return new Accepted();
  }

  /** Whether the link can still be used (does not consume it). */
  public boolean isUsable(String token) {
    return Tokens.looksLikeToken(token)
        && links
            .findUsable(
                Tokens.sha256Hex(token), MagicLinkRepository.Purpose.SIGNIN, clock.instant())
            .isPresent();
  }

  /** Whether this browser is the one that asked for the link. */
  public boolean isSameBrowser(String token, Optional<String> browserBinding) {
    if (!Tokens.looksLikeToken(token) || browserBinding.isEmpty()) {
      return false;
    }
    return links
        .findUsable(Tokens.sha256Hex(token), MagicLinkRepository.Purpose.SIGNIN, clock.instant())
        .map(
            l -> Tokens.constantTimeEquals(l.browserHash(), Tokens.sha256Hex(browserBinding.get())))
        .orElse(false);
  }

  /** Uses the link (the POST from the confirmation page). */
  public Used use(
      String token,
      Optional<String> browserBinding,
      boolean confirmedOtherDevice,
      String userAgent,
      String clientAddress) {
    if (!isUsable(token)) {
      return new Invalid();
    }
    if (!confirmedOtherDevice && !isSameBrowser(token, browserBinding)) {
      return new ConfirmOtherDevice();
    }
    String hash = Tokens.sha256Hex(token);
    Optional<MagicLinkRepository.Link> link =
        links.findUsable(hash, MagicLinkRepository.Purpose.SIGNIN, clock.instant());
    if (link.isEmpty()
        || !links.consume(hash, MagicLinkRepository.Purpose.SIGNIN, clock.instant())) {
      return new Invalid();
    }
    Optional<User> user = directory.findById(link.get().user()).filter(u -> !u.disabled());
    if (user.isEmpty()) {
      return new Invalid();
    }
    // Following a link sent to the address proves the address.
    user.get().email().ifPresent(e -> directory.markEmailVerified(user.get().id(), e));
    SessionService.Issued issued =
        sessions.issue(user.get().id(), Set.of("email"), userAgent, clientAddress);
    return new SignedIn(user.get(), issued);
  }
}
