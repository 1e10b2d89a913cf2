package dev.gatehouse.web.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.audit.AuditLog;
import dev.gatehouse.forwardauth.IdentityResolver;
import dev.gatehouse.identity.Directory;
import dev.gatehouse.identity.RoleRepository;
import dev.gatehouse.identity.User;
import dev.gatehouse.kernel.Cidr;
import dev.gatehouse.mail.OutboxRepository;
import dev.gatehouse.policy.AccessPolicy;
import dev.gatehouse.policy.AccessRule;
import dev.gatehouse.policy.Decision;
import dev.gatehouse.policy.Subject;
import dev.gatehouse.url.CanonicalTarget;
import dev.gatehouse.url.Canonicalizer;
import java.net.InetAddress;
import java.net.URI;
import java.time.Clock;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Roles and claims, the mail queue, and the access rules with a "who may reach this URL?" tester
 * that runs the real policy, in the admin API. Thread-safe.
 */
final class SystemResources {
  private final Directory directory;
  private final OutboxRepository outbox;
  private final AccessPolicy policy;
  private final IdentityResolver identities;
  private final AuditLog audit;
  private final Clock clock;
  private final java.util.List<dev.gatehouse.config.GatehouseConfig.Setting> settings;

  SystemResources(
      Directory directory,
      OutboxRepository outbox,
      AccessPolicy policy,
      IdentityResolver identities,
      AuditLog audit,
      Clock clock,
      java.util.List<dev.gatehouse.config.GatehouseConfig.Setting> settings) {
    this.settings = java.util.List.copyOf(settings);
    this.directory = directory;
    this.outbox = outbox;
    this.policy = policy;
    this.identities = identities;
    this.audit = audit;
    this.clock = clock;
  }

  void register(AdminApi api) {
    api.add("GET", "/roles", this::listRoles)
        .add("POST", "/roles", this::createRole)
        .add("PATCH", "/roles/{name}", this::renameRole)
        .add("DELETE", "/roles/{name}", this::deleteRole)
        .add("PUT", "/roles/{name}/groups/{group}", this::grant)
        .add("DELETE", "/roles/{name}/groups/{group}", this::revoke)
        .add("PUT", "/roles/{name}/claims/{claim}", this::setClaim)
        .add("DELETE", "/roles/{name}/claims/{claim}", this::unsetClaim)
        .add("GET", "/mail", this::mail)
        .add("POST", "/mail/retry", this::retryMail)
        .add("GET", "/access/rules", this::rules)
        .add("POST", "/access/check", this::check)
        .add("GET", "/config", this::config);
  }

  private void listRoles(AdminApi.Call call) {
    call.reply(200, Paging.all(directory.listRoles(), SystemResources::role));
  }

  private void createRole(AdminApi.Call call) {
    String name = DirectoryResources.text(call.body(Set.of("name")), "name").orElse("");
    String created = directory.addRole(name);
    changed(call, "role.created", created);
    call.reply(201, role(findRole(created)));
  }

  private void renameRole(AdminApi.Call call) {
    String from = findRole(call.param("name")).name();
    String to = DirectoryResources.text(call.body(Set.of("name")), "name").orElse(from);
    String renamed = directory.renameRole(from, to);
    if (!renamed.equals(from)) {
      changed(call, "role.renamed", from + " -> " + renamed);
    }
    call.reply(200, role(findRole(renamed)));
  }

  private void deleteRole(AdminApi.Call call) {
    String name = findRole(call.param("name")).name();
    directory.deleteRole(name);
    changed(call, "role.deleted", name);
    call.noContent();
  }

  private void grant(AdminApi.Call call) {
    RoleRepository.Role role = findRole(call.param("name"));
    if (directory.grantRole(role.name(), call.param("group"))) {
      changed(call, "role.granted", role.name() + " to group " + call.param("group"));
    }
    call.reply(200, role(findRole(role.name())));
  }

  private void revoke(AdminApi.Call call) {
    RoleRepository.Role role = findRole(call.param("name"));
    if (!directory.revokeRole(role.name(), call.param("group"))) {
      throw new AdminApi.Problem(404, "not_found", "The role is not granted to that group.");
    }
    changed(call, "role.revoked", role.name() + " from group " + call.param("group"));
    call.noContent();
  }

  private void setClaim(AdminApi.Call call) {
    RoleRepository.Role role = findRole(call.param("name"));
    String value = DirectoryResources.text(call.body(Set.of("value")), "value").orElse("");
    directory.setClaim(role.name(), call.param("claim"), value);
    changed(call, "role.claim-set", role.name() + " " + call.param("claim"));
    call.reply(200, role(findRole(role.name())));
  }

  private void unsetClaim(AdminApi.Call call) {
    RoleRepository.Role role = findRole(call.param("name"));
    if (!directory.unsetClaim(role.name(), call.param("claim"))) {
      throw new AdminApi.Problem(404, "not_found", "The role has no such claim.");
    }
    changed(call, "role.claim-unset", role.name() + " " + call.param("claim"));
    call.noContent();
  }

  private RoleRepository.Role findRole(String name) {
    return directory.listRoles().stream()
        .filter(r -> r.name().equals(name))
        .findFirst()
        .orElseThrow(() -> new AdminApi.Problem(404, "not_found", "No such role."));
  }

  private static ObjectNode role(RoleRepository.Role role) {
    ObjectNode node = AdminApi.json().createObjectNode();
    node.put("name", role.name());
    role.groups().forEach(node.putArray("groups")::add);
    ObjectNode claims = node.putObject("claims");
    new java.util.TreeMap<>(role.claims()).forEach(claims::put);
    return node;
  }

  private void mail(AdminApi.Call call) {
    int limit = Paging.limit(call);
    call.reply(
        200,
        Paging.all(
            outbox.list(limit),
            row -> {
              ObjectNode node = AdminApi.json().createObjectNode();
              node.put("id", row.id());
              node.put("recipient", row.recipient());
              node.put("subject", row.subject());
              node.put("status", row.status());
              node.put("attempts", row.attempts());
              node.put("created_at", row.createdAt().toString());
              node.put("next_attempt_at", row.nextAttemptAt().toString());
              DirectoryResources.instant(node, "expires_at", row.expiresAt());
              if (row.lastError().isPresent()) {
                node.put("last_error", row.lastError().get());
              } else {
                node.putNull("last_error");
              }
              return node;
            }));
  }

  private void retryMail(AdminApi.Call call) {
    int count = outbox.retryDead(clock.instant());
    changed(call, "mail.retried", count + " dead letters queued again");
    ObjectNode node = AdminApi.json().createObjectNode();
    node.put("queued", count);
    call.reply(200, node);
  }

  private void rules(AdminApi.Call call) {
    ObjectNode node = AdminApi.json().createObjectNode();
    ArrayNode items = node.putArray("items");
    int number = 1;
    for (AccessRule rule : policy.rules()) {
      ObjectNode item = items.addObject();
      item.put("number", number++);
      rule.hosts().forEach(h -> item.withArray("hosts").add(h.toString()));
      rule.paths().forEach(p -> item.withArray("paths").add(p.toString()));
      new java.util.TreeSet<>(rule.methods()).forEach(m -> item.withArray("methods").add(m));
      rule.networks().forEach(n -> item.withArray("networks").add(n.toString()));
      rule.subjects().forEach(s -> item.withArray("subjects").add(s.toString()));
      new java.util.TreeSet<>(rule.scopes()).forEach(s -> item.withArray("scopes").add(s));
      item.put("policy", rule.policy().name().toLowerCase(Locale.ROOT).replace('_', '-'));
    }
    node.putNull("next_cursor");
    node.put("default_policy", policy.defaultPolicy().name().toLowerCase(Locale.ROOT));
    call.reply(200, node);
  }

  /**
   * {@code POST /access/check}: what the real policy decides for a URL, a method, a client address
   * and a user (or nobody), as if that user had signed in with a password, and with a second factor
   * when {@code two_factor} is true.
   */
  private void check(AdminApi.Call call) {
    JsonNode body = call.body(Set.of("url", "method", "user", "client_address", "two_factor"));
    String url = DirectoryResources.text(body, "url").orElse("");
    URI uri;
    try {
      uri = URI.create(url);
    } catch (IllegalArgumentException e) {
      throw new AdminApi.Problem(400, "invalid_value", "url must be an absolute URL.");
    }
    if (uri.getScheme() == null || uri.getRawAuthority() == null) {
      throw new AdminApi.Problem(400, "invalid_value", "url must be an absolute URL.");
    }
    String raw =
        (uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath())
            + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
    Optional<CanonicalTarget> target =
        Canonicalizer.target(uri.getScheme().toLowerCase(Locale.ROOT), uri.getRawAuthority(), raw);
    if (target.isEmpty()) {
      throw new AdminApi.Problem(
          400, "invalid_value", "Gatehouse refuses this URL as ambiguous (403 for everyone).");
    }
    String method = DirectoryResources.text(body, "method").orElse("GET").toUpperCase(Locale.ROOT);
    String address = DirectoryResources.text(body, "client_address").orElse("203.0.113.1");
    InetAddress client =
        Cidr.parseNumericAddress(address)
            .orElseThrow(
                () ->
                    new AdminApi.Problem(400, "invalid_value", "client_address is an IP address."));
    Optional<Subject> subject = Optional.empty();
    Optional<String> username = DirectoryResources.text(body, "user");
    if (username.isPresent()) {
      User user = directory.requireUser(username.get());
      Set<String> amr =
          DirectoryResources.bool(body, "two_factor").orElse(false)
              ? Set.of("pwd", "otp", "mfa")
              : Set.of("pwd");
      subject = identities.forUser(user.id(), amr);
      if (subject.isEmpty()) {
        throw new AdminApi.Problem(409, "disabled", "This user is disabled: refused everywhere.");
      }
    }
    Decision decision =
        policy.decide(target.get().host(), target.get().path(), method, client, subject);
    ObjectNode node = AdminApi.json().createObjectNode();
    node.put("host", target.get().host());
    node.put("path", target.get().path());
    switch (decision) {
      case Decision.Allow allow -> {
        node.put("decision", "allow");
        node.put("reason", subject.isPresent() ? "a rule admits this user" : "open to everyone");
      }
      case Decision.Challenge challenge -> {
        node.put("decision", "sign_in");
        node.put("reason", "signing in is needed");
      }
      case Decision.Deny deny -> {
        node.put("decision", "deny");
        node.put("reason", deny.reason());
        node.put("second_factor_would_help", deny.secondFactorWouldHelp());
      }
    }
    call.reply(200, node);
  }

  /** {@code GET /config}: every setting as it is in effect; secrets only as set or not. */
  private void config(AdminApi.Call call) {
    call.reply(
        200,
        Paging.all(
            settings,
            setting -> {
              ObjectNode node = AdminApi.json().createObjectNode();
              node.put("key", setting.key());
              node.put("value", setting.value());
              node.put("changed", setting.changed());
              return node;
            }));
  }

  private void changed(AdminApi.Call call, String kind, String detail) {
    audit.recordBy(call.caller().actor(), kind, Optional.empty(), "", call.clientAddress(), detail);
  }
}
