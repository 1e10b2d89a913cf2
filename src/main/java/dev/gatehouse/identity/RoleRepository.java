package dev.gatehouse.identity;

import dev.gatehouse.kernel.UserId;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Storage of roles, their grants to groups and their claims. Thread-safe; no method returns null.
 */
public interface RoleRepository {
  /** A role with the groups it is granted to and the claims it carries. */
  record Role(String name, List<String> groups, Map<String, String> claims) {}

  /** Creates a role; {@link DirectoryException.DuplicateException} when the name is taken. */
  void insert(String name, Instant createdAt);

  /** All roles, by name. */
  List<Role> list();

  /** Whether the role exists. */
  boolean exists(String name);

  /**
   * Renames a role with its grants and claims, in one transaction; false when no such role, {@link
   * DirectoryException.DuplicateException} when the new name is taken.
   */
  boolean rename(String from, String to);

  /** Deletes the role with its grants and claims; false when no such role. */
  boolean delete(String name);

  /** Grants the role to a group; false when already granted. */
  boolean grant(String role, String group);

  /** Takes the role from a group; false when not granted. */
  boolean revoke(String role, String group);

  /** Sets (or replaces) a claim value on the role. */
  void setClaim(String role, String claim, String value);

  /** Removes a claim from the role; false when it had none. */
  boolean unsetClaim(String role, String claim);

  /** Names of the roles the user has through its groups, sorted. */
  List<String> rolesOf(UserId user);

  /** Claims the user has through its roles: claim name to the sorted distinct values. */
  Map<String, List<String>> claimsOf(UserId user);
}
