package dev.gatehouse.app;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.oidc.Client;
import dev.gatehouse.oidc.Clients;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code gatehouse client add|list|show|update|delete|rotate-secret}: OAuth / OIDC clients kept in
 * the database. Clients of the configuration file are listed too but changed only there.
 */
@Command(name = "client", description = "Manage OpenID Connect / OAuth clients.")
final class ClientCommand {
  @ParentCommand Main main;

  /** Settings shared by add and update; for update, only what is given changes. */
  static final class Settings {
    @Option(names = "--name", description = "What users see on the consent page.")
    Optional<String> name = Optional.empty();

    @Option(
        names = "--redirect-uri",
        paramLabel = "URI",
        description = "Exact redirect URI (repeatable).")
    List<String> redirectUris;

    @Option(
        names = "--grant",
        paramLabel = "TYPE",
        description =
            "authorization_code, refresh_token or client_credentials (repeatable; default the"
                + " first two).")
    List<String> grants;

    @Option(
        names = "--scope",
        paramLabel = "SCOPE",
        description =
            "A scope it may get (repeatable; default openid profile email groups"
                + " offline_access).")
    List<String> scopes;

    @Option(
        names = "--allowed-group",
        paramLabel = "GROUP",
        description = "Only members of these groups may sign in to it (repeatable).")
    List<String> allowedGroups;

    @Option(
        names = "--group",
        paramLabel = "GROUP",
        description = "The client's own groups, for client_credentials (repeatable).")
    List<String> groups;

    @Option(
        names = "--audience",
        paramLabel = "URI",
        description =
            "A resource its tokens may be for, e.g. https://api.example.com (repeatable).")
    List<String> audiences;

    @Option(names = "--consent", paramLabel = "required|trusted", description = "Default required.")
    Optional<String> consent = Optional.empty();

    @Option(
        names = "--pkce",
        paramLabel = "required|optional",
        description = "Default required; public clients always require it.")
    Optional<String> pkce = Optional.empty();

    @Option(
        names = "--access-token-lifetime",
        paramLabel = "DURATION",
        description = "Default 10m.")
    Optional<String> accessLifetime = Optional.empty();

    @Option(
        names = "--refresh-token-lifetime",
        paramLabel = "DURATION",
        description = "Absolute; default 30d.")
    Optional<String> refreshLifetime = Optional.empty();

    @Option(
        names = "--refresh-reuse-grace",
        paramLabel = "DURATION",
        description =
            "How long a just-rotated refresh token may be used again (several tabs or workers"
                + " refreshing at once) and answered with fresh tokens instead of ending the grant;"
                + " 0s to 60s, default 0s (strict).")
    Optional<String> reuseGrace = Optional.empty();

    @Option(names = "--backchannel-logout-uri", paramLabel = "URI")
    Optional<String> backchannelLogoutUri = Optional.empty();

    @Option(names = "--post-logout-redirect-uri", paramLabel = "URI", description = "Repeatable.")
    List<String> postLogoutRedirectUris;

    @Option(
        names = "--signing-alg",
        paramLabel = "ES256|RS256",
        description = "ID-token signature; default RS256 (what most relying parties expect).")
    Optional<String> signingAlg = Optional.empty();

    @Option(
        names = "--access-token-alg",
        paramLabel = "ES256|RS256|EdDSA",
        description =
            "Signature of JWT access tokens: what the resource servers verify; default ES256.")
    Optional<String> accessTokenAlg = Optional.empty();

    @Option(
        names = "--access-token-format",
        paramLabel = "jwt|opaque",
        description =
            "jwt (default; verifiable offline) or opaque (a gat_ reference only Gatehouse resolves:"
                + " forward-auth, introspection, userinfo; nothing to sign).")
    Optional<String> accessTokenFormat = Optional.empty();

    /** The options given, as the admin API's client fields (what is not given stays out). */
    com.fasterxml.jackson.databind.node.ObjectNode json() {
      var body = RemoteAdmin.object();
      name.ifPresent(v -> body.put("name", v));
      array(body, "redirect_uris", redirectUris);
      array(body, "grant_types", grants);
      array(body, "scopes", scopes);
      array(body, "allowed_groups", allowedGroups);
      array(body, "groups", groups);
      array(body, "audiences", audiences);
      array(body, "post_logout_redirect_uris", postLogoutRedirectUris);
      consent.ifPresent(v -> body.put("consent", consent(v).name().toLowerCase(Locale.ROOT)));
      pkce.ifPresent(v -> body.put("require_pkce", pkce(v)));
      accessLifetime.ifPresent(
          d ->
              body.put(
                  "access_token_lifetime",
                  ApiKeyCommand.duration("--access-token-lifetime", d).toSeconds()));
      refreshLifetime.ifPresent(
          d ->
              body.put(
                  "refresh_token_lifetime",
                  ApiKeyCommand.duration("--refresh-token-lifetime", d).toSeconds()));
      reuseGrace.ifPresent(
          d ->
              body.put(
                  "refresh_reuse_grace",
                  ApiKeyCommand.duration("--refresh-reuse-grace", d).toSeconds()));
      backchannelLogoutUri.ifPresent(
          v -> {
            if (v.isEmpty()) {
              body.putNull("backchannel_logout_uri");
            } else {
              body.put("backchannel_logout_uri", v);
            }
          });
      signingAlg.ifPresent(v -> body.put("signing_alg", v.toUpperCase(Locale.ROOT)));
      accessTokenAlg.ifPresent(v -> body.put("access_token_signing_alg", v));
      accessTokenFormat.ifPresent(v -> body.put("access_token_format", v));
      return body;
    }

    private static void array(
        com.fasterxml.jackson.databind.node.ObjectNode body, String field, List<String> values) {
      if (values != null) {
        var array = body.putArray(field);
        new LinkedHashSet<>(values).forEach(array::add);
      }
    }
  }

  @Command(
      name = "add",
      description = "Add a client; a confidential client's secret is shown once.")
  int add(
      @Parameters(paramLabel = "CLIENT_ID") String id,
      @Mixin Settings s,
      @Option(
              names = "--public",
              description = "A browser or native app without a secret (PKCE required).")
          boolean isPublic) {
    Optional<RemoteAdmin> remote = main.remote();
    if (remote.isPresent()) {
      var body = s.json();
      body.put("id", id);
      body.put("public", isPublic);
      JsonNode created = remote.get().send("POST", "/clients", Optional.of(body));
      System.out.println("created client " + created.path("id").asText());
      if (created.path("secret").isTextual()) {
        System.out.println("client secret (shown once; store it in the app now):");
        System.out.println("  " + created.path("secret").asText());
      }
      print(created);
      return 0;
    }
    Client draft =
        new Client(
            id,
            s.name.orElse(id),
            Optional.empty(),
            list(s.redirectUris, List.of()),
            grants(list(s.grants, List.of("authorization_code", "refresh_token"))),
            Set.copyOf(list(s.scopes, Clients.STANDARD_SCOPES)),
            Set.copyOf(list(s.allowedGroups, List.of())),
            Set.copyOf(list(s.groups, List.of())),
            Set.copyOf(list(s.audiences, List.of())),
            consent(s.consent.orElse("required")),
            isPublic || pkce(s.pkce.orElse("required")),
            s.accessLifetime
                .map(d -> ApiKeyCommand.duration("--access-token-lifetime", d))
                .orElse(Duration.ofMinutes(10)),
            s.refreshLifetime
                .map(d -> ApiKeyCommand.duration("--refresh-token-lifetime", d))
                .orElse(Duration.ofDays(30)),
            s.reuseGrace
                .map(d -> ApiKeyCommand.duration("--refresh-reuse-grace", d))
                .orElse(Duration.ZERO),
            s.backchannelLogoutUri,
            list(s.postLogoutRedirectUris, List.of()),
            s.signingAlg.orElse("RS256").toUpperCase(Locale.ROOT),
            s.accessTokenAlg.map(ClientCommand::accessTokenAlg).orElse("ES256"),
            s.accessTokenFormat
                .map(ClientCommand::accessTokenFormat)
                .orElse(Client.AccessTokenFormat.JWT),
            false,
            false,
            "");
    try (Gatehouse gatehouse = main.open()) {
      Clients.Created created = gatehouse.clients().add(draft, !isPublic);
      System.out.println("created client " + created.client().id());
      created
          .secret()
          .ifPresent(
              secret -> {
                System.out.println("client secret (shown once; store it in the app now):");
                System.out.println("  " + secret);
              });
      print(created.client());
    }
    return 0;
  }

  @Command(name = "list", description = "List clients.")
  int list() {
    System.out.printf(
        "%-24s %-12s %-8s %-7s %s%n", "CLIENT ID", "TYPE", "STATE", "SOURCE", "GRANTS");
    Optional<RemoteAdmin> remote = main.remote();
    if (remote.isPresent()) {
      for (JsonNode client : remote.get().get("/clients").path("items")) {
        System.out.printf(
            "%-24s %-12s %-8s %-7s %s%n",
            client.path("id").asText(),
            client.path("public").asBoolean() ? "public" : "confidential",
            client.path("disabled").asBoolean() ? "disabled" : "enabled",
            client.path("from_config").asBoolean() ? "config" : "cli",
            String.join(" ", new TreeSet<>(strings(client.path("grant_types")))));
      }
      return 0;
    }
    try (Gatehouse gatehouse = main.open()) {
      for (Client client : gatehouse.clients().list()) {
        System.out.printf(
            "%-24s %-12s %-8s %-7s %s%n",
            client.id(),
            client.isPublic() ? "public" : "confidential",
            client.disabled() ? "disabled" : "enabled",
            client.fromConfig() ? "config" : "cli",
            String.join(
                " ", client.grantTypes().stream().map(Client.GrantType::value).sorted().toList()));
      }
    }
    return 0;
  }

  @Command(name = "show", description = "Show a client's settings (never its secret).")
  int show(@Parameters(paramLabel = "CLIENT_ID") String id) {
    Optional<RemoteAdmin> remote = main.remote();
    if (remote.isPresent()) {
      print(remote.get().get(path(id)));
      return 0;
    }
    try (Gatehouse gatehouse = main.open()) {
      print(require(gatehouse, id));
    }
    return 0;
  }

  @Command(name = "update", description = "Change a stored client; options not given stay.")
  int update(
      @Parameters(paramLabel = "CLIENT_ID") String id,
      @Mixin Settings s,
      @Option(names = "--disable", description = "Refuse it and revoke its tokens.")
          boolean disable,
      @Option(names = "--enable", description = "Accept it again.") boolean enable) {
    if (disable && enable) {
      throw new Main.CliException("give --disable or --enable, not both");
    }
    Optional<RemoteAdmin> remote = main.remote();
    if (remote.isPresent()) {
      var body = s.json();
      if (disable || enable) {
        body.put("disabled", disable);
      }
      remote.get().send("PATCH", path(id), Optional.of(body));
      System.out.println((disable ? "disabled client " : "updated client ") + id);
      return 0;
    }
    try (Gatehouse gatehouse = main.open()) {
      Client c = require(gatehouse, id);
      Client changed =
          new Client(
              c.id(),
              s.name.orElse(c.name()),
              c.secretHash(),
              list(s.redirectUris, c.redirectUris()),
              s.grants == null ? c.grantTypes() : grants(s.grants),
              s.scopes == null ? c.scopes() : Set.copyOf(s.scopes),
              s.allowedGroups == null ? c.allowedGroups() : Set.copyOf(s.allowedGroups),
              s.groups == null ? c.groups() : Set.copyOf(s.groups),
              s.audiences == null ? c.audiences() : Set.copyOf(s.audiences),
              s.consent.map(ClientCommand::consent).orElse(c.consent()),
              c.isPublic() || s.pkce.map(ClientCommand::pkce).orElse(c.requirePkce()),
              s.accessLifetime
                  .map(d -> ApiKeyCommand.duration("--access-token-lifetime", d))
                  .orElse(c.accessTokenLifetime()),
              s.refreshLifetime
                  .map(d -> ApiKeyCommand.duration("--refresh-token-lifetime", d))
                  .orElse(c.refreshTokenLifetime()),
              s.reuseGrace
                  .map(d -> ApiKeyCommand.duration("--refresh-reuse-grace", d))
                  .orElse(c.refreshReuseGrace()),
              s.backchannelLogoutUri.isPresent()
                  ? s.backchannelLogoutUri.filter(u -> !u.isEmpty())
                  : c.backchannelLogoutUri(),
              list(s.postLogoutRedirectUris, c.postLogoutRedirectUris()),
              s.signingAlg.map(a -> a.toUpperCase(Locale.ROOT)).orElse(c.signingAlg()),
              s.accessTokenAlg.map(ClientCommand::accessTokenAlg).orElse(c.accessTokenAlg()),
              s.accessTokenFormat
                  .map(ClientCommand::accessTokenFormat)
                  .orElse(c.accessTokenFormat()),
              disable || (!enable && c.disabled()),
              false,
              c.homeUrl());
      gatehouse.clients().update(changed);
      if (disable) {
        int revoked = gatehouse.tokenStore().revokeClient(id, gatehouse.clock().instant());
        System.out.println("disabled client " + id + "; revoked " + revoked + " tokens");
      } else {
        System.out.println("updated client " + id);
      }
    }
    return 0;
  }

  @Command(name = "delete", description = "Delete a stored client and every token it holds.")
  int delete(@Parameters(paramLabel = "CLIENT_ID") String id) {
    Optional<RemoteAdmin> remote = main.remote();
    if (remote.isPresent()) {
      remote.get().send("DELETE", path(id), Optional.empty());
      System.out.println("deleted client " + id);
      return 0;
    }
    try (Gatehouse gatehouse = main.open()) {
      gatehouse.clients().delete(id);
      System.out.println("deleted client " + id);
    }
    return 0;
  }

  @Command(
      name = "rotate-secret",
      description = "Give a confidential client a new secret (shown once); the old one stops.")
  int rotateSecret(@Parameters(paramLabel = "CLIENT_ID") String id) {
    Optional<RemoteAdmin> remote = main.remote();
    if (remote.isPresent()) {
      String secret =
          remote
              .get()
              .send("POST", path(id) + "/secret", Optional.of(RemoteAdmin.object()))
              .path("secret")
              .asText();
      System.out.println("new secret of " + id + " (shown once):");
      System.out.println("  " + secret);
      return 0;
    }
    try (Gatehouse gatehouse = main.open()) {
      String secret = gatehouse.clients().rotateSecret(id);
      System.out.println("new secret of " + id + " (shown once):");
      System.out.println("  " + secret);
    }
    return 0;
  }

  private static Client require(Gatehouse gatehouse, String id) {
    return gatehouse
        .clients()
        .find(id)
        .orElseThrow(() -> new Main.CliException("no client with id " + id));
  }

  private static void print(Client c) {
    print(dev.gatehouse.web.admin.AdminApi.clientDocument(c));
  }

  private static String path(String id) {
    return "/clients/" + RemoteAdmin.encode(id);
  }

  private static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(v -> out.add(v.asText()));
    return out;
  }

  /** A client as the admin API describes it (the local commands print the same document). */
  private static void print(JsonNode c) {
    System.out.println(
        "  id:                "
            + c.path("id").asText()
            + (c.path("from_config").asBoolean() ? " (configuration file)" : ""));
    System.out.println("  name:              " + c.path("name").asText());
    System.out.println(
        "  type:              " + (c.path("public").asBoolean() ? "public" : "confidential"));
    System.out.println(
        "  state:             " + (c.path("disabled").asBoolean() ? "disabled" : "enabled"));
    System.out.println(
        "  grants:            " + String.join(" ", new TreeSet<>(strings(c.path("grant_types")))));
    System.out.println(
        "  redirect URIs:     " + String.join(" ", strings(c.path("redirect_uris"))));
    System.out.println(
        "  scopes:            " + String.join(" ", new TreeSet<>(strings(c.path("scopes")))));
    System.out.println(
        "  allowed groups:    " + orAnyone(new TreeSet<>(strings(c.path("allowed_groups")))));
    System.out.println(
        "  own groups:        " + String.join(" ", new TreeSet<>(strings(c.path("groups")))));
    System.out.println(
        "  audiences:         " + String.join(" ", new TreeSet<>(strings(c.path("audiences")))));
    System.out.println("  consent:           " + c.path("consent").asText());
    System.out.println(
        "  PKCE:              " + (c.path("require_pkce").asBoolean() ? "required" : "optional"));
    System.out.println(
        "  access tokens:     " + Duration.ofSeconds(c.path("access_token_lifetime").asLong()));
    System.out.println(
        "  refresh tokens:    "
            + Duration.ofSeconds(c.path("refresh_token_lifetime").asLong())
            + " (absolute)");
    long grace = c.path("refresh_reuse_grace").asLong();
    System.out.println(
        "  refresh reuse:     "
            + (grace == 0
                ? "strict (a reused refresh token ends the grant)"
                : "grace " + grace + "s (a reuse that soon gets the same successor)"));
    System.out.println(
        "  back-channel URI:  "
            + (c.path("backchannel_logout_uri").isTextual()
                ? c.path("backchannel_logout_uri").asText()
                : "-"));
    System.out.println(
        "  post-logout URIs:  " + String.join(" ", strings(c.path("post_logout_redirect_uris"))));
    System.out.println("  ID token alg:      " + c.path("signing_alg").asText());
    System.out.println(
        "  token format:      "
            + (c.path("access_token_format").asText().equals("opaque")
                ? "opaque (gat_ references, resolved only by Gatehouse)"
                : "JWT, " + c.path("access_token_signing_alg").asText()));
  }

  private static String orAnyone(Set<String> groups) {
    return groups.isEmpty() ? "(anyone)" : String.join(" ", new TreeSet<>(groups));
  }

  private static List<String> list(List<String> given, List<String> fallback) {
    return given == null ? List.copyOf(fallback) : List.copyOf(new LinkedHashSet<>(given));
  }

  private static Set<Client.GrantType> grants(List<String> names) {
    List<Client.GrantType> out = new ArrayList<>();
    for (String name : names) {
      out.add(
          Client.GrantType.of(name)
              .orElseThrow(
                  () ->
                      new Main.CliException(
                          "--grant "
                              + name
                              + " must be authorization_code, refresh_token or client_credentials")));
    }
    return Set.copyOf(out);
  }

  private static String accessTokenAlg(String value) {
    return Client.accessTokenAlgorithm(value)
        .orElseThrow(
            () -> new Main.CliException("--access-token-alg must be ES256, RS256 or EdDSA"));
  }

  private static Client.AccessTokenFormat accessTokenFormat(String value) {
    return Client.AccessTokenFormat.of(value)
        .orElseThrow(() -> new Main.CliException("--access-token-format must be jwt or opaque"));
  }

  private static Client.Consent consent(String value) {
    return switch (value.toLowerCase(Locale.ROOT)) {
      case "required" -> Client.Consent.REQUIRED;
      case "trusted" -> Client.Consent.TRUSTED;
      default -> throw new Main.CliException("--consent must be required or trusted");
    };
  }

  private static boolean pkce(String value) {
    return switch (value.toLowerCase(Locale.ROOT)) {
      case "required" -> true;
      case "optional" -> false;
      default -> throw new Main.CliException("--pkce must be required or optional");
    };
  }
}
