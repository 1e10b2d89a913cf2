package dev.gatehouse.web.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.audit.AuditLog;
import dev.gatehouse.oidc.Client;
import dev.gatehouse.oidc.ClientException;
import dev.gatehouse.oidc.Clients;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * OAuth / OIDC clients in the admin API. The redaction rule: a client's secret is shown once, when
 * it is made or rotated; reading a client gives {@link #REDACTED} in its place, and a change that
 * sends {@link #REDACTED} back (a GET edited and PATCHed whole) leaves the secret as it is. A
 * secret changes only through {@code POST /clients/{id}/secret}. Thread-safe.
 */
final class ClientResources {
  /** What stands for a secret that exists. */
  static final String REDACTED = "[redacted]";

  private static final Set<String> SETTINGS =
      Set.of(
          "name",
          "redirect_uris",
          "post_logout_redirect_uris",
          "grant_types",
          "scopes",
          "allowed_groups",
          "groups",
          "audiences",
          "consent",
          "require_pkce",
          "access_token_lifetime",
          "refresh_token_lifetime",
          "refresh_reuse_grace",
          "backchannel_logout_uri",
          "signing_alg",
          "access_token_signing_alg",
          "access_token_format",
          "disabled",
          "home_url");

  /** Fields a GET shows that a change may send back only unchanged. */
  private static final Set<String> READ_ONLY = Set.of("id", "public", "secret", "from_config");

  private final Clients clients;
  private final AuditLog audit;
  private final java.util.function.ToIntFunction<String> revokeTokens;

  ClientResources(
      Clients clients, AuditLog audit, java.util.function.ToIntFunction<String> revokeTokens) {
    this.clients = clients;
    this.audit = audit;
    this.revokeTokens = revokeTokens;
  }

  void register(AdminApi api) {
    api.add("GET", "/clients", this::list)
        .add("POST", "/clients", this::create)
        .add("GET", "/clients/{id}", this::get)
        .add("PATCH", "/clients/{id}", this::patch)
        .add("DELETE", "/clients/{id}", this::delete)
        .add("POST", "/clients/{id}/secret", this::rotate);
  }

  private void list(AdminApi.Call call) {
    call.reply(200, Paging.all(clients.list(), ClientResources::client));
  }

  private void get(AdminApi.Call call) {
    call.reply(200, client(find(call.param("id"))));
  }

  private void create(AdminApi.Call call) {
    Set<String> allowed = new java.util.HashSet<>(SETTINGS);
    allowed.addAll(Set.of("id", "public"));
    JsonNode body = call.body(allowed);
    String id = DirectoryResources.text(body, "id").orElse("");
    boolean isPublic = DirectoryResources.bool(body, "public").orElse(false);
    Client draft =
        new Client(
            id,
            DirectoryResources.text(body, "name").orElse(id),
            Optional.empty(),
            strings(body, "redirect_uris").orElse(List.of()),
            grants(
                strings(body, "grant_types")
                    .orElse(List.of("authorization_code", "refresh_token"))),
            Set.copyOf(strings(body, "scopes").orElse(Clients.STANDARD_SCOPES)),
            Set.copyOf(strings(body, "allowed_groups").orElse(List.of())),
            Set.copyOf(strings(body, "groups").orElse(List.of())),
            Set.copyOf(strings(body, "audiences").orElse(List.of())),
            consent(DirectoryResources.text(body, "consent").orElse("required")),
            isPublic || DirectoryResources.bool(body, "require_pkce").orElse(true),
            seconds(body, "access_token_lifetime").orElse(Duration.ofMinutes(10)),
            seconds(body, "refresh_token_lifetime").orElse(Duration.ofDays(30)),
            seconds(body, "refresh_reuse_grace").orElse(Duration.ZERO),
            DirectoryResources.text(body, "backchannel_logout_uri").filter(u -> !u.isEmpty()),
            strings(body, "post_logout_redirect_uris").orElse(List.of()),
            DirectoryResources.text(body, "signing_alg").orElse("RS256").toUpperCase(Locale.ROOT),
            DirectoryResources.text(body, "access_token_signing_alg")
                .map(ClientResources::accessTokenAlg)
                .orElse("ES256"),
            DirectoryResources.text(body, "access_token_format")
                .map(ClientResources::accessTokenFormat)
                .orElse(Client.AccessTokenFormat.JWT),
            DirectoryResources.bool(body, "disabled").orElse(false),
            false,
            DirectoryResources.text(body, "home_url").orElse(""));
    Clients.Created created;
    try {
      created = clients.add(draft, !isPublic);
    } catch (ClientException.Duplicate e) {
      throw new AdminApi.Problem(409, "conflict", "A client with this id already exists.");
    }
    audit.recordBy(
        call.caller().actor(),
        "client.created",
        Optional.empty(),
        "",
        call.clientAddress(),
        "client " + created.client().id());
    ObjectNode node = client(created.client());
    created.secret().ifPresent(secret -> node.put("secret", secret));
    call.reply(201, node);
  }

  private void patch(AdminApi.Call call) {
    Client current = find(call.param("id"));
    Set<String> allowed = new java.util.HashSet<>(SETTINGS);
    allowed.addAll(READ_ONLY);
    JsonNode body = call.body(allowed);
    // What a GET showed may come back unchanged; anything else there is not a setting.
    ObjectNode shown = client(current);
    for (String field : READ_ONLY) {
      if (body.has(field) && !body.get(field).equals(shown.get(field))) {
        throw new AdminApi.Problem(
            400,
            "read_only",
            field.equals("secret")
                ? "A secret changes only through POST /clients/{id}/secret."
                : field + " cannot be changed.");
      }
    }
    if (current.fromConfig()) {
      throw new AdminApi.Problem(
          409,
          "from_configuration",
          "This client is defined in the configuration file: change it there.");
    }
    Client changed =
        new Client(
            current.id(),
            DirectoryResources.text(body, "name").orElse(current.name()),
            current.secretHash(),
            strings(body, "redirect_uris").orElse(current.redirectUris()),
            strings(body, "grant_types").map(ClientResources::grants).orElse(current.grantTypes()),
            strings(body, "scopes").<Set<String>>map(Set::copyOf).orElse(current.scopes()),
            strings(body, "allowed_groups")
                .<Set<String>>map(Set::copyOf)
                .orElse(current.allowedGroups()),
            strings(body, "groups").<Set<String>>map(Set::copyOf).orElse(current.groups()),
            strings(body, "audiences").<Set<String>>map(Set::copyOf).orElse(current.audiences()),
            DirectoryResources.text(body, "consent")
                .map(ClientResources::consent)
                .orElse(current.consent()),
            current.isPublic()
                || DirectoryResources.bool(body, "require_pkce").orElse(current.requirePkce()),
            seconds(body, "access_token_lifetime").orElse(current.accessTokenLifetime()),
            seconds(body, "refresh_token_lifetime").orElse(current.refreshTokenLifetime()),
            seconds(body, "refresh_reuse_grace").orElse(current.refreshReuseGrace()),
            body.has("backchannel_logout_uri")
                ? DirectoryResources.text(body, "backchannel_logout_uri").filter(u -> !u.isEmpty())
                : current.backchannelLogoutUri(),
            strings(body, "post_logout_redirect_uris").orElse(current.postLogoutRedirectUris()),
            DirectoryResources.text(body, "signing_alg")
                .map(a -> a.toUpperCase(Locale.ROOT))
                .orElse(current.signingAlg()),
            DirectoryResources.text(body, "access_token_signing_alg")
                .map(ClientResources::accessTokenAlg)
                .orElse(current.accessTokenAlg()),
            DirectoryResources.text(body, "access_token_format")
                .map(ClientResources::accessTokenFormat)
                .orElse(current.accessTokenFormat()),
            DirectoryResources.bool(body, "disabled").orElse(current.disabled()),
            false,
            body.has("home_url")
                ? DirectoryResources.text(body, "home_url").orElse("")
                : current.homeUrl());
    Client saved = clients.update(changed);
    String detail = "client " + saved.id();
    if (saved.disabled() && !current.disabled()) {
      // Disabling a client that may have leaked ends what it holds: enabling it again must not
      // bring its old tokens back (as the CLI's `client update --disable`).
      detail += "; disabled, " + revokeTokens.applyAsInt(saved.id()) + " tokens revoked";
    } else if (!saved.disabled() && current.disabled()) {
      detail += "; enabled";
    }
    audit.recordBy(
        call.caller().actor(),
        "client.updated",
        Optional.empty(),
        "",
        call.clientAddress(),
        detail);
    call.reply(200, client(saved));
  }

  private void delete(AdminApi.Call call) {
    Client current = find(call.param("id"));
    if (current.fromConfig()) {
      throw new AdminApi.Problem(
          409,
          "from_configuration",
          "This client is defined in the configuration file: remove it there.");
    }
    clients.delete(current.id());
    audit.recordBy(
        call.caller().actor(),
        "client.deleted",
        Optional.empty(),
        "",
        call.clientAddress(),
        "client " + current.id());
    call.noContent();
  }

  private void rotate(AdminApi.Call call) {
    Client current = find(call.param("id"));
    if (current.fromConfig()) {
      throw new AdminApi.Problem(
          409,
          "from_configuration",
          "This client's secret is in the configuration (its secret file): change it there.");
    }
    if (current.isPublic()) {
      throw new AdminApi.Problem(409, "public_client", "A public client has no secret.");
    }
    String secret = clients.rotateSecret(current.id());
    audit.recordBy(
        call.caller().actor(),
        "client.secret-rotated",
        Optional.empty(),
        "",
        call.clientAddress(),
        "client " + current.id());
    ObjectNode node = AdminApi.json().createObjectNode();
    node.put("secret", secret);
    call.reply(200, node);
  }

  private Client find(String id) {
    return clients
        .find(id)
        .orElseThrow(() -> new AdminApi.Problem(404, "not_found", "No such client."));
  }

  static ObjectNode client(Client client) {
    ObjectNode node = AdminApi.json().createObjectNode();
    node.put("id", client.id());
    node.put("name", client.name());
    node.put("public", client.isPublic());
    if (client.isPublic()) {
      node.putNull("secret");
    } else {
      node.put("secret", REDACTED);
    }
    node.put("from_config", client.fromConfig());
    strings(node.putArray("redirect_uris"), client.redirectUris());
    strings(node.putArray("post_logout_redirect_uris"), client.postLogoutRedirectUris());
    strings(
        node.putArray("grant_types"),
        client.grantTypes().stream().map(Client.GrantType::value).toList());
    strings(node.putArray("scopes"), client.scopes());
    strings(node.putArray("allowed_groups"), client.allowedGroups());
    strings(node.putArray("groups"), client.groups());
    strings(node.putArray("audiences"), client.audiences());
    node.put("consent", client.consent().name().toLowerCase(Locale.ROOT));
    node.put("require_pkce", client.requirePkce());
    node.put("access_token_lifetime", client.accessTokenLifetime().toSeconds());
    node.put("refresh_token_lifetime", client.refreshTokenLifetime().toSeconds());
    node.put("refresh_reuse_grace", client.refreshReuseGrace().toSeconds());
    if (client.backchannelLogoutUri().isPresent()) {
      node.put("backchannel_logout_uri", client.backchannelLogoutUri().get());
    } else {
      node.putNull("backchannel_logout_uri");
    }
    node.put("signing_alg", client.signingAlg());
    node.put("access_token_signing_alg", client.accessTokenAlg());
    node.put("access_token_format", client.accessTokenFormat().value());
    if (client.homeUrl().isEmpty()) {
      node.putNull("home_url");
    } else {
      node.put("home_url", client.homeUrl());
    }
    node.put("disabled", client.disabled());
    return node;
  }

  private static void strings(ArrayNode array, Collection<String> values) {
    new TreeSet<>(values).forEach(array::add);
  }

  private static void strings(ArrayNode array, List<String> values) {
    values.forEach(array::add);
  }

  private static Optional<List<String>> strings(JsonNode body, String field) {
    return DirectoryResources.strings(body, field);
  }

  private static Optional<Duration> seconds(JsonNode body, String field) {
    JsonNode value = body.get(field);
    if (value == null || value.isNull()) {
      return Optional.empty();
    }
    if (!value.canConvertToLong() || !value.isIntegralNumber() || value.asLong() < 0) {
      throw new AdminApi.Problem(400, "invalid_value", field + " must be a number of seconds.");
    }
    return Optional.of(Duration.ofSeconds(value.asLong()));
  }

  private static Set<Client.GrantType> grants(List<String> names) {
    Set<Client.GrantType> out = new java.util.HashSet<>();
    for (String name : names) {
      out.add(
          Client.GrantType.of(name)
              .orElseThrow(
                  () ->
                      new AdminApi.Problem(
                          400,
                          "invalid_value",
                          "grant_types are authorization_code, refresh_token and"
                              + " client_credentials.")));
    }
    return Set.copyOf(out);
  }

  private static String accessTokenAlg(String value) {
    return Client.accessTokenAlgorithm(value)
        .orElseThrow(
            () ->
                new AdminApi.Problem(
                    400, "invalid_value", "access_token_signing_alg is ES256, RS256 or EdDSA."));
  }

  private static Client.AccessTokenFormat accessTokenFormat(String value) {
    return Client.AccessTokenFormat.of(value)
        .orElseThrow(
            () ->
                new AdminApi.Problem(
                    400, "invalid_value", "access_token_format is jwt or opaque."));
  }

  private static Client.Consent consent(String value) {
    return switch (value.toLowerCase(Locale.ROOT)) {
      case "required" -> Client.Consent.REQUIRED;
      case "trusted" -> Client.Consent.TRUSTED;
      default ->
          throw new AdminApi.Problem(400, "invalid_value", "consent is required or trusted.");
    };
  }
}
