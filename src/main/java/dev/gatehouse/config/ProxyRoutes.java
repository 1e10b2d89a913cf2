package dev.gatehouse.config;

import static dev.gatehouse.config.Nodes.bool;
import static dev.gatehouse.config.Nodes.error;
import static dev.gatehouse.config.Nodes.list;
import static dev.gatehouse.config.Nodes.text;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.forwardauth.Verifier;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Parses {@code proxy.routes}: the apps Gatehouse serves itself as the gateway. Every mistake names
 * the route and the field.
 */
final class ProxyRoutes {
  private static final Set<String> FIELDS =
      Set.of(
          "from",
          "to",
          "auth",
          "strip-prefix",
          "rewrite-prefix",
          "preserve-host",
          "timeout",
          "websockets",
          "headers");

  private static final Set<String> HEADER_FIELDS =
      Set.of("user", "email", "name", "groups", "jwt", "claims", "claim-headers", "context");

  /**
   * Headers HTTP itself gives a meaning to (framing, routing, credentials, cookies): never an
   * identity header's name.
   */
  private static final Set<String> RESERVED =
      Set.of(
          "host",
          "connection",
          "content-length",
          "content-type",
          "content-encoding",
          "transfer-encoding",
          "te",
          "trailer",
          "upgrade",
          "keep-alive",
          "expect",
          "cookie",
          "set-cookie",
          "authorization",
          "proxy-authorization",
          "proxy-authenticate",
          "proxy-connection",
          "www-authenticate",
          "origin",
          "referer",
          "forwarded",
          "sec-websocket-key",
          "sec-websocket-protocol",
          "sec-websocket-version",
          "sec-websocket-extensions",
          "sec-websocket-accept");

  private ProxyRoutes() {}

  /** Whether {@code name} is a header HTTP itself uses, in any letter case. */
  static boolean isReservedHeader(String name) {
    String lower = name.toLowerCase(Locale.ROOT);
    return RESERVED.contains(lower)
        || lower.startsWith("x-forwarded-")
        || lower.startsWith("sec-")
        || lower.startsWith("proxy-");
  }

  /**
   * {@code proxy.routes}, each route's identity headers defaulting to {@code forwardAuthHeaders}
   * (the {@code forward-auth.*-header} names).
   */
  static List<GatehouseConfig.ProxyRoute> parse(
      JsonNode routes, URI publicUrl, Verifier.Headers forwardAuthHeaders) {
    if (routes.isNull() || routes.isMissingNode()) {
      return List.of();
    }
    if (!routes.isArray()) {
      throw error("proxy.routes", routes.toString(), "must be a list of routes");
    }
    List<GatehouseConfig.ProxyRoute> parsed = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < routes.size(); i++) {
      String where = "proxy.routes[" + i + "]";
      GatehouseConfig.ProxyRoute route = route(where, routes.get(i), publicUrl, forwardAuthHeaders);
      if (!seen.add(route.host() + route.pathPrefix())) {
        throw error(
            where + ".from", route.host() + route.pathPrefix(), "is already another route's from");
      }
      parsed.add(route);
    }
    // Longest prefix first, so /api/admin/ wins over /api/ on the same host.
    parsed.sort(
        (a, b) ->
            a.host().equals(b.host())
                ? Integer.compare(b.pathPrefix().length(), a.pathPrefix().length())
                : 0);
    return List.copyOf(parsed);
  }

  /** An http(s) URL with a host and no user, query or fragment; null otherwise. */
  private static URI httpUrl(String text) {
    URI url;
    try {
      url = new URI(text);
    } catch (URISyntaxException e) {
      return null;
    }
    boolean plain =
        ("https".equals(url.getScheme()) || "http".equals(url.getScheme()))
            && url.getHost() != null
            && url.getRawUserInfo() == null
            && url.getRawQuery() == null
            && url.getRawFragment() == null;
    return plain ? url : null;
  }

  private static GatehouseConfig.ProxyRoute route(
      String where, JsonNode node, URI publicUrl, Verifier.Headers forwardAuthHeaders) {
    if (!node.isObject()) {
      throw error(where, node.toString(), "must be a mapping with from, to and auth");
    }
    for (Map.Entry<String, JsonNode> field : node.properties()) {
      if (!FIELDS.contains(field.getKey())) {
        throw ConfigException.unknownField(
            where + "." + field.getKey(), "use " + String.join(", ", new TreeSet<>(FIELDS)));
      }
    }
    String fromText = text(node, "from", "");
    URI from = httpUrl(fromText);
    if (from == null) {
      throw error(
          where + ".from",
          fromText,
          "must be the URL users open, e.g. https://app.example.com or"
              + " https://example.com/app/ (scheme, host, optional path prefix)");
    }
    String host = from.getHost().toLowerCase(Locale.ROOT);
    if (host.equals(publicUrl.getHost().toLowerCase(Locale.ROOT))) {
      throw error(
          where + ".from",
          fromText,
          "must be another host than server.public-url's (the portal answers there)");
    }
    String prefix =
        from.getRawPath() == null || from.getRawPath().isEmpty() ? "/" : from.getRawPath();
    if (!prefix.endsWith("/")) {
      prefix = prefix + "/";
    }
    if (!prefix.matches("/([A-Za-z0-9._~-]+/)*")) {
      throw error(
          where + ".from",
          fromText,
          "must have a plain path prefix (letters, digits, . _ ~ - between slashes)");
    }
    List<URI> upstreams = new ArrayList<>();
    for (String to : list(where, node, "to", List.of())) {
      URI upstream = httpUrl(to);
      if (upstream == null
          || !(upstream.getRawPath() == null
              || upstream.getRawPath().isEmpty()
              || upstream.getRawPath().equals("/"))) {
        throw error(
            where + ".to",
            to,
            "must be an upstream origin such as http://127.0.0.1:3000 (no path, query or user)");
      }
      upstreams.add(URI.create(upstream.getScheme() + "://" + upstream.getRawAuthority()));
    }
    if (upstreams.isEmpty()) {
      throw error(where + ".to", "[]", "must name at least one upstream URL");
    }
    String authText = text(node, "auth", "").toLowerCase(Locale.ROOT);
    GatehouseConfig.ProxyRoute.Auth auth =
        switch (authText) {
          case "none" -> GatehouseConfig.ProxyRoute.Auth.NONE;
          case "session" -> GatehouseConfig.ProxyRoute.Auth.SESSION;
          case "bearer" -> GatehouseConfig.ProxyRoute.Auth.BEARER;
          case "session-or-bearer" -> GatehouseConfig.ProxyRoute.Auth.SESSION_OR_BEARER;
          default ->
              throw error(
                  where + ".auth",
                  authText,
                  "must be none, session, bearer or session-or-bearer (there is no default)");
        };
    String timeoutText = text(node, "timeout", "30s");
    Duration timeout;
    try {
      timeout = Duration.parse("PT" + timeoutText.toUpperCase(Locale.ROOT));
    } catch (java.time.format.DateTimeParseException e) {
      timeout = Duration.ZERO;
    }
    if (timeout.compareTo(Duration.ofSeconds(1)) < 0
        || timeout.compareTo(Duration.ofHours(1)) > 0) {
      throw error(where + ".timeout", timeoutText, "must be between 1s and 1h, e.g. 30s or 5m");
    }
    boolean strip = bool(where, node, "strip-prefix", false);
    String rewrite = text(node, "rewrite-prefix", "");
    String upstreamPrefix = prefix;
    if (!rewrite.isEmpty()) {
      if (strip) {
        throw error(
            where + ".rewrite-prefix",
            rewrite,
            "must not be combined with strip-prefix (strip-prefix is rewrite-prefix: /)");
      }
      upstreamPrefix = rewrite.endsWith("/") ? rewrite : rewrite + "/";
      if (!upstreamPrefix.matches("/([A-Za-z0-9._~-]+/)*")
          || upstreamPrefix.matches(".*/\\.{1,2}/.*")) {
        throw error(
            where + ".rewrite-prefix",
            rewrite,
            "must be a plain path prefix such as /api/ (letters, digits, . _ ~ - between slashes)");
      }
    } else if (strip) {
      upstreamPrefix = "/";
    }
    return new GatehouseConfig.ProxyRoute(
        from.getScheme(),
        host,
        from.getPort(),
        prefix,
        List.copyOf(upstreams),
        auth,
        upstreamPrefix,
        bool(where, node, "preserve-host", false),
        timeout,
        headers(where + ".headers", node.path("headers"), forwardAuthHeaders),
        bool(where, node, "websockets", false));
  }

  /**
   * A route's {@code headers:} mapping. A name not given is forward-auth's; {@code claims} (every
   * claim as one JSON object) and {@code context} (how the request was authenticated, as JSON) are
   * sent only when named; naming {@code jwt} sends the signed identity JWT on every request.
   */
  private static GatehouseConfig.RouteHeaders headers(
      String where, JsonNode node, Verifier.Headers defaults) {
    if (node.isMissingNode() || node.isNull()) {
      return new GatehouseConfig.RouteHeaders(defaults, false, Optional.empty(), Optional.empty());
    }
    if (!node.isObject()) {
      throw error(where, node.toString(), "must be a mapping such as {user: X-App-User}");
    }
    for (Map.Entry<String, JsonNode> field : node.properties()) {
      if (!HEADER_FIELDS.contains(field.getKey())) {
        throw error(
            where + "." + field.getKey(),
            field.getValue().toString(),
            "must be one of " + String.join(", ", new TreeSet<>(HEADER_FIELDS)));
      }
    }
    Set<String> seen = new HashSet<>();
    String user = name(where, node, "user", defaults.user(), seen);
    String email = name(where, node, "email", defaults.email(), seen);
    String displayName = name(where, node, "name", defaults.name(), seen);
    String groups = name(where, node, "groups", defaults.groups(), seen);
    boolean alwaysJwt = node.has("jwt");
    String jwt = name(where, node, "jwt", defaults.jwt(), seen);
    Map<String, String> claimHeaders = new LinkedHashMap<>();
    JsonNode perClaim = node.path("claim-headers");
    if (perClaim.isMissingNode() || perClaim.isNull()) {
      for (Map.Entry<String, String> claim : defaults.claims().entrySet()) {
        claimHeaders.put(claim.getKey(), name(where + ".claim-headers", claim.getValue(), seen));
      }
    } else if (!perClaim.isObject()) {
      throw error(
          where + ".claim-headers",
          perClaim.toString(),
          "must be a mapping of claim name to header name");
    } else {
      for (Map.Entry<String, JsonNode> claim : perClaim.properties()) {
        if (!claim.getKey().matches("[a-z][a-z0-9_.:-]{0,63}")) {
          throw error(
              where + ".claim-headers",
              claim.getKey(),
              "claim names must use a-z, 0-9, '_', '.', ':' or '-'");
        }
        claimHeaders.put(
            claim.getKey(), name(where + ".claim-headers", claim.getValue().asText(), seen));
      }
    }
    Optional<String> claims =
        node.has("claims") ? Optional.of(name(where, node, "claims", "", seen)) : Optional.empty();
    Optional<String> context =
        node.has("context")
            ? Optional.of(name(where, node, "context", "", seen))
            : Optional.empty();
    return new GatehouseConfig.RouteHeaders(
        new Verifier.Headers(
            user,
            email,
            displayName,
            groups,
            jwt,
            java.util.Collections.unmodifiableMap(claimHeaders)),
        alwaysJwt,
        claims,
        context);
  }

  private static String name(
      String where, JsonNode node, String field, String fallback, Set<String> seen) {
    return name(where + "." + field, text(node, field, fallback), seen);
  }

  private static String name(String where, String value, Set<String> seen) {
    if (!value.matches("[A-Za-z0-9][A-Za-z0-9-]{0,63}")) {
      throw error(
          where, value, "must be a header name of letters, digits and '-' (no underscores)");
    }
    if (isReservedHeader(value)) {
      throw error(
          where, value, "must not be a header HTTP itself uses; choose a name such as X-App-User");
    }
    if (!seen.add(value.toLowerCase(Locale.ROOT))) {
      throw error(
          where, value, "must differ from the route's other identity headers (in any letter case)");
    }
    return value;
  }
}
