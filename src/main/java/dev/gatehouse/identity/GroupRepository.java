package dev.gatehouse.identity;

import dev.gatehouse.kernel.UserId;
import java.time.Instant;
import java.util.List;

/** Storage of groups and memberships. Thread-safe; no method returns null. */
public interface GroupRepository {
  /** Creates a group; {@link DirectoryException.DuplicateException} when the name is taken. */
  void insert(String name, Instant createdAt);

  /** All group names, sorted. */
  List<String> list();

  /**
   * Renames a group with everything that names it in storage (memberships, role grants, the
   * memberships upstream providers gave, application API keys' groups, clients' groups), in one
   * transaction; false when no such group, {@link DirectoryException.DuplicateException} when the
   * new name is taken.
   */
  boolean rename(String from, String to);

  /** Whether an upstream provider gave anyone a membership of this group. */
  boolean givenByUpstream(String name);

  /** Deletes the group and its memberships and role grants; false when no such group. */
  boolean delete(String name);

  /** Whether the group exists. */
  boolean exists(String name);

  /** Adds a member; false when already a member. */
  boolean addMember(String group, UserId user);

  /** Removes a member; false when not a member. */
  boolean removeMember(String group, UserId user);

  /** Names of the groups the user belongs to, sorted. */
  List<String> groupsOf(UserId user);

  /** Usernames of the group's members, sorted. */
  List<String> members(String group);
}
