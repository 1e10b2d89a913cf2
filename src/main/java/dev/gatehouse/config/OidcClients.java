package dev.gatehouse.config;

import static dev.gatehouse.config.Nodes.bool;
import static dev.gatehouse.config.Nodes.error;
import static dev.gatehouse.config.Nodes.list;
import static dev.gatehouse.config.Nodes.text;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.kernel.Tokens;
import dev.gatehouse.oidc.Client;
import dev.gatehouse.oidc.ClientException;
import dev.gatehouse.oidc.Clients;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Parses {@code oidc.clients}: clients defined in the configuration file (read-only at run time). A
 * confidential client's secret comes from {@code secret-file} or as {@code secret-sha256}; it is
 * never written in the file itself. Every mistake names the client and field.
 */
final class OidcClients {
  private static final Set<String> FIELDS =
      Set.of(
          "id",
          "name",
          "public",
          "secret-file",
          "secret-sha256",
          "redirect-uris",
          "grant-types",
          "scopes",
          "allowed-groups",
          "groups",
          "audiences",
          "consent",
          "require-pkce",
          "access-token-lifetime",
          "refresh-token-lifetime",
          "refresh-reuse-grace",
          "backchannel-logout-uri",
          "post-logout-redirect-uris",
          "signing-alg",
          "access-token-signing-alg",
          "access-token-format",
          "home-url",
          "disabled");

  /** Defaults shared with {@code gatehouse client add}. */
  static final List<String> DEFAULT_SCOPES = Clients.STANDARD_SCOPES;

  private OidcClients() {}

  /**
   * The secret files of the confidential clients that have one, by client id (run after {@link
   * #parse}, which has checked them): re-read whenever they change.
   */
  static java.util.Map<String, dev.gatehouse.kernel.Secret> secretFiles(JsonNode clients) {
    java.util.Map<String, dev.gatehouse.kernel.Secret> files = new java.util.HashMap<>();
    if (clients.isArray()) {
      for (JsonNode node : clients) {
        String file = text(node, "secret-file", "");
        if (!file.isEmpty()) {
          files.put(text(node, "id", ""), dev.gatehouse.kernel.Secret.fromFile(Path.of(file)));
        }
      }
    }
    return java.util.Map.copyOf(files);
  }

  static List<Client> parse(JsonNode clients) {
    if (clients.isNull() || clients.isMissingNode()) {
      return List.of();
    }
    if (!clients.isArray()) {
      throw error("oidc.clients", clients.toString(), "must be a list of clients");
    }
    List<Client> parsed = new ArrayList<>();
    for (int i = 0; i < clients.size(); i++) {
      String where = "oidc.clients[" + i + "]";
      Client client = client(where, clients.get(i));
      try {
        Clients.validate(client);
      } catch (ClientException e) {
        throw new ConfigException(where, "invalid " + where + ": " + e.getMessage());
      }
      parsed.add(client);
    }
    return List.copyOf(parsed);
  }

  private static Client client(String where, JsonNode node) {
    if (!node.isObject()) {
      throw error(where, node.toString(), "must be a mapping with at least an id");
    }
    for (Map.Entry<String, JsonNode> field : node.properties()) {
      if (!FIELDS.contains(field.getKey())) {
        throw ConfigException.unknownField(
            where + "." + field.getKey(), "use " + String.join(", ", new TreeSet<>(FIELDS)));
      }
    }
    String id = text(node, "id", "");
    if (id.isEmpty()) {
      throw error(where + ".id", "", "every client needs an id");
    }
    boolean isPublic = bool(where, node, "public", false);
    Optional<String> secretHash = secretHash(where, node, isPublic);
    List<Client.GrantType> grants = new ArrayList<>();
    for (String grant :
        list(where, node, "grant-types", List.of("authorization_code", "refresh_token"))) {
      grants.add(
          Client.GrantType.of(grant)
              .orElseThrow(
                  () ->
                      error(
                          where + ".grant-types",
                          grant,
                          "must be authorization_code, refresh_token or client_credentials")));
    }
    String formatName = text(node, "access-token-format", "jwt");
    Client.AccessTokenFormat format =
        Client.AccessTokenFormat.of(formatName)
            .orElseThrow(
                () -> error(where + ".access-token-format", formatName, "must be jwt or opaque"));
    String accessAlg = text(node, "access-token-signing-alg", "ES256");
    String consent = text(node, "consent", "required").toLowerCase(Locale.ROOT);
    if (!consent.equals("required") && !consent.equals("trusted")) {
      throw error(where + ".consent", consent, "must be required or trusted");
    }
    return new Client(
        id,
        text(node, "name", id),
        secretHash,
        list(where, node, "redirect-uris", List.of()),
        Set.copyOf(grants),
        Set.copyOf(new LinkedHashSet<>(list(where, node, "scopes", DEFAULT_SCOPES))),
        Set.copyOf(list(where, node, "allowed-groups", List.of())),
        Set.copyOf(list(where, node, "groups", List.of())),
        Set.copyOf(list(where, node, "audiences", List.of())),
        consent.equals("trusted") ? Client.Consent.TRUSTED : Client.Consent.REQUIRED,
        bool(where, node, "require-pkce", true) || isPublic,
        duration(where, node, "access-token-lifetime", Duration.ofMinutes(10)),
        duration(where, node, "refresh-token-lifetime", Duration.ofDays(30)),
        reuseGrace(where, node),
        Optional.of(text(node, "backchannel-logout-uri", "")).filter(u -> !u.isEmpty()),
        list(where, node, "post-logout-redirect-uris", List.of()),
        text(node, "signing-alg", "RS256").toUpperCase(Locale.ROOT),
        Client.accessTokenAlgorithm(accessAlg).orElse(accessAlg),
        format,
        bool(where, node, "disabled", false),
        true,
        text(node, "home-url", ""));
  }

  private static Optional<String> secretHash(String where, JsonNode node, boolean isPublic) {
    String file = text(node, "secret-file", "");
    String hash = text(node, "secret-sha256", "").toLowerCase(Locale.ROOT);
    if (isPublic) {
      if (!file.isEmpty() || !hash.isEmpty()) {
        throw error(
            where + ".public", "true", "a public client has no secret-file or secret-sha256");
      }
      return Optional.empty();
    }
    if (file.isEmpty() == hash.isEmpty()) {
      throw error(
          where + ".secret-file",
          file,
          "a confidential client needs exactly one of secret-file or secret-sha256"
              + " (or public: true)");
    }
    if (!hash.isEmpty()) {
      if (!hash.matches("[0-9a-f]{64}")) {
        throw error(where + ".secret-sha256", "[redacted]", "must be 64 hex digits");
      }
      return Optional.of(hash);
    }
    try {
      String secret = Files.readString(Path.of(file), StandardCharsets.UTF_8).strip();
      if (secret.length() < 32) {
        throw error(
            where + ".secret-file", file, "the secret in it must be at least 32 characters");
      }
      return Optional.of(Tokens.sha256Hex(secret));
    } catch (IOException e) {
      throw error(where + ".secret-file", file, "must be a readable file");
    }
  }

  private static Duration duration(String where, JsonNode node, String field, Duration fallback) {
    String text = text(node, field, "");
    if (text.isEmpty()) {
      return fallback;
    }
    return ConfigLoader.parseDuration(text)
        .orElseThrow(
            () -> error(where + "." + field, text, "must be a duration such as 10m, 1h or 30d"));
  }

  private static Duration reuseGrace(String where, JsonNode node) {
    return duration(where, node, "refresh-reuse-grace", Duration.ZERO);
  }
}
