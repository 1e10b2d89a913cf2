package dev.gatehouse.signin.magiclink;

import dev.gatehouse.credential.PasswordHasher;
import dev.gatehouse.credential.PasswordPolicy;
import dev.gatehouse.identity.Directory;
import dev.gatehouse.identity.DirectoryException;
import dev.gatehouse.identity.Names;
import dev.gatehouse.identity.User;
import dev.gatehouse.kernel.Tokens;
import dev.gatehouse.mail.MailContent;
import dev.gatehouse.mail.Message;
import dev.gatehouse.mail.OutboxRepository;
import dev.gatehouse.session.SessionService;
import dev.gatehouse.signin.Throttle;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Who may create an account, and self sign-up. Under {@code open} (or {@code domains}, for the
 * listed email domains) anyone may ask for a sign-up link; following it, they choose a username and
 * a password or a passkey. An address that already has an account gets a notice to its owner
 * instead of a link, and the answer on the page is the same, so sign-up never reveals who has an
 * account. Thread-safe.
 */
public final class Registrations {
  /** How long a sign-up link works. */
  public static final Duration LIFETIME = Duration.ofHours(24);

  /** Who may create an account. */
  public enum Policy {
    /** Only administrators, with {@code gatehouse user add}. */
    CLOSED,
    /** Administrators also invite by email ({@code gatehouse user invite}). */
    INVITE,
    /** Anyone may sign up with an address they can receive mail at. */
    OPEN,
    /** As {@code OPEN}, for addresses in the listed domains only. */
    DOMAINS;

    /** Whether invitations may be sent. */
    public boolean allowsInvitations() {
      return this != CLOSED;
    }

    /** Whether the sign-up page is offered. */
    public boolean allowsSelfSignUp() {
      return this == OPEN || this == DOMAINS;
    }
  }

  /** Outcome of asking for a sign-up link. */
  public sealed interface Requested permits Sent, NotAllowed, Throttled {}

  /** A link or, for a known address, a notice is on its way: the same answer either way. */
  public record Sent() implements Requested {}

  /** The address is malformed or not in an allowed domain (a safe, specific message). */
  public record NotAllowed(String message) implements Requested {}

  /** Too many requests. */
  public record Throttled(Duration retryAfter) implements Requested {}

  /** Outcome of completing a sign-up. */
  public sealed interface Completed permits Welcome, Problem, Invalid {}

  /** The account exists and is signed in. */
  public record Welcome(User user, SessionService.Issued issued) implements Completed {}

  /** A fixable problem with the form (username taken or malformed, weak password). */
  public record Problem(String message) implements Completed {}

  /** Unknown, used or expired link. */
  public record Invalid() implements Completed {}

  private final Policy policy;
  private final List<String> domains;
  private final RegistrationRepository registrations;
  private final OutboxRepository outbox;
  private final Directory directory;
  private final PasswordHasher hasher;
  private final PasswordPolicy passwords;
  private final SessionService sessions;
  private final Throttle throttle;
  private final Clock clock;
  private final SecureRandom random;
  private final String publicOrigin;
  private final int addressFreeAttempts;
  private final int accountFreeAttempts;

  /** Wires sign-up; links are built on {@code publicOrigin}. */
  public Registrations(
      Policy policy,
      List<String> domains,
      RegistrationRepository registrations,
      OutboxRepository outbox,
      Directory directory,
      PasswordHasher hasher,
      PasswordPolicy passwords,
      SessionService sessions,
      Throttle throttle,
      Clock clock,
      SecureRandom random,
      String publicOrigin,
      int addressFreeAttempts,
      int accountFreeAttempts) {
    this.policy = policy;
    this.domains = domains.stream().map(d -> d.toLowerCase(Locale.ROOT)).toList();
    this.registrations = registrations;
    this.outbox = outbox;
    this.directory = directory;
    this.hasher = hasher;
    this.passwords = passwords;
    this.sessions = sessions;
    this.throttle = throttle;
    this.clock = clock;
    this.random = random;
    this.publicOrigin = publicOrigin;
    this.addressFreeAttempts = addressFreeAttempts;
    this.accountFreeAttempts = accountFreeAttempts;
  }

  /** The configured policy. */
  public Policy policy() {
    return policy;
  }

  /** The domains self sign-up is open to under {@code domains}. */
  public List<String> domains() {
    return domains;
  }

  /** Asks for a sign-up link for {@code email}. */
  public Requested request(String email, String clientAddress) {
    if (!policy.allowsSelfSignUp()) {
      return new NotAllowed("Sign-up is closed. Ask an administrator for an invitation.");
    }
    String address;
    try {
      address = Names.email(email);
    } catch (DirectoryException.InvalidValueException e) {
      return new NotAllowed("Enter a valid email address.");
    }
    String domain = address.substring(address.lastIndexOf('@') + 1);
    if (policy == Policy.DOMAINS && !domains.contains(domain)) {
      return new NotAllowed(
          "Sign-up is open to addresses at " + String.join(", ", domains) + " only.");
    }
    if (throttle.attempt("signup-address:" + clientAddress, addressFreeAttempts)
        instanceof Throttle.Blocked b) {
      return new Throttled(b.retryAfter());
    }
    if (throttle.attempt("signup-email:" + address, accountFreeAttempts)
        instanceof Throttle.Blocked b) {
      return new Throttled(b.retryAfter());
    }
    Instant now = clock.instant();
    Optional<User> existing = directory.findByEmail(address);
    if (existing.isPresent()) {
      outbox.enqueue(queued(knownAddressNotice(address, existing.get()), now), now);
      return new Sent();
    }
    String token = Tokens.newToken(random);
    String link = publicOrigin + "/register/confirm?token=" + token;
    registrations.createAndQueue(
        new RegistrationRepository.Pending(
            Tokens.sha256Hex(token), address, now, now.plus(LIFETIME)),
        queued(signUpMessage(address, link), now),
        now);
    return new Sent();
  }

  /** The address of a usable sign-up link (does not use it). */
  public Optional<String> peek(String token) {
    if (!Tokens.looksLikeToken(token)) {
      return Optional.empty();
    }
    return registrations
        .findUsable(Tokens.sha256Hex(token), clock.instant())
        .map(RegistrationRepository.Pending::email);
  }

  /** Creates the account: with a password, or without one to add a passkey next. */
  public Completed complete(
      String token,
      String username,
      String displayName,
      Optional<String> password,
      String userAgent,
      String clientAddress) {
    Optional<String> email = peek(token);
    if (email.isEmpty() || !policy.allowsSelfSignUp()) {
      return new Invalid();
    }
    User user;
    try {
      user = directory.newUser(username, email, displayName, false, true);
    } catch (DirectoryException.InvalidValueException e) {
      return new Problem(e.getMessage());
    }
    Optional<String> hash = Optional.empty();
    if (password.isPresent()) {
      var checked =
          passwords.check(
              password.get(), java.util.List.of(username, email.orElse(""), displayName));
      Optional<String> accepted = checked.accepted();
      if (accepted.isEmpty()) {
        return new Problem(checked.problem());
      }
      hash = Optional.of(hasher.hash(accepted.get()));
    }
    return switch (registrations.complete(Tokens.sha256Hex(token), user, hash, clock.instant())) {
      case CREATED -> {
        Set<String> amr = hash.isPresent() ? Set.of("pwd", "invite") : Set.of("invite");
        yield new Welcome(user, sessions.issue(user.id(), amr, userAgent, clientAddress));
      }
      case USERNAME_TAKEN -> new Problem("That username is taken. Choose another one.");
      case UNUSABLE, EMAIL_TAKEN -> new Invalid();
    };
  }

  private Message.Queued queued(Message message, Instant now) {
    return Message.Queued.fresh(message, now.plus(LIFETIME), random);
  }

  private static Message signUpMessage(String address, String link) {
    return MailContent.to(
            Optional.empty(),
            "someone (hopefully you) asked to create a Gatehouse account with this address.")
        .withAction(
            "Finish signing up",
            link,
            "Works for 24 hours, once: choose a username and a password or passkey")
        .closingWith("If it wasn't you, ignore this email: no account is created without the link.")
        .message(address, "Finish signing up to Gatehouse");
  }

  private Message knownAddressNotice(String address, User owner) {
    String signIn = publicOrigin + "/login";
    String reset = publicOrigin + "/reset/request";
    return MailContent.to(
            Optional.of(owner.username()),
            "someone asked to create a Gatehouse account with this address, but it already"
                + " belongs to your account, so nothing was created.")
        .withAction("Sign in", signIn, "If it was you, sign in instead")
        .closingWith(
            "Forgot your password? Reset it at " + reset + ".",
            "If it wasn't you, there is nothing to do.")
        .message(address, "Someone tried to sign up with your address");
  }
}
