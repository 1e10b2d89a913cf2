package dev.gatehouse.web.proxy;

import dev.gatehouse.config.GatehouseConfig;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.proxy.ProxyHandler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.URIUtil;

/**
 * One route's upstream, on Jetty's reverse proxy. What the upstream receives is built, not
 * filtered: the canonical path that was decided on (re-encoded, so the upstream decodes exactly
 * that path), the client's headers less the hop-by-hop ones (and those its {@code Connection}
 * names), less every identity and forwarding header in any letter case, less Gatehouse's session
 * cookie and a bearer credential Gatehouse checked; then {@code X-Forwarded-*} rebuilt and the
 * identity headers the decision granted. An upstream's {@code Set-Cookie} for Gatehouse's session
 * cookie never reaches the browser. Thread-safe.
 */
final class Upstream extends ProxyHandler.Reverse {
  private static final Set<String> HOP_BY_HOP =
      Set.of(
          "connection",
          "keep-alive",
          "proxy-authenticate",
          "proxy-authorization",
          "proxy-connection",
          "te",
          "trailer",
          "transfer-encoding",
          "upgrade",
          "host",
          // Gatehouse answered the client's 100-continue itself while reading the body.
          "expect");

  private final GatehouseConfig.ProxyRoute route;
  private final Set<String> identityNames;
  private final Set<String> sessionCookieNames;

  private final AtomicInteger turn;

  Upstream(GatehouseConfig.ProxyRoute route, Set<String> identityNames, List<String> cookieNames) {
    this(route, identityNames, cookieNames, new AtomicInteger());
  }

  private Upstream(
      GatehouseConfig.ProxyRoute route,
      Set<String> identityNames,
      List<String> cookieNames,
      AtomicInteger turn) {
    super(request -> HttpURI.build(target(route, turn, request)));
    this.turn = turn;
    this.route = route;
    this.identityNames = identityNames;
    this.sessionCookieNames = Set.copyOf(cookieNames);
  }

  /**
   * A redirect as users must follow it: one naming an upstream's own origin (an app unaware of the
   * proxy) is rewritten to the route's public URL, prefix included, as nginx's {@code
   * proxy_redirect default} does; any other location passes as the app sent it.
   */
  String publicLocation(String location) {
    for (URI upstream : route.upstreams()) {
      String origin = upstream.getScheme() + "://" + upstream.getRawAuthority();
      if (location.regionMatches(true, 0, origin, 0, origin.length())
          && (location.length() == origin.length()
              || "/?#".indexOf(location.charAt(origin.length())) >= 0)) {
        String rest = location.substring(origin.length());
        if (rest.isEmpty() || rest.charAt(0) != '/') {
          rest = "/" + rest;
        }
        // Back from the upstream's prefix to the route's, when the location lies under it.
        String upstreamBase = withoutLastSlash(route.upstreamPrefix());
        String publicBase = withoutLastSlash(route.pathPrefix());
        if (rest.startsWith(upstreamBase + "/")
            || rest.equals(upstreamBase)
            || rest.startsWith(upstreamBase + "?")) {
          rest = publicBase + rest.substring(upstreamBase.length());
        }
        return route.scheme()
            + "://"
            + route.host()
            + (route.port() < 0 ? "" : ":" + route.port())
            + rest;
      }
    }
    return location;
  }

  private static String withoutLastSlash(String prefix) {
    return prefix.substring(0, prefix.length() - 1);
  }

  /** Whether a lower-case header name is hop-by-hop (never forwarded). */
  static boolean isHopByHop(String lowerName) {
    return HOP_BY_HOP.contains(lowerName);
  }

  /** The lower-case names the client's {@code Connection} headers list (hop-by-hop too). */
  static Set<String> connectionNamed(Request request) {
    Set<String> named = new HashSet<>();
    for (String value : request.getHeaders().getValuesList(HttpHeader.CONNECTION)) {
      for (String token : value.split(",")) {
        named.add(token.strip().toLowerCase(Locale.ROOT));
      }
    }
    return named;
  }

  /** Whether a lower-case header name is one Gatehouse rebuilds for the upstream. */
  static boolean isForwarding(String lowerName) {
    return lowerName.startsWith("x-forwarded-")
        || lowerName.equals("forwarded")
        || lowerName.equals("x-real-ip")
        || lowerName.equals("x-original-url")
        || lowerName.equals("x-original-method");
  }

  /** The URL the next request to this route goes to (the upstreams take turns). */
  String next(Request request) {
    return target(route, turn, request);
  }

  /**
   * The upstream URL for an allowed request: the next upstream in turn, the canonical path that was
   * decided on (less the prefix when the route strips it), the client's query.
   */
  private static String target(
      GatehouseConfig.ProxyRoute route, AtomicInteger turn, Request request) {
    String path = (String) request.getAttribute(Gateway.PATH);
    if (!route.upstreamPrefix().equals(route.pathPrefix())) {
      // The decided path starts with the route's prefix (or is it, without its last slash).
      String rest =
          path.length() >= route.pathPrefix().length()
              ? path.substring(route.pathPrefix().length())
              : "";
      path = route.upstreamPrefix() + rest;
    }
    List<URI> upstreams = route.upstreams();
    URI upstream =
        upstreams.size() == 1
            ? upstreams.get(0)
            : upstreams.get(Math.floorMod(turn.getAndIncrement(), upstreams.size()));
    String query = request.getHttpURI().getQuery();
    return upstream.getScheme()
        + "://"
        + upstream.getRawAuthority()
        + URIUtil.encodePath(path)
        + (query == null ? "" : "?" + query(query));
  }

  /**
   * The query as the client sent it, with what a URI may not hold in a query (browsers send {@code
   * | ^ { } \ `} and stray {@code %} raw) percent-encoded: the same parameters, in a form every
   * HTTP stack reads. The query is not part of the decision, so nothing decided changes.
   */
  static String query(String raw) {
    StringBuilder out = new StringBuilder(raw.length());
    byte[] bytes = raw.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    for (int i = 0; i < bytes.length; i++) {
      int b = bytes[i] & 0xff;
      boolean escape =
          b == '%' && i + 2 < bytes.length && isHex(bytes[i + 1]) && isHex(bytes[i + 2]);
      if (escape
          || (b >= 'a' && b <= 'z')
          || (b >= 'A' && b <= 'Z')
          || (b >= '0' && b <= '9')
          || "-._~!$&'()*+,;=:@/?".indexOf(b) >= 0) {
        out.append((char) b);
      } else {
        out.append('%').append(Character.toUpperCase(Character.forDigit(b >> 4, 16)));
        out.append(Character.toUpperCase(Character.forDigit(b & 0xf, 16)));
      }
    }
    return out.toString();
  }

  private static boolean isHex(byte b) {
    return Character.digit(b, 16) >= 0;
  }

  @Override
  protected void configureHttpClient(org.eclipse.jetty.client.HttpClient client) {
    super.configureHttpClient(client);
    // The app sees the client's User-Agent alone, not a second one naming Jetty's version.
    client.setUserAgentField(null);
  }

  @Override
  protected void onServerToProxyResponseFailure(
      Request clientToProxyRequest,
      org.eclipse.jetty.client.Request proxyToServerRequest,
      org.eclipse.jetty.client.Response serverToProxyResponse,
      org.eclipse.jetty.server.Response proxyToClientResponse,
      org.eclipse.jetty.util.Callback proxyToClientCallback,
      Throwable failure) {
    if (!proxyToClientResponse.isCommitted() && isClientsFault(failure)) {
      // The client's body was malformed (a bad chunk): its fault, not the app's.
      proxyToClientResponse.setStatus(400);
      proxyToClientResponse.getHeaders().put(HttpHeader.CONNECTION, "close");
      proxyToClientResponse.getHeaders().put(HttpHeader.CONTENT_LENGTH, 0);
      proxyToClientResponse.write(true, null, proxyToClientCallback);
      return;
    }
    super.onServerToProxyResponseFailure(
        clientToProxyRequest,
        proxyToServerRequest,
        serverToProxyResponse,
        proxyToClientResponse,
        proxyToClientCallback,
        failure);
  }

  private static boolean isClientsFault(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof org.eclipse.jetty.http.HttpException bad
          && bad.getCode() >= 400
          && bad.getCode() < 500) {
        return true;
      }
    }
    return false;
  }

  @Override
  protected org.eclipse.jetty.client.Request newProxyToServerRequest(
      Request clientToProxyRequest, HttpURI newHttpURI) {
    return super.newProxyToServerRequest(clientToProxyRequest, newHttpURI)
        .timeout(route.timeout().toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  protected void copyRequestHeaders(
      Request clientToProxyRequest, org.eclipse.jetty.client.Request proxyToServerRequest) {
    Set<String> named = connectionNamed(clientToProxyRequest);
    boolean dropAuthorization = clientToProxyRequest.getAttribute(Gateway.BEARER_USED) != null;
    List<String> cookies = new ArrayList<>();
    proxyToServerRequest.headers(
        headers -> {
          for (HttpField field : clientToProxyRequest.getHeaders()) {
            String name = field.getLowerCaseName();
            if (HOP_BY_HOP.contains(name)
                || named.contains(name)
                || identityNames.contains(name)
                || isForwarding(name)
                || (dropAuthorization && name.equals("authorization"))) {
              continue;
            }
            if (name.equals("cookie")) {
              cookies.add(field.getValue());
              continue;
            }
            headers.add(field);
          }
          String kept = withoutSessionCookie(cookies);
          if (!kept.isEmpty()) {
            headers.put(HttpHeader.COOKIE, kept);
          }
          if (route.preserveHost()) {
            headers.put(HttpHeader.HOST, clientToProxyRequest.getHttpURI().getAuthority());
          }
        });
  }

  /** The cookie pairs of the request, less every pair of Gatehouse's session cookie. */
  private String withoutSessionCookie(List<String> headers) {
    return withoutSessionCookie(headers, sessionCookieNames);
  }

  /** The cookie pairs of {@code headers}, less every pair named in {@code sessionCookieNames}. */
  static String withoutSessionCookie(List<String> headers, Set<String> sessionCookieNames) {
    List<String> kept = new ArrayList<>();
    for (String header : headers) {
      for (String pair : header.split(";")) {
        String trimmed = pair.strip();
        int equals = trimmed.indexOf('=');
        String name = equals < 0 ? trimmed : trimmed.substring(0, equals).strip();
        if (!trimmed.isEmpty() && !sessionCookieNames.contains(name)) {
          kept.add(trimmed);
        }
      }
    }
    return String.join("; ", kept);
  }

  @Override
  protected void addProxyHeaders(
      Request clientToProxyRequest, org.eclipse.jetty.client.Request proxyToServerRequest) {
    String client = (String) clientToProxyRequest.getAttribute(Gateway.CLIENT);
    @SuppressWarnings("unchecked")
    List<Map.Entry<String, String>> identity =
        (List<Map.Entry<String, String>>) clientToProxyRequest.getAttribute(Gateway.IDENTITY);
    proxyToServerRequest.headers(
        headers -> {
          headers.put("X-Forwarded-For", client);
          headers.put("X-Forwarded-Proto", route.scheme());
          headers.put("X-Forwarded-Host", clientToProxyRequest.getHttpURI().getAuthority());
          for (Map.Entry<String, String> header : identity) {
            if (!header.getValue().isEmpty()) {
              headers.put(header.getKey(), header.getValue());
            }
          }
        });
  }

  @Override
  protected HttpField filterServerToProxyResponseField(HttpField serverToProxyResponseField) {
    HttpField field = super.filterServerToProxyResponseField(serverToProxyResponseField);
    if (field != null && field.getHeader() == HttpHeader.STRICT_TRANSPORT_SECURITY) {
      // Gatehouse sets HSTS itself when it terminates TLS; over plain HTTP it means nothing.
      return null;
    }
    if (field != null && field.getHeader() == HttpHeader.LOCATION) {
      return new HttpField(HttpHeader.LOCATION, publicLocation(field.getValue()));
    }
    if (field != null && field.getHeader() == HttpHeader.SET_COOKIE) {
      String value = field.getValue();
      int equals = value.indexOf('=');
      String name = (equals < 0 ? value : value.substring(0, equals)).strip();
      if (sessionCookieNames.contains(name)) {
        return null;
      }
    }
    return field;
  }
}
