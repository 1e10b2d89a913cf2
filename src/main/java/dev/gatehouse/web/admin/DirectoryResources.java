package dev.gatehouse.web.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.admin.Accounts;
import dev.gatehouse.audit.AuditLog;
import dev.gatehouse.identity.Directory;
import dev.gatehouse.identity.DirectoryException;
import dev.gatehouse.identity.User;
import dev.gatehouse.kernel.UserId;
import dev.gatehouse.session.Session;
import dev.gatehouse.session.SessionService;
import dev.gatehouse.signin.magiclink.Invitations;
import dev.gatehouse.signin.magiclink.PasswordResetService;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Users and groups in the admin API. Thread-safe. */
final class DirectoryResources {
  private final Directory directory;
  private final Accounts accounts;
  private final Invitations invitations;
  private final PasswordResetService resets;
  private final SessionService sessions;
  private final AuditLog audit;
  private final java.util.function.BooleanSupplier invitationsAllowed;
  private final java.util.function.Function<String, List<String>> groupUsesInConfiguration;

  DirectoryResources(
      Directory directory,
      Accounts accounts,
      Invitations invitations,
      PasswordResetService resets,
      SessionService sessions,
      AuditLog audit,
      java.util.function.BooleanSupplier invitationsAllowed,
      java.util.function.Function<String, List<String>> groupUsesInConfiguration) {
    this.invitationsAllowed = invitationsAllowed;
    this.groupUsesInConfiguration = groupUsesInConfiguration;
    this.directory = directory;
    this.accounts = accounts;
    this.invitations = invitations;
    this.resets = resets;
    this.sessions = sessions;
    this.audit = audit;
  }

  void register(AdminApi api) {
    api.add("GET", "/users", this::listUsers)
        .add("POST", "/users", this::createUser)
        .add("GET", "/users/{id}", this::getUser)
        .add("PATCH", "/users/{id}", this::patchUser)
        .add("DELETE", "/users/{id}", this::deleteUser)
        .add("POST", "/users/{id}/password-reset", this::sendReset)
        .add("GET", "/users/{id}/sessions", this::userSessions)
        .add("DELETE", "/users/{id}/sessions", this::endUserSessions)
        .add("GET", "/groups", this::listGroups)
        .add("POST", "/groups", this::createGroup)
        .add("GET", "/groups/{name}", this::getGroup)
        .add("PATCH", "/groups/{name}", this::renameGroup)
        .add("DELETE", "/groups/{name}", this::deleteGroup)
        .add("PUT", "/groups/{name}/members/{username}", this::addMember)
        .add("DELETE", "/groups/{name}/members/{username}", this::removeMember);
  }

  private void listUsers(AdminApi.Call call) {
    int limit = Paging.limit(call);
    String after = Paging.cursor(call).orElse("");
    var rows = directory.pageUsers(call.query("q").orElse(""), after, limit + 1);
    call.reply(200, Paging.page(rows, limit, this::user, User::username));
  }

  private void createUser(AdminApi.Call call) {
    JsonNode body =
        call.body(Set.of("username", "email", "display_name", "admin", "password", "invite"));
    String username = text(body, "username").orElse("");
    Optional<String> email = text(body, "email");
    boolean admin = bool(body, "admin").orElse(false);
    boolean invite = bool(body, "invite").orElse(false);
    Optional<String> password = text(body, "password");
    User user;
    if (invite) {
      if (!invitationsAllowed.getAsBoolean()) {
        throw new AdminApi.Problem(
            409,
            "invitations_off",
            "Invitations are off (registration.policy: closed). Set registration.policy to invite,"
                + " or create the account without invite and send it a password reset link.");
      }
      if (email.isEmpty() || password.isPresent()) {
        throw new AdminApi.Problem(
            400,
            "invalid_value",
            "An invitation needs an email address and no password (the invited person chooses).");
      }
      user =
          invitations.invite(email.get(), Optional.of(username).filter(u -> !u.isEmpty()), admin);
      text(body, "display_name").ifPresent(name -> directory.setDisplayName(user.id(), name));
    } else {
      if (username.isEmpty()) {
        throw new AdminApi.Problem(400, "invalid_value", "username is required.");
      }
      user = directory.addUser(username, email, text(body, "display_name").orElse(""), admin);
      if (password.isPresent()) {
        try {
          accounts.setPassword(user, password.get(), call.caller().actor(), call.clientAddress());
        } catch (DirectoryException e) {
          directory.deleteUser(user.id());
          throw e;
        }
      }
    }
    audit.recordBy(
        call.caller().actor(),
        invite ? "user.invited" : "user.created",
        Optional.of(user.id()),
        user.username(),
        call.clientAddress(),
        admin ? "administrator" : "");
    call.reply(201, user(find(user.id().value())));
  }

  private void getUser(AdminApi.Call call) {
    call.reply(200, user(find(call.param("id"))));
  }

  private void patchUser(AdminApi.Call call) {
    User user = find(call.param("id"));
    JsonNode body = call.body(Set.of("display_name", "email", "admin", "disabled"));
    Optional<Boolean> admin = bool(body, "admin");
    Optional<Boolean> disabled = bool(body, "disabled");
    java.util.NavigableSet<String> changed = new java.util.TreeSet<>();
    if (body.has("display_name")) {
      String name = text(body, "display_name").orElse("");
      if (!name.equals(user.displayName())) {
        directory.setDisplayName(user.id(), name);
        changed.add("display_name");
      }
    }
    if (body.has("email")) {
      Optional<String> email = text(body, "email");
      if (!email.equals(user.email())) {
        directory.setEmail(user.id(), email);
        changed.add("email");
      }
    }
    boolean demote = admin.isPresent() && !admin.get() && user.admin();
    boolean disable = disabled.isPresent() && disabled.get() && !user.disabled();
    if (demote || disable) {
      // Checked and done under one lock: two administrators demoting each other at once cannot
      // both succeed.
      boolean done =
          directory.whileKeepingAnAdmin(
              user.id(),
              () -> {
                if (demote) {
                  directory.setAdmin(user.id(), false);
                }
                if (disable) {
                  accounts.disable(user, call.caller().actor(), call.clientAddress());
                }
              });
      if (!done) {
        throw lastAdministrator();
      }
      if (demote) {
        changed.add("administrator rights removed");
      }
    }
    if (admin.isPresent() && admin.get() && !user.admin()) {
      directory.setAdmin(user.id(), true);
      changed.add("administrator rights granted");
    }
    if (disabled.isPresent() && !disabled.get() && user.disabled()) {
      accounts.enable(user);
      changed.add("enabled");
    }
    if (!changed.isEmpty()) {
      audit.recordBy(
          call.caller().actor(),
          "user.updated",
          Optional.of(user.id()),
          user.username(),
          call.clientAddress(),
          String.join(", ", changed));
    }
    call.reply(200, user(find(user.id().value())));
  }

  private void deleteUser(AdminApi.Call call) {
    User user = find(call.param("id"));
    boolean done =
        directory.whileKeepingAnAdmin(
            user.id(), () -> accounts.delete(user, call.caller().actor(), call.clientAddress()));
    if (!done) {
      throw lastAdministrator();
    }
    call.noContent();
  }

  private void sendReset(AdminApi.Call call) {
    User user = find(call.param("id"));
    if (user.email().isEmpty() || user.disabled()) {
      throw new AdminApi.Problem(
          409,
          "no_address",
          "This user has no email address or is disabled: there is nowhere to send a link.");
    }
    Optional<java.time.Duration> wait = resets.request(user.email().get(), call.clientAddress());
    if (wait.isPresent()) {
      throw new AdminApi.Problem(
          429,
          "throttled",
          "Too many links asked for; try again in " + wait.get().toSeconds() + " s.");
    }
    audit.recordBy(
        call.caller().actor(),
        "password.reset-sent",
        Optional.of(user.id()),
        user.username(),
        call.clientAddress(),
        "");
    ObjectNode done = AdminApi.json().createObjectNode();
    done.put("sent_to", user.email().get());
    call.reply(202, done);
  }

  private void userSessions(AdminApi.Call call) {
    User user = find(call.param("id"));
    call.reply(200, Paging.all(sessions.list(Optional.of(user.id())), s -> session(s, user)));
  }

  private void endUserSessions(AdminApi.Call call) {
    User user = find(call.param("id"));
    int ended = sessions.revokeAll(user.id());
    audit.recordBy(
        call.caller().actor(),
        "sessions.ended",
        Optional.of(user.id()),
        user.username(),
        call.clientAddress(),
        ended + " ended");
    call.noContent();
  }

  private void listGroups(AdminApi.Call call) {
    call.reply(200, Paging.all(directory.listGroups(), this::group));
  }

  private void createGroup(AdminApi.Call call) {
    String name = text(call.body(Set.of("name")), "name").orElse("");
    String created = directory.addGroup(name);
    audit.recordBy(
        call.caller().actor(),
        "group.created",
        Optional.empty(),
        "",
        call.clientAddress(),
        created);
    call.reply(201, group(created));
  }

  private void getGroup(AdminApi.Call call) {
    call.reply(200, group(requireGroup(call.param("name"))));
  }

  /**
   * Renames a group with every stored reference to it (members, role grants, application keys,
   * clients). Refused while {@code gatehouse.yml} names it: its rules would silently stop matching
   * (a deny that no longer denies, an allow that no longer allows) until the file is changed.
   */
  private void renameGroup(AdminApi.Call call) {
    String from = requireGroup(call.param("name"));
    String to = text(call.body(Set.of("name")), "name").orElse(from);
    List<String> uses = groupUsesInConfiguration.apply(from);
    if (!uses.isEmpty() && !to.equals(from)) {
      throw new AdminApi.Problem(
          409,
          "named_in_configuration",
          "gatehouse.yml names this group ("
              + String.join("; ", uses)
              + "); rename it there and restart, or create the new group and move the members.");
    }
    String renamed;
    try {
      renamed = directory.renameGroup(from, to);
    } catch (DirectoryException.ConflictException e) {
      throw new AdminApi.Problem(409, "given_by_upstream", AdminApi.sentence(e.getMessage()));
    }
    if (!renamed.equals(from)) {
      audit.recordBy(
          call.caller().actor(),
          "group.renamed",
          Optional.empty(),
          "",
          call.clientAddress(),
          from + " -> " + renamed);
    }
    call.reply(200, group(renamed));
  }

  private void deleteGroup(AdminApi.Call call) {
    String name = requireGroup(call.param("name"));
    directory.deleteGroup(name);
    audit.recordBy(
        call.caller().actor(), "group.deleted", Optional.empty(), "", call.clientAddress(), name);
    call.noContent();
  }

  private void addMember(AdminApi.Call call) {
    String group = requireGroup(call.param("name"));
    User user = directory.requireUser(call.param("username"));
    if (directory.addMember(group, user.username())) {
      audit.recordBy(
          call.caller().actor(),
          "group.member-added",
          Optional.of(user.id()),
          user.username(),
          call.clientAddress(),
          group);
    }
    call.reply(200, group(group));
  }

  private void removeMember(AdminApi.Call call) {
    String group = requireGroup(call.param("name"));
    User user = directory.requireUser(call.param("username"));
    if (!directory.removeMember(group, user.username())) {
      throw new AdminApi.Problem(404, "not_found", "This user is not in this group.");
    }
    audit.recordBy(
        call.caller().actor(),
        "group.member-removed",
        Optional.of(user.id()),
        user.username(),
        call.clientAddress(),
        group);
    call.noContent();
  }

  private String requireGroup(String name) {
    return directory.listGroups().stream()
        .filter(name::equals)
        .findFirst()
        .orElseThrow(() -> new DirectoryException.NotFoundException("group"));
  }

  private static AdminApi.Problem lastAdministrator() {
    return new AdminApi.Problem(
        409,
        "last_administrator",
        "This is the last enabled administrator; make someone else one first.");
  }

  private User find(String id) {
    return findUser(directory, id);
  }

  /** The user with public id {@code id}; 404 when there is none (or the id has no user's shape). */
  static User findUser(Directory directory, String id) {
    UserId userId;
    try {
      userId = new UserId(id);
    } catch (IllegalArgumentException e) {
      throw new DirectoryException.NotFoundException("user"); // No user has an id of that shape.
    }
    return directory
        .findById(userId)
        .orElseThrow(() -> new DirectoryException.NotFoundException("user"));
  }

  ObjectNode user(User user) {
    ObjectNode node = AdminApi.json().createObjectNode();
    node.put("id", user.id().value());
    node.put("username", user.username());
    if (user.email().isPresent()) {
      node.put("email", user.email().get());
    } else {
      node.putNull("email");
    }
    node.put("email_verified", user.emailVerified());
    node.put("display_name", user.displayName());
    node.put("admin", user.admin());
    node.put("disabled", user.disabled());
    node.put("created_at", user.createdAt().toString());
    instant(node, "last_sign_in_at", user.lastSignInAt());
    var groups = node.putArray("groups");
    directory.groupsOf(user.id()).forEach(groups::add);
    return node;
  }

  private ObjectNode group(String name) {
    ObjectNode node = AdminApi.json().createObjectNode();
    node.put("name", name);
    var members = node.putArray("members");
    directory.members(name).forEach(members::add);
    return node;
  }

  static ObjectNode session(Session session, User user) {
    ObjectNode node = AdminApi.json().createObjectNode();
    node.put("id", session.id());
    node.put("user_id", user.id().value());
    node.put("username", user.username());
    node.put("created_at", session.createdAt().toString());
    node.put("last_seen_at", session.lastSeenAt().toString());
    node.put("expires_at", session.expiresAt().toString());
    var amr = node.putArray("amr");
    new java.util.TreeSet<>(session.amr()).forEach(amr::add);
    node.put("user_agent", session.userAgent());
    node.put("client_address", session.clientAddress());
    node.put("identity_provider", session.idp());
    return node;
  }

  static void instant(ObjectNode node, String field, Optional<Instant> value) {
    if (value.isPresent()) {
      node.put(field, value.get().toString());
    } else {
      node.putNull(field);
    }
  }

  static Optional<String> text(JsonNode body, String field) {
    JsonNode value = body.get(field);
    if (value == null || value.isNull()) {
      return Optional.empty();
    }
    if (!value.isTextual()) {
      throw new AdminApi.Problem(400, "invalid_value", field + " must be a string.");
    }
    return Optional.of(value.asText());
  }

  /** A list of strings; empty when absent; 400 when not a list of strings. */
  static Optional<java.util.List<String>> strings(JsonNode body, String field) {
    JsonNode value = body.get(field);
    if (value == null || value.isNull()) {
      return Optional.empty();
    }
    if (!value.isArray()) {
      throw new AdminApi.Problem(400, "invalid_value", field + " must be a list of strings.");
    }
    java.util.List<String> out = new java.util.ArrayList<>();
    for (JsonNode item : value) {
      if (!item.isTextual()) {
        throw new AdminApi.Problem(400, "invalid_value", field + " must be a list of strings.");
      }
      out.add(item.asText());
    }
    return Optional.of(java.util.List.copyOf(out));
  }

  static Optional<Boolean> bool(JsonNode body, String field) {
    JsonNode value = body.get(field);
    if (value == null || value.isNull()) {
      return Optional.empty();
    }
    if (!value.isBoolean()) {
      throw new AdminApi.Problem(400, "invalid_value", field + " must be true or false.");
    }
    return Optional.of(value.asBoolean());
  }
}
