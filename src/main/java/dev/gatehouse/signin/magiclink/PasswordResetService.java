package dev.gatehouse.signin.magiclink;

import dev.gatehouse.credential.CredentialRepository;
import dev.gatehouse.credential.PasswordHasher;
import dev.gatehouse.credential.PasswordPolicy;
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

/**
 * Password reset by an emailed link: 256-bit token, stored hashed, one purpose, single use, 30
 * minutes; opening the link only shows the form. Setting the new password ends every session of the
 * user and signs nobody in: the user then signs in as usual, so a reset never bypasses a second
 * factor. Requests get the same answer whether or not the address has an account. Thread-safe.
 */
public final class PasswordResetService {
  private final AccountNotices notices;

  /** How long a reset link works. */
  public static final Duration LIFETIME = Duration.ofMinutes(30);

  /** Outcome of setting the new password. */
  public sealed interface Reset permits Done, WeakPassword, Invalid {}

  /** The password was changed and every session ended. */
  public record Done(User user) implements Reset {}

  /** The new password breaks the policy; the link stays usable. {@code message} is safe to show. */
  public record WeakPassword(String message) implements Reset {}

  /** Unknown, used or expired link. */
  public record Invalid() implements Reset {}

  private final MagicLinkRepository links;
  private final Directory directory;
  private final Throttle throttle;
  private final CredentialRepository credentials;
  private final PasswordHasher hasher;
  private final PasswordPolicy policy;
  private final SessionService sessions;
  private final Clock clock;
  private final String resetUrl;
  private final LinkIssuer issuer;
  private final int addressFreeAttempts;
  private final int accountFreeAttempts;

  /** Wires the flow; links are built on {@code publicOrigin}, never on request headers. */
  public PasswordResetService(
      MagicLinkRepository links,
      Directory directory,
      Throttle throttle,
      CredentialRepository credentials,
      PasswordHasher hasher,
      PasswordPolicy policy,
      SessionService sessions,
      Clock clock,
      SecureRandom random,
      String publicOrigin,
      int addressFreeAttempts,
      int accountFreeAttempts,
      AccountNotices notices) {
    this.notices = notices;
    this.links = links;
    this.directory = directory;
    this.throttle = throttle;
    this.credentials = credentials;
    this.hasher = hasher;
    this.policy = policy;
    this.sessions = sessions;
    this.clock = clock;
    this.resetUrl = publicOrigin + "/reset?token=";
    this.issuer = new LinkIssuer(links, clock, random);
    this.addressFreeAttempts = addressFreeAttempts;
    this.accountFreeAttempts = accountFreeAttempts;
  }

  /** Requests a reset link; empty when accepted, else how long to wait. */
  public Optional<Duration> request(String email, String clientAddress) {
    if (throttle.attempt("reset-address:" + clientAddress, addressFreeAttempts)
        instanceof Throttle.Blocked b) {
      return Optional.of(b.retryAfter());
    }
    if (throttle.attempt(
            "reset-email:" + email.strip().toLowerCase(Locale.ROOT), accountFreeAttempts)
        instanceof Throttle.Blocked b) {
      return Optional.of(b.retryAfter());
    }
    Optional<User> user =
        directory.findByEmail(email.strip()).filter(u -> !u.disabled() && u.email().isPresent());
    if (user.isEmpty()) {
      return Optional.empty();
    }
    User target = user.get();
    issuer.issue(
        MagicLinkRepository.Purpose.RESET,
        target.id(),
        Optional.empty(),
        LIFETIME,
        resetUrl,
        link ->
            MailContent.to(
                    Optional.of(target.username()),
                    "someone (hopefully you) asked to reset the Gatehouse password of this account.")
                .withAction("Choose a new password", link, "Works for 30 minutes, once")
                .closingWith(
                    "Choosing a new password signs you out everywhere. If it wasn't you, ignore"
                        + " this email: your password stays as it is.")
                .message(target.email().orElseThrow(), "Reset your Gatehouse password"));
    return Optional.empty();
  }

  /** Whether the link can still be used (does not consume it). */
  public boolean isUsable(String token) {
    return Tokens.looksLikeToken(token)
        && links
            .findUsable(Tokens.sha256Hex(token), MagicLinkRepository.Purpose.RESET, clock.instant())
            .isPresent();
  }

  /** Sets the new password, consuming the link, and ends every session of the user. */
  public Reset reset(String token, String newPassword) {
    if (!isUsable(token)) {
      return new Invalid();
    }
    var checked = policy.check(newPassword, java.util.List.of());
    Optional<String> accepted = checked.accepted();
    if (accepted.isEmpty()) {
      return new WeakPassword(checked.problem());
    }
    String hash = Tokens.sha256Hex(token);
    Optional<MagicLinkRepository.Link> link =
        links.findUsable(hash, MagicLinkRepository.Purpose.RESET, clock.instant());
    String newHash = hasher.hash(accepted.get());
    if (link.isEmpty()
        || !links.consume(hash, MagicLinkRepository.Purpose.RESET, clock.instant())) {
      return new Invalid();
    }
    Optional<User> user = directory.findById(link.get().user()).filter(u -> !u.disabled());
    if (user.isEmpty()) {
      return new Invalid();
    }
    credentials.setPasswordHash(user.get().id(), newHash, clock.instant());
    // Following a link sent to the address proves the address.
    user.get().email().ifPresent(e -> directory.markEmailVerified(user.get().id(), e));
    sessions.revokeAll(user.get().id());
    notices.passwordChanged(user.get(), AccountNotices.Change.RESET);
    return new Done(user.get());
  }
}
