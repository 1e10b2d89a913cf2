package dev.gatehouse.admin;

import dev.gatehouse.credential.CredentialRepository;
import dev.gatehouse.credential.PasswordHasher;
import dev.gatehouse.credential.PasswordPolicy;
import dev.gatehouse.identity.Directory;
import dev.gatehouse.identity.DirectoryException;
import dev.gatehouse.identity.Names;
import dev.gatehouse.identity.User;
import dev.gatehouse.kernel.Tokens;
import dev.gatehouse.session.SessionService;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;

/**
 * First-run setup: while no enabled administrator exists, each start issues a one-time setup token
 * (256 bits, stored hashed, single use, 30 minutes) whose page creates the first administrator.
 * There is no default account or password. The administrator chooses a password, or none and goes
 * straight on to register a passkey: that browser is then signed in with {@code invite}, which may
 * set up sign-in methods for 30 minutes. Thread-safe.
 */
public final class FirstRunSetup {
  /** How long a setup link works. */
  public static final Duration LIFETIME = Duration.ofMinutes(30);

  /** Outcome of completing setup. */
  public sealed interface Outcome permits Created, Invalid, LinkUnusable {}

  /**
   * The administrator was created; without a password, {@code session} signs the browser in to add
   * a passkey.
   */
  public record Created(User admin, Optional<SessionService.Issued> session) implements Outcome {}

  /** The form was wrong; the token is still valid. {@code message} is safe to show. */
  public record Invalid(String message) implements Outcome {}

  /** The token is unknown, used or expired, or an administrator already exists. */
  public record LinkUnusable() implements Outcome {}

  private final SetupTokenRepository tokens;
  private final Directory directory;
  private final CredentialRepository credentials;
  private final PasswordHasher hasher;
  private final PasswordPolicy policy;
  private final SessionService sessions;
  private final Clock clock;
  private final SecureRandom random;

  /** Wires setup. */
  public FirstRunSetup(
      SetupTokenRepository tokens,
      Directory directory,
      CredentialRepository credentials,
      PasswordHasher hasher,
      PasswordPolicy policy,
      SessionService sessions,
      Clock clock,
      SecureRandom random) {
    this.tokens = tokens;
    this.directory = directory;
    this.credentials = credentials;
    this.hasher = hasher;
    this.policy = policy;
    this.sessions = sessions;
    this.clock = clock;
    this.random = random;
  }

  /** A fresh setup token when no administrator exists (older tokens stop working); else empty. */
  public Optional<String> issueIfNeeded() {
    if (directory.hasActiveAdmin()) {
      return Optional.empty();
    }
    String token = Tokens.newToken(random);
    tokens.replaceAll(Tokens.sha256Hex(token), clock.instant().plus(LIFETIME));
    return Optional.of(token);
  }

  /** Whether the setup page should be offered for this token (does not consume it). */
  public boolean isUsable(String token) {
    return Tokens.looksLikeToken(token)
        && tokens.isValid(Tokens.sha256Hex(token), clock.instant())
        && !directory.hasActiveAdmin();
  }

  /**
   * Creates the first administrator, consuming the token: with {@code password}, or, when it is
   * empty, without one (to register a passkey next).
   */
  public Outcome complete(
      String token,
      String username,
      String email,
      String displayName,
      Optional<String> password,
      String userAgent,
      String clientAddress) {
    if (!isUsable(token)) {
      return new LinkUnusable();
    }
    try {
      Names.username(username);
      if (!email.isBlank()) {
        Names.email(email);
      }
      Names.displayName(displayName);
    } catch (DirectoryException e) {
      return new Invalid(capitalise(e.getMessage()) + ".");
    }
    Optional<String> hash = Optional.empty();
    if (password.isPresent()) {
      PasswordPolicy.Checked checked =
          policy.check(password.get(), java.util.List.of(username, email, displayName));
      Optional<String> accepted = checked.accepted();
      if (accepted.isEmpty()) {
        return new Invalid(checked.problem());
      }
      hash = Optional.of(hasher.hash(accepted.get()));
    }
    if (!tokens.consume(Tokens.sha256Hex(token), clock.instant())) {
      return new LinkUnusable(); // Another request used it first.
    }
    User admin =
        directory.addUser(
            username, Optional.of(email.strip()).filter(e -> !e.isEmpty()), displayName, true);
    if (hash.isPresent()) {
      credentials.setPasswordHash(admin.id(), hash.get(), clock.instant());
      return new Created(admin, Optional.empty());
    }
    return new Created(
        admin, Optional.of(sessions.issue(admin.id(), Set.of("invite"), userAgent, clientAddress)));
  }

  private static String capitalise(String text) {
    return text.isEmpty() ? text : Character.toUpperCase(text.charAt(0)) + text.substring(1);
  }
}
