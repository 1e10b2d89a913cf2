package dev.gatehouse.signin.magiclink;

import dev.gatehouse.identity.Directory;
import dev.gatehouse.identity.DirectoryException;
import dev.gatehouse.identity.Names;
import dev.gatehouse.identity.User;
import dev.gatehouse.kernel.Tokens;
import dev.gatehouse.mail.MailContent;
import dev.gatehouse.mail.Message;
import dev.gatehouse.mail.OutboxRepository;
import dev.gatehouse.signin.Throttle;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * A user's own email address: proving it (a link sent to it) and moving to another one (a link sent
 * to the new address; when followed, the address changes and the old one gets a notice). Asking for
 * a change to an address another account has sends that address's owner a notice instead, and
 * answers the same, so it reveals nothing. Links work once, for 24 hours, and opening one changes
 * nothing. Thread-safe.
 */
public final class EmailAddresses {
  /** How long verification and change links work. */
  public static final Duration LIFETIME = Duration.ofHours(24);

  /** Outcome of asking for a change. */
  public sealed interface ChangeRequested permits LinkSent, Refused, Throttled {}

  /** A link (or a notice, if the address is taken) is on its way to the new address. */
  public record LinkSent(String address) implements ChangeRequested {}

  /** A malformed or unchanged address (a safe, specific message). */
  public record Refused(String message) implements ChangeRequested {}

  /** Too many requests for this user. */
  public record Throttled(Duration retryAfter) implements ChangeRequested {}

  /** A usable change link: whose, and to which address. */
  public record PendingChange(User user, String newAddress) {}

  private final MagicLinkRepository links;
  private final OutboxRepository outbox;
  private final Directory directory;
  private final Throttle throttle;
  private final Clock clock;
  private final SecureRandom random;
  private final String publicOrigin;
  private final LinkIssuer issuer;
  private final int freeAttempts;

  /** Wires the flows; links are built on {@code publicOrigin}. */
  public EmailAddresses(
      MagicLinkRepository links,
      OutboxRepository outbox,
      Directory directory,
      Throttle throttle,
      Clock clock,
      SecureRandom random,
      String publicOrigin,
      int freeAttempts) {
    this.links = links;
    this.outbox = outbox;
    this.directory = directory;
    this.throttle = throttle;
    this.clock = clock;
    this.random = random;
    this.publicOrigin = publicOrigin;
    this.issuer = new LinkIssuer(links, clock, random);
    this.freeAttempts = freeAttempts;
  }

  /** Sends a verification link to the user's address; false when throttled or no address. */
  public boolean requestVerification(User user) {
    if (user.email().isEmpty() || user.emailVerified()) {
      return false;
    }
    if (throttle.attempt("email-verify:" + user.id().value(), freeAttempts)
        instanceof Throttle.Blocked) {
      return false;
    }
    String address = user.email().get();
    issuer.issue(
        MagicLinkRepository.Purpose.VERIFY,
        user.id(),
        Optional.empty(),
        LIFETIME,
        publicOrigin + "/email/verify?token=",
        link ->
            MailContent.to(Optional.of(user.username()))
                .withAction(
                    "Confirm that " + address + " is your address",
                    link,
                    "Works for 24 hours, once")
                .closingWith("If you did not ask for this, ignore this email.")
                .message(address, "Confirm your email address"));
    return true;
  }

  /** The user a usable verification link is for (does not use it). */
  public Optional<User> peekVerification(String token) {
    return usable(token, MagicLinkRepository.Purpose.VERIFY)
        .flatMap(l -> directory.findById(l.user()));
  }

  /** Uses a verification link; true when the address is now verified. */
  public boolean verify(String token) {
    Optional<User> user = peekVerification(token);
    return user.isPresent()
        && user.get().email().isPresent()
        && links.verifyEmail(Tokens.sha256Hex(token), user.get().email().get(), clock.instant());
  }

  /** Asks to move {@code user} to {@code newEmail}. */
  public ChangeRequested requestChange(User user, String newEmail) {
    String address;
    try {
      address = Names.email(newEmail);
    } catch (DirectoryException.InvalidValueException e) {
      return new Refused("Enter a valid email address.");
    }
    if (user.email().map(address::equals).orElse(false)) {
      return new Refused("That already is your address.");
    }
    if (throttle.attempt("email-change:" + user.id().value(), freeAttempts)
        instanceof Throttle.Blocked b) {
      return new Throttled(b.retryAfter());
    }
    Instant now = clock.instant();
    if (directory.findByEmail(address).isPresent()) {
      outbox.enqueue(queued(takenAddressNotice(address), now), now);
      return new LinkSent(address);
    }
    issuer.issue(
        MagicLinkRepository.Purpose.EMAIL_CHANGE,
        user.id(),
        Optional.empty(),
        address,
        LIFETIME,
        publicOrigin + "/email/change?token=",
        link ->
            MailContent.to(
                    Optional.of(user.username()),
                    "you asked to use " + address + " for your Gatehouse account.")
                .withAction("Confirm the new address", link, "Works for 24 hours, once")
                .closingWith(
                    "If you did not ask for this, ignore this email: nothing changes without the"
                        + " link.")
                .message(address, "Confirm your new email address"));
    return new LinkSent(address);
  }

  /** What a usable change link would do (does not use it). */
  public Optional<PendingChange> peekChange(String token) {
    return usable(token, MagicLinkRepository.Purpose.EMAIL_CHANGE)
        .flatMap(
            l ->
                directory
                    .findById(l.user())
                    .filter(u -> !u.disabled())
                    .map(u -> new PendingChange(u, l.payload())));
  }

  /** Uses a change link: the user as it was before the change, when the address changed. */
  public Optional<User> change(String token) {
    Optional<PendingChange> pending = peekChange(token);
    if (pending.isEmpty()) {
      return Optional.empty();
    }
    User before = pending.get().user();
    Instant now = clock.instant();
    Optional<Message.Queued> notice =
        before
            .email()
            .map(old -> queued(changedNotice(old, before, pending.get().newAddress(), now), now));
    return links.changeEmail(Tokens.sha256Hex(token), now, notice)
            == MagicLinkRepository.EmailChange.CHANGED
        ? Optional.of(before)
        : Optional.empty();
  }

  private Optional<MagicLinkRepository.Link> usable(
      String token, MagicLinkRepository.Purpose purpose) {
    if (!Tokens.looksLikeToken(token)) {
      return Optional.empty();
    }
    return links.findUsable(Tokens.sha256Hex(token), purpose, clock.instant());
  }

  private Message.Queued queued(Message message, Instant now) {
    return Message.Queued.fresh(message, now.plus(LIFETIME), random);
  }

  private Message takenAddressNotice(String address) {
    return MailContent.to(
            Optional.empty(),
            "someone asked to move another Gatehouse account to this address. It already"
                + " belongs to your account, so nothing changed.",
            "If it wasn't you, there is nothing to do. You can sign in at "
                + publicOrigin
                + "/login.")
        .message(address, "Someone tried to use your address");
  }

  private Message changedNotice(String oldAddress, User user, String newAddress, Instant at) {
    return MailContent.to(
            Optional.of(user.username()),
            "the email address of your Gatehouse account was changed from this address to "
                + newAddress
                + " at "
                + at
                + ". Sign-in links, resets and alerts now go to the new address.",
            "If you did not do this, your account may be in someone else's hands: tell your"
                + " administrator at once.")
        .message(oldAddress, "Your Gatehouse email address was changed");
  }
}
