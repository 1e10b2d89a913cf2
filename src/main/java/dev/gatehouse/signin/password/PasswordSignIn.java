package dev.gatehouse.signin.password;

import dev.gatehouse.credential.CredentialRepository;
import dev.gatehouse.credential.PasswordHasher;
import dev.gatehouse.credential.PasswordPolicy;
import dev.gatehouse.identity.Directory;
import dev.gatehouse.identity.User;
import dev.gatehouse.kernel.UserId;
import dev.gatehouse.session.SessionService;
import dev.gatehouse.signin.Throttle;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Password sign-in. Unknown usernames, wrong passwords and disabled accounts take the same path and
 * the same time (one Argon2id run each, a dummy one for unknown accounts) and produce the same
 * {@link Failed} outcome, so the answer reveals nothing about which accounts exist (SECURITY.md
 * §5). Thread-safe.
 */
public final class PasswordSignIn {
  /** Outcome of one attempt. */
  public sealed interface Outcome permits Success, SecondFactor, Failed, Throttled {}

  /** The password was right, and the user has a second factor: no session yet. */
  public record SecondFactor(User user) implements Outcome {}

  /** Signed in: a new session was issued. */
  public record Success(User user, SessionService.Issued issued) implements Outcome {}

  /** Refused, for whatever reason; deliberately says no more. */
  public record Failed() implements Outcome {}

  /** Too many attempts for this account or client address. */
  public record Throttled(Duration retryAfter) implements Outcome {}

  private final Directory directory;
  private final CredentialRepository credentials;
  private final PasswordHasher hasher;
  private final PasswordPolicy policy;
  private final Throttle throttle;
  private final SessionService sessions;
  private final Clock clock;
  private final int accountFreeAttempts;
  private final int addressFreeAttempts;
  private final Predicate<UserId> hasSecondFactor;

  /** Wires the flow. */
  public PasswordSignIn(
      Directory directory,
      CredentialRepository credentials,
      PasswordHasher hasher,
      PasswordPolicy policy,
      Throttle throttle,
      SessionService sessions,
      Clock clock,
      int accountFreeAttempts,
      int addressFreeAttempts,
      Predicate<UserId> hasSecondFactor) {
    this.directory = directory;
    this.credentials = credentials;
    this.hasher = hasher;
    this.policy = policy;
    this.throttle = throttle;
    this.sessions = sessions;
    this.clock = clock;
    this.accountFreeAttempts = accountFreeAttempts;
    this.addressFreeAttempts = addressFreeAttempts;
    this.hasSecondFactor = hasSecondFactor;
  }

  /** Attempts a sign-in. */
  public Outcome signIn(String username, String password, String clientAddress, String userAgent) {
    Optional<String> normalised = policy.normalise(password);
    if (normalised.isEmpty() || username.length() > 256) {
      return new Failed(); // Over-long or empty input: refused before any hashing.
    }
    String addressKey = "address:" + clientAddress;
    // The account key is what was typed, canonicalised loosely, whether or not such a user exists:
    // throttling must behave identically for unknown accounts.
    String accountKey = "account:" + username.strip().toLowerCase(java.util.Locale.ROOT);
    if (throttle.attempt(addressKey, addressFreeAttempts) instanceof Throttle.Blocked blocked) {
      return new Throttled(blocked.retryAfter());
    }
    if (throttle.attempt(accountKey, accountFreeAttempts) instanceof Throttle.Blocked blocked) {
      return new Throttled(blocked.retryAfter());
    }
    Optional<User> user = directory.findByUsername(username);
    Optional<String> hash = user.flatMap(u -> credentials.passwordHash(u.id()));
    if (hash.isEmpty()) {
      hasher.verifyDummy(normalised.get());
      return new Failed();
    }
    boolean valid = hasher.verify(normalised.get(), hash.get());
    if (!valid || user.get().disabled()) {
      return new Failed();
    }
    throttle.reset(accountKey);
    throttle.refund(addressKey);
    if (hasher.needsRehash(hash.get())) {
      credentials.setPasswordHash(user.get().id(), hasher.hash(normalised.get()), clock.instant());
    }
    if (hasSecondFactor.test(user.get().id())) {
      return new SecondFactor(user.get());
    }
    SessionService.Issued issued =
        sessions.issue(user.get().id(), Set.of("pwd"), userAgent, clientAddress);
    return new Success(user.get(), issued);
  }
}
