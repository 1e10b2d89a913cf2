package dev.gatehouse.identity;

import dev.gatehouse.kernel.UserId;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Storage of users. Implementations are thread-safe; no method returns null. */
public interface UserRepository {
  /**
   * Stores a new user; throws {@link DirectoryException.DuplicateException} on a taken username or
   * email.
   */
  void insert(User user);

  /** The user with this id. */
  Optional<User> findById(UserId id);

  /** The user with this canonical username. */
  Optional<User> findByUsername(String username);

  /** The user with this canonical email. */
  Optional<User> findByEmail(String email);

  /** All users, by username. */
  List<User> list();

  /** Sets the disabled flag; false when no such user. */
  boolean setDisabled(UserId id, boolean disabled);

  /**
   * Users in username order after {@code after} whose username, email or display name contains
   * {@code query} (case-insensitive; empty matches all), at most {@code limit}.
   */
  List<User> page(String query, String after, int limit);

  /**
   * Runs {@code change} (which may take administrator rights from {@code leaving}: demote, disable,
   * delete) only if an enabled administrator other than {@code leaving} exists, or {@code leaving}
   * is none; false (nothing run) otherwise. Such changes run one at a time, on every node, so two
   * administrators removing each other at once cannot both succeed.
   */
  boolean whileKeepingAnAdmin(UserId leaving, Runnable change);

  /** Sets the display name; false when there is no such user. */
  boolean setDisplayName(UserId id, String displayName);

  /**
   * Sets (or with empty removes) the email address, unverified; false when there is no such user.
   * {@link DirectoryException.DuplicateException} when another user has it.
   */
  boolean setEmail(UserId id, Optional<String> email);

  /** Sets the administrator flag; false when no such user. */
  boolean setAdmin(UserId id, boolean admin);

  /** Deletes the user and everything that belongs to it; false when no such user. */
  boolean delete(UserId id);

  /** Marks the address verified if the user's address still is {@code email}. */
  void markEmailVerified(UserId id, String email);

  /** Records a successful sign-in. */
  void recordSignIn(UserId id, Instant at);

  /** Whether at least one enabled administrator exists. */
  boolean anyActiveAdmin();
}
