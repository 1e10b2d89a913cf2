package dev.gatehouse.web.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.identity.Directory;
import dev.gatehouse.identity.User;
import dev.gatehouse.kernel.SafeMessage;
import dev.gatehouse.web.ErrorPages;
import dev.gatehouse.web.Exchange;
import dev.gatehouse.web.Templates;
import dev.gatehouse.web.WebSessions;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The admin console at {@code /admin}: server-rendered pages for administrators, usable without
 * JavaScript. Every page reads and every form changes through {@link AdminApi#invoke}, in-process,
 * so the console and the HTTP API cannot disagree about rules (the last administrator, the
 * redaction of secrets, validation) or about the audit trail. Changes are POST forms with the
 * session's CSRF token, answered with a redirect (POST/redirect/GET) — except where a secret is
 * shown once, which is rendered in the POST's own answer and never put in a URL. Thread-safe.
 */
public final class AdminConsole {
  private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9._~-]{1,128}");

  /** What every console page is given. */
  public record Page(
      String title,
      String section,
      String csrf,
      String me,
      String notice,
      String error,
      JsonNode data,
      String secret) {}

  private final AdminApi api;
  private final WebSessions sessions;
  private final Directory directory;
  private final Templates templates;
  private final ErrorPages errors;
  private final String publicOrigin;
  private final java.util.function.BooleanSupplier invitationsAllowed;

  /** A console over {@code api}. */
  public AdminConsole(
      AdminApi api,
      WebSessions sessions,
      Directory directory,
      Templates templates,
      ErrorPages errors,
      String publicOrigin,
      java.util.function.BooleanSupplier invitationsAllowed) {
    this.invitationsAllowed = invitationsAllowed;
    this.api = api;
    this.sessions = sessions;
    this.directory = directory;
    this.templates = templates;
    this.errors = errors;
    this.publicOrigin = publicOrigin;
  }

  /** Answers {@code /admin} and everything under it. */
  public void handle(Exchange exchange) {
    Optional<WebSessions.Current> current = sessions.current(exchange);
    if (current.isEmpty()) {
      String back =
          exchange.path() + (exchange.rawQuery().isEmpty() ? "" : "?" + exchange.rawQuery());
      exchange.redirect(
          302, publicOrigin + "/login?rd=" + URLEncoder.encode(back, StandardCharsets.UTF_8));
      return;
    }
    Optional<User> user =
        directory
            .findById(current.get().session().userId())
            .filter(u -> u.admin() && !u.disabled());
    if (user.isEmpty()) {
      errors.render(exchange, SafeMessage.FORBIDDEN);
      return;
    }
    AdminApi.Caller caller =
        new AdminApi.Caller("user:" + user.get().username(), Optional.of(user.get().id()));
    boolean post = exchange.method().equals("POST");
    if (post && !sessions.csrfValid(exchange)) {
      errors.render(exchange, SafeMessage.CSRF_FAILED);
      return;
    }
    String path = exchange.path().equals("/admin") ? "/admin/" : exchange.path();
    String[] parts = path.substring("/admin/".length()).split("/", -1);
    for (String part : parts) {
      if (!part.isEmpty() && !SEGMENT.matcher(part).matches()) {
        errors.render(exchange, SafeMessage.NOT_FOUND);
        return;
      }
    }
    Context context = new Context(exchange, caller, user.get());
    String section = parts[0];
    switch (section) {
      case "" -> exchange.redirect(302, "/admin/users");
      case "users" -> users(context, parts, post);
      case "groups" -> groups(context, parts, post);
      case "clients" -> clients(context, parts, post);
      case "keys" -> keys(context, parts, post);
      case "sessions" -> sessionsPage(context, parts, post);
      case "audit" -> audit(context, parts, post);
      case "roles" -> roles(context, parts, post);
      case "mail" -> mail(context, parts, post);
      case "access" -> access(context, parts, post);
      case "config" -> {
        if (parts.length != 1 || post) {
          errors.render(exchange, SafeMessage.NOT_FOUND);
        } else {
          context.render(
              200,
              "admin/config.jte",
              "Configuration",
              "config",
              document(context.call("GET", "/config", Optional.empty())),
              "",
              "");
        }
      }
      default -> errors.render(exchange, SafeMessage.NOT_FOUND);
    }
  }

  /** One request to the console. */
  private final class Context {
    final Exchange exchange;
    final AdminApi.Caller caller;
    final User me;

    Context(Exchange exchange, AdminApi.Caller caller, User me) {
      this.exchange = exchange;
      this.caller = caller;
      this.me = me;
    }

    AdminApi.Result call(String method, String path, Optional<JsonNode> body) {
      return api.invoke(caller, method, path, body, exchange.clientAddress());
    }

    String form(String name) {
      return exchange.formOrEmpty(name).strip();
    }

    String query(String name) {
      return exchange.query(name).orElse("");
    }

    void render(
        int status,
        String template,
        String title,
        String section,
        JsonNode data,
        String secret,
        String error) {
      String notice = query("done").isEmpty() ? "" : notice(query("done"));
      exchange.html(
          status,
          templates.render(
              template,
              new Page(
                  title,
                  section,
                  sessions.csrfToken(exchange),
                  me.username(),
                  notice,
                  error,
                  data,
                  secret)));
    }

    /** After a change: back to {@code page} with a notice, or the page again with the problem. */
    void after(AdminApi.Result result, String page, String done) {
      if (result.ok()) {
        exchange.redirect(303, page + (page.contains("?") ? "&" : "?") + "done=" + done);
      } else {
        // The problem travels as its code, and the page shows the catalogue's words for it: no
        // text from a URL is ever shown as if Gatehouse said it.
        exchange.redirect(
            303, page + (page.contains("?") ? "&" : "?") + "problem=" + result.code());
      }
    }

    String problem() {
      return problemText(query("problem"));
    }
  }

  private static String problemText(String code) {
    return switch (code) {
      case "" -> "";
      case "last_administrator" ->
          "This is the last enabled administrator; make someone else one first.";
      case "conflict" -> "That already exists.";
      case "named_in_configuration" ->
          "gatehouse.yml names this group (an access rule, a client or an identity provider):"
              + " rename it there and restart, or create a new group and move the members.";
      case "given_by_upstream" ->
          "An identity provider's groups claim gives this group; rename it at the provider.";
      case "not_found" -> "That no longer exists.";
      case "invalid_value", "unknown_field", "read_only" ->
          "A value was not accepted; check the fields and try again.";
      case "no_address" -> "This user has no email address (or is disabled).";
      case "throttled" -> "Too many links asked for; try again in a while.";
      case "invitations_off" -> "Invitations by email are off (registration.policy: closed).";
      case "from_configuration" -> "This client is defined in gatehouse.yml: change it there.";
      case "public_client" -> "A public client has no secret.";
      case "unavailable" -> "Gatehouse cannot answer right now. Try again.";
      default -> "The change was not made.";
    };
  }

  private static String notice(String done) {
    return switch (done) {
      case "created" -> "Created.";
      case "saved" -> "Saved.";
      case "deleted" -> "Deleted.";
      case "disabled" -> "Disabled; the user's sessions are ended.";
      case "enabled" -> "Enabled.";
      case "reset" -> "A link to choose a new password is on its way to the user's address.";
      case "ended" -> "Sessions ended.";
      case "added" -> "Added.";
      case "removed" -> "Removed.";
      case "renamed" -> "Renamed; members, grants, keys and clients follow the new name.";
      case "revoked" -> "Revoked.";
      case "queued" -> "Dead letters are back in the queue.";
      default -> "";
    };
  }

  // Users.

  private void users(Context c, String[] parts, boolean post) {
    if (parts.length == 1 && !post) {
      String q = c.query("q");
      String cursor = c.query("cursor");
      AdminApi.Result page =
          c.call(
              "GET",
              "/users?limit=50"
                  + (q.isEmpty() ? "" : "&q=" + URLEncoder.encode(q, StandardCharsets.UTF_8))
                  + (cursor.isEmpty()
                      ? ""
                      : "&cursor=" + URLEncoder.encode(cursor, StandardCharsets.UTF_8)),
              Optional.empty());
      ObjectNode data = document(page);
      data.put("q", q);
      data.put("invitations", invitationsAllowed.getAsBoolean());
      c.render(200, "admin/users.jte", "Users", "users", data, "", c.problem() + problemOf(page));
      return;
    }
    if (parts.length == 1) {
      ObjectNode body = AdminApi.json().createObjectNode();
      body.put("username", c.form("username"));
      if (!c.form("email").isEmpty()) {
        body.put("email", c.form("email"));
      }
      if (!c.form("display_name").isEmpty()) {
        body.put("display_name", c.form("display_name"));
      }
      body.put("admin", c.form("admin").equals("on"));
      body.put("invite", c.form("invite").equals("on"));
      AdminApi.Result created = c.call("POST", "/users", Optional.of(body));
      c.after(
          created,
          created.ok() ? "/admin/users/" + created.document().path("id").asText() : "/admin/users",
          "created");
      return;
    }
    String id = parts[1];
    String page = "/admin/users/" + id;
    if (parts.length == 2 && !post) {
      AdminApi.Result user = c.call("GET", "/users/" + id, Optional.empty());
      if (!user.ok()) {
        errors.render(c.exchange, SafeMessage.NOT_FOUND);
        return;
      }
      ObjectNode data = AdminApi.json().createObjectNode();
      data.set("user", user.document());
      data.set("sessions", document(c.call("GET", "/users/" + id + "/sessions", Optional.empty())));
      data.set(
          "credentials",
          document(c.call("GET", "/users/" + id + "/credentials", Optional.empty())));
      data.set("groups", document(c.call("GET", "/groups", Optional.empty())));
      data.set(
          "keys",
          document(
              c.call(
                  "GET",
                  "/api-keys?user="
                      + URLEncoder.encode(
                          user.document().path("username").asText(), StandardCharsets.UTF_8),
                  Optional.empty())));
      c.render(
          200,
          "admin/user.jte",
          user.document().path("username").asText(),
          "users",
          data,
          "",
          c.problem());
      return;
    }
    if (parts.length != 3 || !post) {
      errors.render(c.exchange, SafeMessage.NOT_FOUND);
      return;
    }
    ObjectNode body = AdminApi.json().createObjectNode();
    switch (parts[2]) {
      case "edit" -> {
        body.put("display_name", c.form("display_name"));
        if (c.form("email").isEmpty()) {
          body.putNull("email");
        } else {
          body.put("email", c.form("email"));
        }
        body.put("admin", c.form("admin").equals("on"));
        c.after(c.call("PATCH", "/users/" + id, Optional.of(body)), page, "saved");
      }
      case "disable", "enable" -> {
        body.put("disabled", parts[2].equals("disable"));
        c.after(
            c.call("PATCH", "/users/" + id, Optional.of(body)),
            page,
            parts[2].equals("disable") ? "disabled" : "enabled");
      }
      case "reset" ->
          c.after(
              c.call("POST", "/users/" + id + "/password-reset", Optional.empty()), page, "reset");
      case "remove-passkey" ->
          c.after(
              c.call(
                  "DELETE",
                  "/users/" + id + "/passkeys/" + segment(c.form("credential")),
                  Optional.empty()),
              page,
              "removed");
      case "remove-totp" ->
          c.after(c.call("DELETE", "/users/" + id + "/totp", Optional.empty()), page, "removed");
      case "unlink" ->
          c.after(
              c.call(
                  "DELETE",
                  "/users/" + id + "/identities/" + segment(c.form("provider")),
                  Optional.empty()),
              page,
              "removed");
      case "end-sessions" ->
          c.after(c.call("DELETE", "/users/" + id + "/sessions", Optional.empty()), page, "ended");
      case "delete" -> {
        AdminApi.Result deleted = c.call("DELETE", "/users/" + id, Optional.empty());
        c.after(deleted, deleted.ok() ? "/admin/users" : page, "deleted");
      }
      case "join", "leave" -> {
        String group = segment(c.form("group"));
        String username = segment(c.form("username"));
        c.after(
            c.call(
                parts[2].equals("join") ? "PUT" : "DELETE",
                "/groups/" + group + "/members/" + username,
                Optional.empty()),
            page,
            parts[2].equals("join") ? "added" : "removed");
      }
      default -> errors.render(c.exchange, SafeMessage.NOT_FOUND);
    }
  }

  // Groups.

  private void groups(Context c, String[] parts, boolean post) {
    if (parts.length == 1 && !post) {
      AdminApi.Result list = c.call("GET", "/groups", Optional.empty());
      c.render(200, "admin/groups.jte", "Groups", "groups", document(list), "", c.problem());
      return;
    }
    if (parts.length == 1) {
      ObjectNode body = AdminApi.json().createObjectNode();
      body.put("name", c.form("name"));
      c.after(c.call("POST", "/groups", Optional.of(body)), "/admin/groups", "created");
      return;
    }
    // Group names are free text (an upstream provider's may hold '/' or spaces): they travel in
    // form fields, never in the console's own paths, and are encoded for the API call.
    String group = segment(c.form("group"));
    if (parts.length == 2 && post && parts[1].equals("delete")) {
      c.after(c.call("DELETE", "/groups/" + group, Optional.empty()), "/admin/groups", "deleted");
      return;
    }
    if (parts.length == 2 && post && parts[1].equals("rename")) {
      ObjectNode body = AdminApi.json().createObjectNode();
      body.put("name", c.form("name"));
      c.after(c.call("PATCH", "/groups/" + group, Optional.of(body)), "/admin/groups", "renamed");
      return;
    }
    if (parts.length == 2 && post && (parts[1].equals("add") || parts[1].equals("remove"))) {
      c.after(
          c.call(
              parts[1].equals("add") ? "PUT" : "DELETE",
              "/groups/" + group + "/members/" + segment(c.form("username")),
              Optional.empty()),
          "/admin/groups",
          parts[1].equals("add") ? "added" : "removed");
      return;
    }
    errors.render(c.exchange, SafeMessage.NOT_FOUND);
  }

  // API keys.

  private void keys(Context c, String[] parts, boolean post) {
    if (parts.length == 1 && !post) {
      AdminApi.Result list = c.call("GET", "/api-keys", Optional.empty());
      c.render(200, "admin/keys.jte", "API keys", "keys", document(list), "", c.problem());
      return;
    }
    if (parts.length == 1) {
      ObjectNode body = AdminApi.json().createObjectNode();
      String owner = c.form("owner");
      if (c.form("kind").equals("user")) {
        body.put("user", owner);
      } else {
        body.put("application", owner);
      }
      if (!c.form("name").isEmpty()) {
        body.put("name", c.form("name"));
      }
      words(body.putArray("hosts"), c.form("hosts"));
      words(body.putArray("scopes"), c.form("scopes"));
      if (c.form("kind").equals("application")) {
        names(body.putArray("groups"), c.form("groups"));
      }
      if (!c.form("expires_in").isEmpty()) {
        body.put("expires_in", c.form("expires_in"));
      }
      AdminApi.Result created = c.call("POST", "/api-keys", Optional.of(body));
      AdminApi.Result list = c.call("GET", "/api-keys", Optional.empty());
      if (created.ok()) {
        // The secret is in this answer only: never in a URL, never shown again.
        c.render(
            201,
            "admin/keys.jte",
            "API keys",
            "keys",
            document(list),
            created.document().path("secret").asText(),
            "");
      } else {
        c.render(400, "admin/keys.jte", "API keys", "keys", document(list), "", created.problem());
      }
      return;
    }
    if (parts.length == 3 && post && parts[2].equals("revoke")) {
      c.after(
          c.call("DELETE", "/api-keys/" + parts[1], Optional.empty()), "/admin/keys", "revoked");
      return;
    }
    errors.render(c.exchange, SafeMessage.NOT_FOUND);
  }

  // Clients.

  private void clients(Context c, String[] parts, boolean post) {
    if (parts.length == 1 && !post) {
      AdminApi.Result list = c.call("GET", "/clients", Optional.empty());
      c.render(200, "admin/clients.jte", "Clients", "clients", document(list), "", c.problem());
      return;
    }
    if (parts.length == 1) {
      ObjectNode body = settings(c);
      body.put("id", c.form("id"));
      body.put("public", c.form("public").equals("on"));
      AdminApi.Result created = c.call("POST", "/clients", Optional.of(body));
      if (created.ok()) {
        ObjectNode data = AdminApi.json().createObjectNode();
        data.set("client", created.document());
        c.render(
            201,
            "admin/client.jte",
            created.document().path("id").asText(),
            "clients",
            data,
            created.document().path("secret").asText(""),
            "");
      } else {
        AdminApi.Result list = c.call("GET", "/clients", Optional.empty());
        c.render(
            400, "admin/clients.jte", "Clients", "clients", document(list), "", created.problem());
      }
      return;
    }
    String id = parts[1];
    String page = "/admin/clients/" + id;
    if (parts.length == 2 && !post) {
      AdminApi.Result client = c.call("GET", "/clients/" + id, Optional.empty());
      if (!client.ok()) {
        errors.render(c.exchange, SafeMessage.NOT_FOUND);
        return;
      }
      ObjectNode data = AdminApi.json().createObjectNode();
      data.set("client", client.document());
      c.render(200, "admin/client.jte", id, "clients", data, "", c.problem());
      return;
    }
    if (parts.length != 3 || !post) {
      errors.render(c.exchange, SafeMessage.NOT_FOUND);
      return;
    }
    switch (parts[2]) {
      case "edit" ->
          c.after(c.call("PATCH", "/clients/" + id, Optional.of(settings(c))), page, "saved");
      case "rotate" -> {
        AdminApi.Result rotated = c.call("POST", "/clients/" + id + "/secret", Optional.empty());
        if (!rotated.ok()) {
          c.after(rotated, page, "saved");
          return;
        }
        ObjectNode data = AdminApi.json().createObjectNode();
        data.set("client", c.call("GET", "/clients/" + id, Optional.empty()).document());
        c.render(
            200,
            "admin/client.jte",
            id,
            "clients",
            data,
            rotated.document().path("secret").asText(),
            "");
      }
      case "delete" -> {
        AdminApi.Result deleted = c.call("DELETE", "/clients/" + id, Optional.empty());
        c.after(deleted, deleted.ok() ? "/admin/clients" : page, "deleted");
      }
      default -> errors.render(c.exchange, SafeMessage.NOT_FOUND);
    }
  }

  private static ObjectNode settings(Context c) {
    ObjectNode body = AdminApi.json().createObjectNode();
    if (!c.form("name").isEmpty()) {
      body.put("name", c.form("name"));
    }
    lines(body.putArray("redirect_uris"), c.form("redirect_uris"));
    lines(body.putArray("post_logout_redirect_uris"), c.form("post_logout_redirect_uris"));
    ArrayNode grants = body.putArray("grant_types");
    for (String grant : List.of("authorization_code", "refresh_token", "client_credentials")) {
      if (c.form("grant_" + grant).equals("on")) {
        grants.add(grant);
      }
    }
    words(body.putArray("scopes"), c.form("scopes"));
    names(body.putArray("allowed_groups"), c.form("allowed_groups"));
    words(body.putArray("audiences"), c.form("audiences"));
    body.put("consent", c.form("consent").isEmpty() ? "required" : c.form("consent"));
    body.put("disabled", c.form("disabled").equals("on"));
    for (String lifetime :
        List.of("access_token_lifetime", "refresh_token_lifetime", "refresh_reuse_grace")) {
      String value = c.form(lifetime);
      if (value.matches("[0-9]{1,9}")) {
        body.put(lifetime, Long.parseLong(value));
      } else if (!value.isEmpty()) {
        body.put(lifetime, value); // Refused by the API with its own words.
      }
    }
    if (c.exchange.form("backchannel_logout_uri").isPresent()) {
      body.put("backchannel_logout_uri", c.form("backchannel_logout_uri"));
    }
    if (c.exchange.form("home_url").isPresent()) {
      body.put("home_url", c.form("home_url"));
    }
    for (String choice :
        List.of("signing_alg", "access_token_signing_alg", "access_token_format")) {
      if (!c.form(choice).isEmpty()) {
        body.put(choice, c.form(choice));
      }
    }
    return body;
  }

  // Roles and claims.

  private void roles(Context c, String[] parts, boolean post) {
    if (parts.length == 1 && !post) {
      ObjectNode data = document(c.call("GET", "/roles", Optional.empty()));
      data.set("groups", document(c.call("GET", "/groups", Optional.empty())));
      c.render(200, "admin/roles.jte", "Roles and claims", "roles", data, "", c.problem());
      return;
    }
    if (parts.length != 2 || !post) {
      errors.render(c.exchange, SafeMessage.NOT_FOUND);
      return;
    }
    String role = segment(c.form("role"));
    ObjectNode body = AdminApi.json().createObjectNode();
    switch (parts[1]) {
      case "create" -> {
        body.put("name", c.form("name"));
        c.after(c.call("POST", "/roles", Optional.of(body)), "/admin/roles", "created");
      }
      case "delete" ->
          c.after(c.call("DELETE", "/roles/" + role, Optional.empty()), "/admin/roles", "deleted");
      case "rename" -> {
        body.put("name", c.form("name"));
        c.after(c.call("PATCH", "/roles/" + role, Optional.of(body)), "/admin/roles", "renamed");
      }
      case "grant", "revoke" ->
          c.after(
              c.call(
                  parts[1].equals("grant") ? "PUT" : "DELETE",
                  "/roles/" + role + "/groups/" + segment(c.form("group")),
                  Optional.empty()),
              "/admin/roles",
              parts[1].equals("grant") ? "added" : "removed");
      case "set-claim" -> {
        body.put("value", c.form("value"));
        c.after(
            c.call(
                "PUT", "/roles/" + role + "/claims/" + segment(c.form("claim")), Optional.of(body)),
            "/admin/roles",
            "saved");
      }
      case "unset-claim" ->
          c.after(
              c.call(
                  "DELETE",
                  "/roles/" + role + "/claims/" + segment(c.form("claim")),
                  Optional.empty()),
              "/admin/roles",
              "removed");
      default -> errors.render(c.exchange, SafeMessage.NOT_FOUND);
    }
  }

  // The mail queue.

  private void mail(Context c, String[] parts, boolean post) {
    if (parts.length == 1 && !post) {
      AdminApi.Result list = c.call("GET", "/mail?limit=200", Optional.empty());
      c.render(200, "admin/mail.jte", "Mail queue", "mail", document(list), "", c.problem());
      return;
    }
    if (parts.length == 2 && post && parts[1].equals("retry")) {
      c.after(c.call("POST", "/mail/retry", Optional.empty()), "/admin/mail", "queued");
      return;
    }
    errors.render(c.exchange, SafeMessage.NOT_FOUND);
  }

  // The access rules and "who may reach this URL?".

  private void access(Context c, String[] parts, boolean post) {
    if (parts.length != 1) {
      errors.render(c.exchange, SafeMessage.NOT_FOUND);
      return;
    }
    ObjectNode data = document(c.call("GET", "/access/rules", Optional.empty()));
    String error = "";
    if (post) {
      ObjectNode body = AdminApi.json().createObjectNode();
      body.put("url", c.form("url"));
      if (!c.form("user").isEmpty()) {
        body.put("user", c.form("user"));
      }
      if (!c.form("method").isEmpty()) {
        body.put("method", c.form("method"));
      }
      if (!c.form("client_address").isEmpty()) {
        body.put("client_address", c.form("client_address"));
      }
      body.put("two_factor", c.form("two_factor").equals("on"));
      AdminApi.Result result = c.call("POST", "/access/check", Optional.of(body));
      if (result.ok()) {
        data.set("check", result.document());
      } else {
        error = result.problem();
      }
      data.set("asked", body);
    }
    c.render(200, "admin/access.jte", "Access rules", "access", data, "", error);
  }

  // Sessions and the audit trail.

  private void sessionsPage(Context c, String[] parts, boolean post) {
    if (parts.length == 1 && !post) {
      AdminApi.Result list = c.call("GET", "/sessions", Optional.empty());
      c.render(200, "admin/sessions.jte", "Sessions", "sessions", document(list), "", c.problem());
      return;
    }
    if (parts.length == 3 && post && parts[2].equals("end")) {
      c.after(
          c.call("DELETE", "/sessions/" + parts[1], Optional.empty()), "/admin/sessions", "ended");
      return;
    }
    errors.render(c.exchange, SafeMessage.NOT_FOUND);
  }

  private void audit(Context c, String[] parts, boolean post) {
    if (parts.length != 1 || post) {
      errors.render(c.exchange, SafeMessage.NOT_FOUND);
      return;
    }
    StringBuilder query = new StringBuilder("/audit?limit=100");
    for (String field : List.of("user", "kind", "cursor")) {
      if (!c.query(field).isEmpty()) {
        query
            .append('&')
            .append(field)
            .append('=')
            .append(URLEncoder.encode(c.query(field), StandardCharsets.UTF_8));
      }
    }
    AdminApi.Result page = c.call("GET", query.toString(), Optional.empty());
    ObjectNode data = document(page);
    data.put("user", c.query("user"));
    data.put("kind", c.query("kind"));
    c.render(200, "admin/audit.jte", "Audit trail", "audit", data, "", problemOf(page));
  }

  private static ObjectNode document(AdminApi.Result result) {
    if (result.ok() && result.document() instanceof ObjectNode node) {
      return node.deepCopy();
    }
    ObjectNode empty = AdminApi.json().createObjectNode();
    empty.putArray("items");
    empty.putNull("next_cursor");
    return empty;
  }

  private static String problemOf(AdminApi.Result result) {
    return result.ok() ? "" : result.problem();
  }

  /** A value as one path segment of an in-process API call (decoded there, never by Jetty). */
  private static String segment(String value) {
    // A path segment: a space is %20 ('+' is a plus sign in a path, and URLEncoder writes a plus
    // sign as %2B).
    return value.isEmpty()
        ? "-"
        : URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private static void words(ArrayNode array, String text) {
    for (String word : text.split("[\\s,]+")) {
      if (!word.isEmpty()) {
        array.add(word);
      }
    }
  }

  /**
   * Group names, comma-separated: a group's name may hold spaces (an upstream provider's often
   * does), never a comma.
   */
  private static void names(ArrayNode array, String text) {
    for (String name : text.split("[,\\r\\n]+")) {
      if (!name.isBlank()) {
        array.add(name.strip());
      }
    }
  }

  private static void lines(ArrayNode array, String text) {
    for (String line : text.split("\\R")) {
      if (!line.isBlank()) {
        array.add(line.strip());
      }
    }
  }

  /** The fields of a JSON object, in order (for templates). */
  public static List<java.util.Map.Entry<String, JsonNode>> fields(JsonNode object) {
    List<java.util.Map.Entry<String, JsonNode>> out = new ArrayList<>();
    out.addAll(object.properties());
    return out;
  }

  /** Words of a list for a text field. */
  public static String joined(JsonNode array, String separator) {
    List<String> out = new ArrayList<>();
    array.forEach(item -> out.add(item.asText()));
    return String.join(separator, out);
  }

  /** A timestamp for people: minutes, UTC. */
  public static String when(JsonNode instant) {
    if (instant == null || instant.isNull() || instant.asText().isEmpty()) {
      return "never";
    }
    String text = instant.asText();
    return text.length() >= 16
        ? text.substring(0, 10) + " " + text.substring(11, 16) + " UTC"
        : text;
  }

  /** Lower-case kind of a key or the like, for display. */
  public static String lower(String text) {
    return text.toLowerCase(Locale.ROOT);
  }
}
