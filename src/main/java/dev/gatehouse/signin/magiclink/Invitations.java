package dev.gatehouse.signin.magiclink;

import dev.gatehouse.credential.CredentialRepository;
import dev.gatehouse.credential.PasswordHasher;
import dev.gatehouse.credential.PasswordPolicy;
import dev.gatehouse.identity.Directory;
import dev.gatehouse.identity.User;
import dev.gatehouse.kernel.Tokens;
import dev.gatehouse.mail.MailContent;
import dev.gatehouse.session.SessionService;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;

/**
 * Invitations: an administrator invites an email address; the account exists at once (without any
 * sign-in method) and the invitee's link, valid seven days and single-use, lets them choose a
 * password or go straight to adding a passkey (a session with {@code invite}, which may set up
 * sign-in methods for 30 minutes). Opening the link changes nothing. Thread-safe.
 */
public final class Invitations {
  /** How long an invitation works. */
  public static final Duration LIFETIME = Duration.ofDays(7);

  /** Outcome of accepting. */
  public sealed interface Accepted permits Welcome, WeakPassword, Invalid {}

  /** The account is set up and signed in. */
  public record Welcome(User user, SessionService.Issued issued) implements Accepted {}

  /** The chosen password breaks the policy; the link still works. */
  public record WeakPassword(String message) implements Accepted {}

  /** Unknown, used or expired invitation. */
  public record Invalid() implements Accepted {}

  private final MagicLinkRepository links;
  private final Directory directory;
  private final CredentialRepository credentials;
  private final PasswordHasher hasher;
  private final PasswordPolicy policy;
  private final SessionService sessions;
  private final Clock clock;
  private final String inviteUrl;
  private final LinkIssuer issuer;

  /** Wires invitations; links are built on {@code publicOrigin}. */
  public Invitations(
      MagicLinkRepository links,
      Directory directory,
      CredentialRepository credentials,
      PasswordHasher hasher,
      PasswordPolicy policy,
      SessionService sessions,
      Clock clock,
      SecureRandom random,
      String publicOrigin) {
    this.links = links;
    this.directory = directory;
    this.credentials = credentials;
    this.hasher = hasher;
    this.policy = policy;
    this.sessions = sessions;
    this.clock = clock;
    this.inviteUrl = publicOrigin + "/invite?token=";
    this.issuer = new LinkIssuer(links, clock, random);
  }

  /** Creates the account and queues the invitation mail (in one transaction with the link). */
  public User invite(String email, Optional<String> username, boolean admin) {
    String canonicalEmail = dev.gatehouse.identity.Names.email(email);
    String name = username.orElse(canonicalEmail.substring(0, canonicalEmail.indexOf('@')));
    User user = directory.addUser(name, Optional.of(canonicalEmail), "", admin);
    issuer.issue(
        MagicLinkRepository.Purpose.INVITE,
        user.id(),
        Optional.empty(),
        LIFETIME,
        inviteUrl,
        link ->
            MailContent.to(
                    Optional.empty(),
                    "an account named " + user.username() + " was created for you on Gatehouse.")
                .withAction(
                    "Set up your account",
                    link,
                    "Works for 7 days, once, with a password or a passkey")
                .message(canonicalEmail, "You are invited to Gatehouse"));
    return user;
  }

  /** The invited user, while the link is usable (does not consume it). */
  public Optional<User> peek(String token) {
    if (!Tokens.looksLikeToken(token)) {
      return Optional.empty();
    }
    return links
        .findUsable(Tokens.sha256Hex(token), MagicLinkRepository.Purpose.INVITE, clock.instant())
        .flatMap(l -> directory.findById(l.user()))
        .filter(u -> !u.disabled());
  }

  /** Accepts: with a password it is set; without, the invitee goes on to add a passkey. */
  public Accepted accept(
      String token, Optional<String> password, String userAgent, String clientAddress) {
    Optional<User> user = peek(token);
    if (user.isEmpty()) {
      return new Invalid();
    }
    Optional<String> hash = Optional.empty();
    if (password.isPresent()) {
      var checked =
          policy.check(
              password.get(),
              java.util.List.of(
                  user.get().username(), user.get().email().orElse(""), user.get().displayName()));
      Optional<String> accepted = checked.accepted();
      if (accepted.isEmpty()) {
        return new WeakPassword(checked.problem());
      }
      hash = Optional.of(hasher.hash(accepted.get()));
    }
    if (!links.consume(
        Tokens.sha256Hex(token), MagicLinkRepository.Purpose.INVITE, clock.instant())) {
      return new Invalid();
    }
    hash.ifPresent(h -> credentials.setPasswordHash(user.get().id(), h, clock.instant()));
    // The invitation went to the address: following it proves the address.
    user.get().email().ifPresent(e -> directory.markEmailVerified(user.get().id(), e));
    Set<String> amr = hash.isPresent() ? Set.of("pwd", "invite") : Set.of("invite");
    return new Welcome(user.get(), sessions.issue(user.get().id(), amr, userAgent, clientAddress));
  }
}
