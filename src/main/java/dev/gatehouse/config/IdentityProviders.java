package dev.gatehouse.config;

import static dev.gatehouse.config.Nodes.bool;
import static dev.gatehouse.config.Nodes.error;
import static dev.gatehouse.config.Nodes.list;
import static dev.gatehouse.config.Nodes.text;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.kernel.Secret;
import dev.gatehouse.signin.upstream.UpstreamProvider;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Parses {@code identity-providers}: upstream OpenID Connect providers users may sign in through.
 * The client secret comes from {@code client-secret-file}, never the file itself. Every mistake
 * names the provider and field.
 */
public final class IdentityProviders {
  private static final Set<String> FIELDS =
      Set.of(
          "id",
          "name",
          "issuer",
          "client-id",
          "client-secret-file",
          "scopes",
          "registration",
          "domains",
          "trust-email",
          "trust-mfa",
          "username-claim",
          "email-claim",
          "name-claim",
          "groups-claim",
          "allowed-groups",
          "end-session",
          "drop-missing-groups",
          "type",
          "authorization-endpoint",
          "token-endpoint",
          "userinfo-endpoint",
          "subject-claim");

  private IdentityProviders() {}

  static List<UpstreamProvider> parse(JsonNode providers, GatehouseConfig.Registration defaults) {
    if (providers.isNull() || providers.isMissingNode()) {
      return List.of();
    }
    if (!providers.isArray()) {
      throw error("identity-providers", providers.toString(), "must be a list of providers");
    }
    List<UpstreamProvider> parsed = new ArrayList<>();
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < providers.size(); i++) {
      String where = "identity-providers[" + i + "]";
      UpstreamProvider provider = provider(where, providers.get(i), defaults);
      if (!ids.add(provider.id())) {
        throw error(where + ".id", provider.id(), "every provider needs its own id");
      }
      parsed.add(provider);
    }
    return List.copyOf(parsed);
  }

  /**
   * A provider added at run time: {@code definition} is its mapping as in {@code gatehouse.yml}
   * without {@code client-secret-file}, {@code secret} its client secret. Checked by the same rules
   * as a configured one; a {@link ConfigException} names the field that is wrong.
   */
  public static UpstreamProvider fromDefinition(
      JsonNode definition, Secret secret, GatehouseConfig.Registration defaults) {
    if (definition.has("client-secret-file")) {
      throw error("client-secret-file", "", "is not stored; the secret is sealed apart");
    }
    return provider("identity provider", definition, defaults, java.util.Optional.of(secret));
  }

  private static UpstreamProvider provider(
      String where, JsonNode node, GatehouseConfig.Registration defaults) {
    return provider(where, node, defaults, java.util.Optional.empty());
  }

  private static UpstreamProvider provider(
      String where,
      JsonNode node,
      GatehouseConfig.Registration defaults,
      java.util.Optional<Secret> given) {
    if (!node.isObject()) {
      throw error(where, node.toString(), "must be a mapping with id, issuer and client-id");
    }
    for (Map.Entry<String, JsonNode> field : node.properties()) {
      if (!FIELDS.contains(field.getKey())) {
        throw ConfigException.unknownField(
            where + "." + field.getKey(), "use " + String.join(", ", new TreeSet<>(FIELDS)));
      }
    }
    String id = text(node, "id", "").toLowerCase(Locale.ROOT);
    if (!id.matches("[a-z0-9][a-z0-9-]{0,31}")) {
      throw error(where + ".id", id, "must be 1 to 32 of a-z, 0-9 and '-' (it is part of a URL)");
    }
    String type = text(node, "type", "oidc").toLowerCase(Locale.ROOT);
    if (!type.equals("oidc") && !type.equals("oauth2")) {
      throw error(where + ".type", type, "must be oidc or oauth2 (plain OAuth 2, GitHub-style)");
    }
    java.util.Optional<UpstreamProvider.OAuth2> oauth2 = java.util.Optional.empty();
    if (type.equals("oauth2")) {
      oauth2 =
          java.util.Optional.of(
              new UpstreamProvider.OAuth2(
                  endpoint(where, node, "authorization-endpoint"),
                  endpoint(where, node, "token-endpoint"),
                  endpoint(where, node, "userinfo-endpoint")));
    }
    String issuerText =
        text(
            node,
            "issuer",
            oauth2
                .map(o -> o.authorization().getScheme() + "://" + o.authorization().getAuthority())
                .orElse(""));
    if (!issuerText.matches(
        "https://[^\\s?#@]+|http://(localhost|127\\.0\\.0\\.1)(:[0-9]{1,5})?(/[^\\s?#]*)?")) {
      throw error(
          where + ".issuer",
          issuerText,
          "must be the provider's https issuer URL, e.g. https://accounts.google.com"
              + " (plain http only for localhost)");
    }
    String clientId = text(node, "client-id", "");
    if (clientId.isEmpty()) {
      throw error(where + ".client-id", "", "the client id Gatehouse has at the provider");
    }
    String file = text(node, "client-secret-file", "");
    Secret secret;
    try {
      // From a file: re-read whenever it changes, so a rotated secret needs no restart.
      secret =
          given.isPresent()
              ? given.get()
              : file.isEmpty() ? Secret.of("") : Secret.fromFile(Path.of(file));
    } catch (java.io.UncheckedIOException e) {
      throw error(where + ".client-secret-file", file, "must be a readable file");
    }
    if (secret.reveal().strip().isEmpty()) {
      throw error(
          where + ".client-secret-file",
          file,
          "must name a file holding the client secret Gatehouse has at the provider");
    }
    List<String> scopes =
        list(
            where,
            node,
            "scopes",
            oauth2.isPresent() ? List.of() : List.of("openid", "profile", "email"));
    if (oauth2.isEmpty() && !scopes.contains("openid")) {
      throw error(where + ".scopes", String.join(" ", scopes), "must include openid");
    }
    String registration =
        text(node, "registration", defaults.policy().name()).toLowerCase(Locale.ROOT);
    UpstreamProvider.Accounts accounts =
        switch (registration) {
          case "closed", "invite" -> UpstreamProvider.Accounts.EXISTING;
          case "open" -> UpstreamProvider.Accounts.OPEN;
          case "domains" -> UpstreamProvider.Accounts.DOMAINS;
          default ->
              throw error(
                  where + ".registration", registration, "must be closed, invite, open or domains");
        };
    List<String> domains = new ArrayList<>();
    for (String domain : list(where, node, "domains", defaults.domains())) {
      domains.add(domain.toLowerCase(Locale.ROOT));
    }
    if (accounts == UpstreamProvider.Accounts.DOMAINS && domains.isEmpty()) {
      throw error(
          where + ".domains", "[]", "must list at least one domain under registration: domains");
    }
    return new UpstreamProvider(
        id,
        dev.gatehouse.kernel.Printable.of(text(node, "name", id), 64),
        URI.create(issuerText),
        clientId,
        secret,
        scopes,
        accounts,
        domains,
        bool(where, node, "trust-email", false),
        bool(where, node, "trust-mfa", false),
        text(node, "username-claim", "preferred_username"),
        text(node, "email-claim", "email"),
        text(node, "name-claim", "name"),
        text(node, "groups-claim", ""),
        list(where, node, "allowed-groups", List.of()),
        bool(where, node, "end-session", false),
        bool(where, node, "drop-missing-groups", false),
        oauth2,
        text(node, "subject-claim", oauth2.isPresent() ? "id" : "sub"));
  }

  private static URI endpoint(String where, JsonNode node, String field) {
    String value = text(node, field, "");
    if (!value.matches(
        "https://[^\\s#]+|http://(localhost|127\\.0\\.0\\.1)(:[0-9]{1,5})?(/[^\\s#]*)?")) {
      throw error(
          where + "." + field,
          value,
          "a plain OAuth 2 provider (type: oauth2) needs its https " + field);
    }
    return URI.create(value);
  }
}
