package dev.gatehouse.identity;

import dev.gatehouse.identity.DirectoryException.NotFoundException;
import dev.gatehouse.kernel.UserId;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.List;
import java.util.Optional;

/**
 * Directory use cases: users, groups, roles and claims, with validation of every name. Thread-safe.
 */
public final class Directory {
  private final UserRepository users;
  private final GroupRepository groups;
  private final RoleRepository roles;
  private final Clock clock;
  private final SecureRandom random;

  /** Wires the directory to its stores, clock and random source. */
  public Directory(
      UserRepository users,
      GroupRepository groups,
      RoleRepository roles,
      Clock clock,
      SecureRandom random) {
    this.users = users;
    this.groups = groups;
    this.roles = roles;
    this.clock = clock;
    this.random = random;
  }

  /** Creates a user; the username and email are validated and canonicalised. */
  public User addUser(String username, Optional<String> email, String displayName, boolean admin) {
    User user = newUser(username, email, displayName, admin, false);
    users.insert(user);
    return user;
  }

  /**
   * A validated, canonical user that is not stored yet, for a store that inserts it together with
   * other changes (a self sign-up).
   */
  public User newUser(
      String username,
      Optional<String> email,
      String displayName,
      boolean admin,
      boolean emailVerified) {
    Optional<String> canonicalEmail = email.filter(e -> !e.isEmpty()).map(Names::email);
    return new User(
        UserId.random(random),
        Names.username(username),
        canonicalEmail,
        emailVerified && canonicalEmail.isPresent(),
        Names.displayName(displayName),
        false,
        admin,
        clock.instant(),
        Optional.empty());
  }

  /** Stores a user made by {@link #newUser} (a duplicate username or address is refused). */
  public void insert(User user) {
    users.insert(user);
  }

  /** Marks the user's address verified, if it still is {@code email}. */
  public void markEmailVerified(UserId id, String email) {
    users.markEmailVerified(id, email);
  }

  /** Finds a user by (not necessarily canonical) username; empty for invalid names too. */
  public Optional<User> findByUsername(String username) {
    try {
      return users.findByUsername(Names.username(username));
    } catch (DirectoryException.InvalidValueException e) {
      return Optional.empty();
    }
  }

  /** Finds a user by (not necessarily canonical) email; empty for invalid addresses too. */
  public Optional<User> findByEmail(String email) {
    try {
      return users.findByEmail(Names.email(email));
    } catch (DirectoryException.InvalidValueException e) {
      return Optional.empty();
    }
  }

  /** The user, or {@link NotFoundException}. */
  public User requireUser(String username) {
    return findByUsername(username).orElseThrow(() -> new NotFoundException("user " + username));
  }

  /** The user with this id. */
  public Optional<User> findById(UserId id) {
    return users.findById(id);
  }

  /** All users. */
  public List<User> listUsers() {
    return users.list();
  }

  /** A page of users in username order after {@code after}, matching {@code query}. */
  public List<User> pageUsers(String query, String after, int limit) {
    return users.page(query.strip(), after, limit);
  }

  /**
   * Runs {@code change} only while an enabled administrator other than {@code leaving} remains (see
   * {@link UserRepository#whileKeepingAnAdmin}); false when it would leave none.
   */
  public boolean whileKeepingAnAdmin(UserId leaving, Runnable change) {
    return users.whileKeepingAnAdmin(leaving, change);
  }

  /** Sets a user's display name (validated). */
  public void setDisplayName(UserId id, String displayName) {
    if (!users.setDisplayName(id, Names.displayName(displayName))) {
      throw new NotFoundException("user");
    }
  }

  /** Sets (or, empty, removes) a user's email address, unverified (validated, canonical). */
  public void setEmail(UserId id, Optional<String> email) {
    if (!users.setEmail(id, email.filter(e -> !e.isBlank()).map(Names::email))) {
      throw new NotFoundException("user");
    }
  }

  /** Enables or disables a user. */
  public void setDisabled(UserId id, boolean disabled) {
    if (!users.setDisabled(id, disabled)) {
      throw new NotFoundException("user");
    }
  }

  /** Grants or removes administrator rights. */
  public void setAdmin(UserId id, boolean admin) {
    if (!users.setAdmin(id, admin)) {
      throw new NotFoundException("user");
    }
  }

  /** Deletes a user. */
  public void deleteUser(UserId id) {
    if (!users.delete(id)) {
      throw new NotFoundException("user");
    }
  }

  /** Whether an enabled administrator exists (else first-run setup is open). */
  public boolean hasActiveAdmin() {
    return users.anyActiveAdmin();
  }

  /** Creates a group. */
  public String addGroup(String name) {
    String canonical = Names.groupOrRole("group", name);
    groups.insert(canonical, clock.instant());
    return canonical;
  }

  /** All group names. */
  public List<String> listGroups() {
    return groups.list();
  }

  /** Members of a group. */
  public List<String> members(String group) {
    return groups.members(requireGroup(group));
  }

  /** Deletes a group. */
  public void deleteGroup(String name) {
    if (!groups.delete(Names.groupOrRole("group", name))) {
      throw new NotFoundException("group " + name);
    }
  }

  /**
   * Renames a group with every stored reference to it; returns the new canonical name. {@link
   * DirectoryException.ConflictException} when an upstream provider gave memberships of it (its
   * next sign-in would bring the old name back).
   */
  public String renameGroup(String from, String to) {
    String source = requireGroup(from);
    String target = Names.groupOrRole("group", to);
    if (source.equals(target)) {
      return target;
    }
    if (groups.givenByUpstream(source)) {
      throw new DirectoryException.ConflictException(
          "group " + source + " is given by an upstream provider's groups claim; rename it there");
    }
    if (!groups.rename(source, target)) {
      throw new NotFoundException("group " + from);
    }
    return target;
  }

  /** Adds a user to a group; false when already a member. */
  public boolean addMember(String group, String username) {
    return groups.addMember(requireGroup(group), requireUser(username).id());
  }

  /** Removes a user from a group; false when not a member. */
  public boolean removeMember(String group, String username) {
    return groups.removeMember(requireGroup(group), requireUser(username).id());
  }

  /** The user's groups. */
  public List<String> groupsOf(UserId user) {
    return groups.groupsOf(user);
  }

  /** Creates a role. */
  public String addRole(String name) {
    String canonical = Names.groupOrRole("role", name);
    roles.insert(canonical, clock.instant());
    return canonical;
  }

  /** All roles with their grants and claims. */
  public List<RoleRepository.Role> listRoles() {
    return roles.list();
  }

  /** Deletes a role. */
  public void deleteRole(String name) {
    if (!roles.delete(Names.groupOrRole("role", name))) {
      throw new NotFoundException("role " + name);
    }
  }

  /** Renames a role with its grants and claims; returns the new canonical name. */
  public String renameRole(String from, String to) {
    String source = requireRole(from);
    String target = Names.groupOrRole("role", to);
    if (!source.equals(target) && !roles.rename(source, target)) {
      throw new NotFoundException("role " + from);
    }
    return target;
  }

  /** Grants a role to a group; false when already granted. */
  public boolean grantRole(String role, String group) {
    return roles.grant(requireRole(role), requireGroup(group));
  }

  /** Takes a role from a group; false when not granted. */
  public boolean revokeRole(String role, String group) {
    return roles.revoke(requireRole(role), requireGroup(group));
  }

  /** Sets a claim on a role. */
  public void setClaim(String role, String claim, String value) {
    roles.setClaim(requireRole(role), Names.claim(claim), Names.claimValue(value));
  }

  /** Removes a claim from a role; false when it had none. */
  public boolean unsetClaim(String role, String claim) {
    return roles.unsetClaim(requireRole(role), Names.claim(claim));
  }

  /** The user's roles. */
  public List<String> rolesOf(UserId user) {
    return roles.rolesOf(user);
  }

  /** The user's claims through its roles. */
  public java.util.Map<String, List<String>> claimsOf(UserId user) {
    return roles.claimsOf(user);
  }

  private String requireGroup(String name) {
    String canonical = Names.groupOrRole("group", name);
    if (!groups.exists(canonical)) {
      throw new NotFoundException("group " + name);
    }
    return canonical;
  }

  private String requireRole(String name) {
    String canonical = Names.groupOrRole("role", name);
    if (!roles.exists(canonical)) {
      throw new NotFoundException("role " + name);
    }
    return canonical;
  }
}
