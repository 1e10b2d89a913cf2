package dev.gatehouse.admin;

import dev.gatehouse.credential.CredentialRepository;
import dev.gatehouse.credential.PasswordHasher;
import dev.gatehouse.credential.PasswordPolicy;
import dev.gatehouse.identity.Directory;
import dev.gatehouse.identity.DirectoryException;
import dev.gatehouse.identity.Names;
import dev.gatehouse.identity.User;
import dev.gatehouse.kernel.Tokens;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

/**
 * First-run setup: while no enabled administrator exists, each start issues a one-time setup token
 * (256 bits, stored hashed, single use, 30 minutes) whose page creates the first administrator.
 * There is no default account or password. Thread-safe.
 */
public final class FirstRunSetup {
  /** How long a setup link works. */
  public static final Duration LIFETIME = Duration.ofMinutes(30);

  /** Outcome of completing setup. */
  public sealed interface Outcome permits Created, Invalid, LinkUnusable {}

  /** The administrator was created. */
  public record Created(User admin) implements Outcome {}

  /** The form was wrong; the token is still valid. {@code message} is safe to show. */
  public record Invalid(String message) implements Outcome {}

  /** The token is unknown, used or expired, or an administrator already exists. */
  public record LinkUnusable() implements Outcome {}

  private final SetupTokenRepository tokens;
  private final Directory directory;
  private final CredentialRepository credentials;
  private final PasswordHasher hasher;
  private final PasswordPolicy policy;
  private final Clock clock;
  private final SecureRandom random;

  /** Wires setup. */
  public FirstRunSetup(
      SetupTokenRepository tokens,
      Directory directory,
      CredentialRepository credentials,
      PasswordHasher hasher,
      PasswordPolicy policy,
      Clock clock,
      SecureRandom random) {
    this.tokens = tokens;
    this.directory = directory;
    this.credentials = credentials;
    this.hasher = hasher;
    this.policy = policy;
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

  /** Creates the first administrator, consuming the token. */
  public Outcome complete(
      String token, String username, String email, String displayName, String password) {
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
    Optional<String> accepted = policy.acceptNew(password);
    if (accepted.isEmpty()) {
      return new Invalid(policy.problem());
    }
    String hash = hasher.hash(accepted.get());
    if (!tokens.consume(Tokens.sha256Hex(token), clock.instant())) {
      return new LinkUnusable(); // Another request used it first.
    }
    User admin =
        directory.addUser(
            username, Optional.of(email.strip()).filter(e -> !e.isEmpty()), displayName, true);
    credentials.setPasswordHash(admin.id(), hash, clock.instant());
    return new Created(admin);
  }

  private static String capitalise(String text) {
    return text.isEmpty() ? text : Character.toUpperCase(text.charAt(0)) + text.substring(1);
  }
}
