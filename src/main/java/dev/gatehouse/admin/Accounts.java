package dev.gatehouse.admin;

import dev.gatehouse.apikey.ApiKeyService;
import dev.gatehouse.audit.AuditLog;
import dev.gatehouse.credential.CredentialRepository;
import dev.gatehouse.credential.PasswordHasher;
import dev.gatehouse.credential.PasswordPolicy;
import dev.gatehouse.identity.Directory;
import dev.gatehouse.identity.DirectoryException;
import dev.gatehouse.identity.User;
import dev.gatehouse.session.SessionService;
import dev.gatehouse.signin.Throttle;
import dev.gatehouse.signin.magiclink.AccountNotices;
import java.time.Clock;
import java.util.Optional;

/**
 * Administrative account changes that must also end sessions (SECURITY.md §4): disabling, deleting
 * and setting a password end every session of the user. Thread-safe.
 */
public final class Accounts {
  private final Directory directory;
  private final CredentialRepository credentials;
  private final PasswordHasher hasher;
  private final PasswordPolicy policy;
  private final SessionService sessions;
  private final ApiKeyService apiKeys;
  private final AuditLog audit;
  private final Clock clock;
  private final Throttle throttle;
  private final AccountNotices notices;
  private final int accountFreeAttempts;

  /** Wires the use cases. */
  public Accounts(
      Directory directory,
      CredentialRepository credentials,
      PasswordHasher hasher,
      PasswordPolicy policy,
      SessionService sessions,
      ApiKeyService apiKeys,
      AuditLog audit,
      Clock clock,
      Throttle throttle,
      int accountFreeAttempts,
      AccountNotices notices) {
    this.notices = notices;
    this.throttle = throttle;
    this.accountFreeAttempts = accountFreeAttempts;
    this.directory = directory;
    this.credentials = credentials;
    this.hasher = hasher;
    this.policy = policy;
    this.sessions = sessions;
    this.apiKeys = apiKeys;
    this.audit = audit;
    this.clock = clock;
  }

  /** Whether the user has a password (passkey-only and invited accounts may not). */
  public boolean hasPassword(dev.gatehouse.kernel.UserId user) {
    return credentials.passwordHash(user).isPresent();
  }

  /** Disables the user and ends its sessions; its API keys stop working (until enabled again). */
  public void disable(User user) {
    disable(user, "cli", "admin");
  }

  /** As {@link #disable(User)}, done by {@code actor} from {@code clientAddress}. */
  public void disable(User user, String actor, String clientAddress) {
    directory.setDisabled(user.id(), true);
    sessions.revokeAll(user.id());
    apiKeys.invalidate();
    audit.recordBy(
        actor,
        "user.disabled",
        Optional.of(user.id()),
        user.username(),
        clientAddress,
        "sessions ended");
  }

  /** Ends every session and revokes every API key of the user ("this wasn't me"). */
  public void endEverything(User user) {
    sessions.revokeAll(user.id());
    apiKeys.revokeAll(user.id());
  }

  /** Enables the user. */
  public void enable(User user) {
    directory.setDisabled(user.id(), false);
  }

  /** Ends the user's sessions and API keys, then deletes it. */
  public void delete(User user) {
    delete(user, "cli", "admin");
  }

  /** As {@link #delete(User)}, done by {@code actor} from {@code clientAddress}. */
  public void delete(User user, String actor, String clientAddress) {
    sessions.revokeAll(user.id());
    apiKeys.revokeAll(user.id());
    directory.deleteUser(user.id());
    apiKeys.invalidate();
    audit.recordBy(
        actor,
        "user.deleted",
        Optional.of(user.id()),
        user.username(),
        clientAddress,
        "sessions and keys ended");
  }

  /** What became of a password change. */
  public sealed interface PasswordChange permits Changed, WrongPassword, Throttled {}

  /** Changed; the user's other sessions ended. */
  public record Changed() implements PasswordChange {}

  /** The current password did not verify. */
  public record WrongPassword() implements PasswordChange {}

  /** Too many wrong current passwords: wait {@code retryAfter}. */
  public record Throttled(java.time.Duration retryAfter) implements PasswordChange {}

  /**
   * The user changes its own password: the current one must verify; the new one is policy-checked;
   * every other session of the user ends. The check of the current password counts against the same
   * per-account budget as sign-in, so a stolen session is no free guessing oracle.
   */
  public PasswordChange changePassword(
      User user, String current, String replacement, String keepSessionId) {
    String accountKey = "account:" + user.username();
    if (throttle.attempt(accountKey, accountFreeAttempts) instanceof Throttle.Blocked blocked) {
      audit.record(
          "password.change-throttled", Optional.of(user.id()), user.username(), "self", "");
      return new Throttled(blocked.retryAfter());
    }
    Optional<String> hash = credentials.passwordHash(user.id());
    Optional<String> typed = policy.normalise(current);
    boolean valid = hash.isPresent() && typed.isPresent() && hasher.verify(typed.get(), hash.get());
    if (!valid) {
      hasher.verifyDummy(
          current.isEmpty() ? "x" : current.substring(0, Math.min(current.length(), 64)));
      audit.record("password.change-failed", Optional.of(user.id()), user.username(), "self", "");
      return new WrongPassword();
    }
    throttle.reset(accountKey);
    String accepted = acceptable(user, replacement);
    credentials.setPasswordHash(user.id(), hasher.hash(accepted), clock.instant());
    for (var session : sessions.list(Optional.of(user.id()))) {
      if (!session.id().equals(keepSessionId)) {
        sessions.revoke(session.id());
      }
    }
    audit.record(
        "password.changed",
        Optional.of(user.id()),
        user.username(),
        "self",
        "other sessions ended");
    notices.passwordChanged(user, AccountNotices.Change.CHANGED);
    return new Changed();
  }

  /** Sets a new password (policy-checked) and ends the user's sessions. */
  public void setPassword(User user, String password) {
    setPassword(user, password, "cli", "admin");
  }

  /** As {@link #setPassword(User, String)}, done by {@code actor} from {@code clientAddress}. */
  public void setPassword(User user, String password, String actor, String clientAddress) {
    String accepted = acceptable(user, password);
    credentials.setPasswordHash(user.id(), hasher.hash(accepted), clock.instant());
    sessions.revokeAll(user.id());
    audit.recordBy(
        actor,
        "password.set",
        Optional.of(user.id()),
        user.username(),
        clientAddress,
        "sessions ended");
  }

  private String acceptable(User user, String password) {
    PasswordPolicy.Checked checked =
        policy.check(
            password,
            java.util.List.of(user.username(), user.email().orElse(""), user.displayName()));
    return checked
        .accepted()
        .orElseThrow(() -> new DirectoryException.InvalidValueException(checked.problem()));
  }
}
