package dev.gatehouse.web.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.apikey.ApiKey;
import dev.gatehouse.apikey.ApiKeyService;
import dev.gatehouse.audit.AuditEvent;
import dev.gatehouse.audit.AuditLog;
import dev.gatehouse.identity.Directory;
import dev.gatehouse.identity.DirectoryException;
import dev.gatehouse.identity.Names;
import dev.gatehouse.identity.User;
import dev.gatehouse.policy.HostMatcher;
import dev.gatehouse.session.Session;
import dev.gatehouse.session.SessionService;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** API keys, sessions, the audit trail and the caller in the admin API. Thread-safe. */
final class AccessResources {
  private static final Pattern LIFETIME = Pattern.compile("([1-9][0-9]{0,4})([mhd])");

  private final ApiKeyService apiKeys;
  private final SessionService sessions;
  private final Directory directory;
  private final AuditLog audit;

  AccessResources(
      ApiKeyService apiKeys, SessionService sessions, Directory directory, AuditLog audit) {
    this.apiKeys = apiKeys;
    this.sessions = sessions;
    this.directory = directory;
    this.audit = audit;
  }

  void register(AdminApi api) {
    api.add("GET", "/me", this::me)
        .add("GET", "/api-keys", this::listKeys)
        .add("POST", "/api-keys", this::createKey)
        .add("DELETE", "/api-keys/{id}", this::revokeKey)
        .add("GET", "/sessions", this::listSessions)
        .add("DELETE", "/sessions/{id}", this::endSession)
        .add("GET", "/audit", this::auditTrail);
  }

  private void me(AdminApi.Call call) {
    ObjectNode node = AdminApi.json().createObjectNode();
    node.put("actor", call.caller().actor());
    Optional<User> user = call.caller().user().flatMap(directory::findById);
    if (user.isPresent()) {
      node.put("username", user.get().username());
    } else {
      node.putNull("username");
    }
    call.reply(200, node);
  }

  private void listKeys(AdminApi.Call call) {
    Optional<User> owner = call.query("user").map(directory::requireUser);
    call.reply(200, Paging.all(apiKeys.list(owner.map(User::id)), this::key));
  }

  private void createKey(AdminApi.Call call) {
    JsonNode body =
        call.body(Set.of("user", "application", "name", "hosts", "groups", "scopes", "expires_in"));
    Optional<String> username = DirectoryResources.text(body, "user");
    Optional<String> application = DirectoryResources.text(body, "application");
    if (username.isPresent() == application.isPresent()) {
      throw new AdminApi.Problem(
          400, "invalid_value", "Give either user (a personal key) or application.");
    }
    String name = DirectoryResources.text(body, "name").orElse("");
    List<String> hosts = strings(body, "hosts");
    for (String host : hosts) {
      if (HostMatcher.parse(host).isEmpty()) {
        throw new AdminApi.Problem(
            400, "invalid_value", "hosts: not a host name or *.domain pattern.");
      }
    }
    List<String> scopes = strings(body, "scopes");
    Optional<Duration> lifetime = DirectoryResources.text(body, "expires_in").map(this::lifetime);
    ApiKeyService.Issued issued;
    if (username.isPresent()) {
      User user = directory.requireUser(username.get());
      if (!strings(body, "groups").isEmpty()) {
        throw new AdminApi.Problem(
            400,
            "invalid_value",
            "groups are for application keys; a personal key has its user's.");
      }
      if (scopes.contains(ApiKey.ADMIN_SCOPE) && !(user.admin() && !user.disabled())) {
        throw new AdminApi.Problem(
            400,
            "invalid_value",
            ApiKey.ADMIN_SCOPE + " on a personal key needs a user who is an administrator.");
      }
      issued = apiKeys.createPersonal(user.id(), name, hosts, lifetime, scopes);
    } else {
      List<String> groups = new ArrayList<>();
      for (String group : strings(body, "groups")) {
        groups.add(Names.groupOrRole("group", group));
      }
      issued =
          apiKeys.createApplication(
              application.get(),
              name.isEmpty() ? application.get() : name,
              hosts,
              groups,
              lifetime,
              scopes);
    }
    audit.recordBy(
        call.caller().actor(),
        "apikey.created",
        issued.record().owner(),
        username.orElse(""),
        call.clientAddress(),
        "key "
            + issued.record().id()
            + application.map(a -> " for application " + a).orElse("")
            + (scopes.isEmpty() ? "" : " scopes " + String.join(" ", issued.record().scopes())));
    ObjectNode node = key(issued.record());
    node.put("secret", issued.key());
    call.reply(201, node);
  }

  private void revokeKey(AdminApi.Call call) {
    String id = call.param("id");
    Optional<ApiKey> key =
        apiKeys.list(Optional.empty()).stream().filter(k -> k.id().equals(id)).findFirst();
    if (key.isEmpty() || !apiKeys.revoke(id)) {
      throw new DirectoryException.NotFoundException("live API key");
    }
    audit.recordBy(
        call.caller().actor(),
        "apikey.revoked",
        key.get().owner(),
        "",
        call.clientAddress(),
        "key " + id);
    call.noContent();
  }

  private void listSessions(AdminApi.Call call) {
    Optional<User> only = call.query("user").map(directory::requireUser);
    List<ObjectNode> items = new ArrayList<>();
    for (Session session : sessions.list(only.map(User::id))) {
      directory
          .findById(session.userId())
          .ifPresent(u -> items.add(DirectoryResources.session(session, u)));
    }
    call.reply(200, Paging.all(items, node -> node));
  }

  private void endSession(AdminApi.Call call) {
    String id = call.param("id");
    Optional<Session> session =
        sessions.list(Optional.empty()).stream().filter(s -> s.id().equals(id)).findFirst();
    if (session.isEmpty() || sessions.revoke(id) != 1) {
      throw new DirectoryException.NotFoundException("live session");
    }
    audit.recordBy(
        call.caller().actor(),
        "session.ended",
        Optional.of(session.get().userId()),
        directory.findById(session.get().userId()).map(User::username).orElse(""),
        call.clientAddress(),
        "session " + id);
    call.noContent();
  }

  private void auditTrail(AdminApi.Call call) {
    int limit = Paging.limit(call);
    Optional<AuditEvent> before =
        Paging.cursor(call)
            .map(
                key -> {
                  int colon = key.indexOf(':');
                  try {
                    return new AuditEvent(
                        key.substring(colon + 1),
                        Instant.ofEpochMilli(Long.parseLong(key.substring(0, colon))),
                        "",
                        Optional.empty(),
                        "",
                        "",
                        "",
                        "");
                  } catch (RuntimeException e) {
                    throw new AdminApi.Problem(
                        400, "invalid_cursor", "cursor is not one this API gave out.");
                  }
                });
    Optional<User> user = call.query("user").map(directory::requireUser);
    List<AuditEvent> rows =
        audit.search(
            new AuditLog.Filter(user.map(User::id), call.query("kind"), before), limit + 1);
    call.reply(
        200,
        Paging.page(
            rows, limit, AccessResources::event, e -> e.at().toEpochMilli() + ":" + e.id()));
  }

  private static ObjectNode event(AuditEvent event) {
    ObjectNode node = AdminApi.json().createObjectNode();
    node.put("id", event.id());
    node.put("at", event.at().toString());
    node.put("kind", event.kind());
    if (event.user().isPresent()) {
      node.put("user_id", event.user().get().value());
    } else {
      node.putNull("user_id");
    }
    node.put("username", event.username());
    node.put("actor", event.actor());
    node.put("client_address", event.clientAddress());
    node.put("detail", event.detail());
    return node;
  }

  private ObjectNode key(ApiKey key) {
    ObjectNode node = AdminApi.json().createObjectNode();
    node.put("id", key.id());
    node.put("kind", key.kind() == ApiKey.Kind.PERSONAL ? "personal" : "application");
    Optional<String> owner = key.owner().flatMap(directory::findById).map(User::username);
    if (owner.isPresent()) {
      node.put("user", owner.get());
    } else {
      node.putNull("user");
    }
    if (key.application().isPresent()) {
      node.put("application", key.application().get());
    } else {
      node.putNull("application");
    }
    node.put("name", key.label());
    key.hosts().forEach(node.putArray("hosts")::add);
    key.groups().forEach(node.putArray("groups")::add);
    key.scopes().forEach(node.putArray("scopes")::add);
    node.put("created_at", key.createdAt().toString());
    DirectoryResources.instant(node, "expires_at", key.expiresAt());
    DirectoryResources.instant(node, "last_used_at", key.lastUsedAt());
    return node;
  }

  private Duration lifetime(String text) {
    Matcher m = LIFETIME.matcher(text);
    if (!m.matches()) {
      throw new AdminApi.Problem(
          400, "invalid_value", "expires_in is a number and m, h or d, such as 90d.");
    }
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "m" -> Duration.ofMinutes(n);
      case "h" -> Duration.ofHours(n);
      default -> Duration.ofDays(n);
    };
  }

  private static List<String> strings(JsonNode body, String field) {
    return DirectoryResources.strings(body, field).orElse(List.of());
  }
}
