package dev.gatehouse.config;

import static dev.gatehouse.config.Nodes.bool;
import static dev.gatehouse.config.Nodes.error;
import static dev.gatehouse.config.Nodes.list;
import static dev.gatehouse.config.Nodes.text;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Parses {@code proxy.routes}: the apps Gatehouse serves itself as the gateway. Every mistake names
 * the route and the field.
 */
final class ProxyRoutes {
  private static final Set<String> FIELDS =
      Set.of("from", "to", "auth", "strip-prefix", "preserve-host", "timeout", "websockets");

  private ProxyRoutes() {}

  static List<GatehouseConfig.ProxyRoute> parse(JsonNode routes, URI publicUrl) {
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
      GatehouseConfig.ProxyRoute route = route(where, routes.get(i), publicUrl);
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

  private static GatehouseConfig.ProxyRoute route(String where, JsonNode node, URI publicUrl) {
    if (!node.isObject()) {
      throw error(where, node.toString(), "must be a mapping with from, to and auth");
    }
    for (Map.Entry<String, JsonNode> field : node.properties()) {
      if (!FIELDS.contains(field.getKey())) {
        throw error(
            where + "." + field.getKey(),
            field.getValue().toString(),
            "is not a route field; use " + String.join(", ", new TreeSet<>(FIELDS)));
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
    if (bool(where, node, "websockets", false)) {
      throw error(
          where + ".websockets",
          "true",
          "must be false for now: WebSocket upgrades through proxy mode are not supported yet");
    }
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
    return new GatehouseConfig.ProxyRoute(
        from.getScheme(),
        host,
        from.getPort(),
        prefix,
        List.copyOf(upstreams),
        auth,
        bool(where, node, "strip-prefix", false),
        bool(where, node, "preserve-host", false),
        timeout);
  }
}
