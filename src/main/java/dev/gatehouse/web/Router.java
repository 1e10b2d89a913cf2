package dev.gatehouse.web;

import dev.gatehouse.kernel.SafeMessage;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.function.Predicate;
import org.eclipse.jetty.http.HttpCookie;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.PreEncodedHttpField;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Routes requests by exact method and path to blocking handlers (run on virtual threads), adds the
 * security headers to every answer, maps failures to safe catalogue messages (details only in the
 * log, never a stack trace to the client) and counts requests by route and status. Thread-safe once
 * built.
 */
public final class Router extends Handler.Abstract {
  private static final Logger LOG = LoggerFactory.getLogger(Router.class);

  /** A route's handler. */
  @FunctionalInterface
  public interface Route {
    /** Handles one exchange; may block. */
    void handle(Exchange exchange) throws Exception;
  }

  private final Map<String, Map<String, Route>> routes = new HashMap<>();
  private final Map<String, Map<String, Route>> prefixes = new java.util.LinkedHashMap<>();
  private final ClientAddress clientAddress;
  private final HttpMetrics metrics;
  private final ErrorPages errorPages;
  private final boolean https;
  private final Predicate<Throwable> storeUnavailable;

  /** A router resolving client addresses with {@code clientAddress}. */
  public Router(
      ClientAddress clientAddress,
      HttpMetrics metrics,
      ErrorPages errorPages,
      boolean https,
      Predicate<Throwable> storeUnavailable) {
    super(InvocationType.BLOCKING);
    this.storeUnavailable = storeUnavailable;
    this.clientAddress = clientAddress;
    this.metrics = metrics;
    this.errorPages = errorPages;
    this.https = https;
  }

  /** Registers a GET (and HEAD) route. */
  public Router get(String path, Route route) {
    return add("GET", path, route);
  }

  /** Registers a POST route. */
  public Router post(String path, Route route) {
    return add("POST", path, route);
  }

  /** Registers a route for every method (forward-auth sees the original request's method). */
  public Router any(String path, Route route) {
    for (String method : new String[] {"GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}) {
      add(method, path, route);
    }
    return this;
  }

  /**
   * Registers a GET (and HEAD) route for every path under {@code prefix} (which ends with {@code
   * /}) that has no exact route: for names that change while the server runs, such as an upstream
   * provider added with the CLI. The route itself refuses the names it does not know.
   */
  public Router getUnder(String prefix, Route route) {
    if (!prefix.endsWith("/")) {
      throw new IllegalArgumentException("a route prefix ends with /: " + prefix);
    }
    prefixes.computeIfAbsent(prefix, p -> new HashMap<>()).put("GET", route);
    return this;
  }

  /**
   * Registers a route for every method and every path under {@code prefix} (which ends with {@code
   * /}) that has no exact route: an API that dispatches and answers errors itself.
   */
  public Router anyUnder(String prefix, Route route) {
    if (!prefix.endsWith("/")) {
      throw new IllegalArgumentException("a route prefix ends with /: " + prefix);
    }
    for (String method : new String[] {"GET", "POST", "PUT", "PATCH", "DELETE"}) {
      prefixes.computeIfAbsent(prefix, p -> new HashMap<>()).put(method, route);
    }
    return this;
  }

  private Map<String, Route> match(String path) {
    Map<String, Route> exact = routes.get(path);
    if (exact != null) {
      return exact;
    }
    for (Map.Entry<String, Map<String, Route>> prefix : prefixes.entrySet()) {
      if (path.startsWith(prefix.getKey())) {
        return prefix.getValue();
      }
    }
    return null;
  }

  private String routeName(String path) {
    if (routes.containsKey(path)) {
      return path;
    }
    for (String prefix : prefixes.keySet()) {
      if (path.startsWith(prefix)) {
        return prefix + "*";
      }
    }
    return "unmatched";
  }

  private Router add(String method, String path, Route route) {
    routes.computeIfAbsent(path, p -> new HashMap<>()).put(method, route);
    return this;
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) {
    String path = request.getHttpURI().getPath();
    String method = request.getMethod();
    boolean head = method.equals("HEAD");
    String peer = Request.getRemoteAddr(request);
    Exchange exchange =
        new Exchange(
            request,
            peer,
            clientAddress.resolve(
                peer, Optional.ofNullable(request.getHeaders().get("X-Forwarded-For"))));
    Map<String, Route> byMethod = path == null ? null : match(path);
    String routeName = byMethod == null ? "unmatched" : routeName(path);
    Route route = byMethod == null ? null : byMethod.get(head ? "GET" : method);
    if (byMethod == null) {
      errorPages.render(exchange, SafeMessage.NOT_FOUND);
    } else if (route == null) {
      errorPages.render(exchange, SafeMessage.METHOD_NOT_ALLOWED);
      exchange.addHeader("Allow", String.join(", ", new TreeSet<>(byMethod.keySet())));
    } else {
      run(route, exchange, method, path);
    }
    metrics.count(routeName, exchange.status);
    drainBody(request);
    write(exchange, response, callback, head);
    return true;
  }

  /**
   * Consumes what has arrived of a request body the answer did not need (a refusal before the form
   * was looked at), without waiting for more: otherwise Jetty closes the connection after the
   * answer, and a client that reuses it for its next request finds it gone. A body still on its way
   * is left, and the connection with it. Requests without a body (every verify call) cost one
   * header lookup.
   */
  private static void drainBody(Request request) {
    if (request.getHeaders().getLongField(HttpHeader.CONTENT_LENGTH) > 0
        || request.getHeaders().contains(HttpHeader.TRANSFER_ENCODING)) {
      request.consumeAvailable();
    }
  }

  private void run(Route route, Exchange exchange, String method, String path) {
    try {
      route.handle(exchange);
    } catch (Exchange.BadRequestException e) {
      LOG.info("bad request {} {}: {}", method, path, e.getMessage());
      exchange.cookies.clear();
      exchange.headers.clear();
      errorPages.render(exchange, SafeMessage.BAD_REQUEST);
    } catch (Exception e) {
      // Fail closed: whatever broke, nobody is signed in by this answer and nothing it set
      // survives.
      exchange.cookies.clear();
      exchange.headers.clear();
      if (storeUnavailable.test(e)) {
        LOG.error("database failure on {} {}", method, path, e);
        errorPages.render(exchange, SafeMessage.UNAVAILABLE);
      } else {
        LOG.error("unexpected failure on {} {}", method, path, e);
        errorPages.render(exchange, SafeMessage.INTERNAL);
      }
    }
  }

  private static final HttpField CSP =
      new PreEncodedHttpField(
          "Content-Security-Policy",
          "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'");
  private static final HttpField NO_REFERRER =
      new PreEncodedHttpField("Referrer-Policy", "no-referrer");
  private static final HttpField NOSNIFF =
      new PreEncodedHttpField("X-Content-Type-Options", "nosniff");
  private static final HttpField NO_FRAMES = new PreEncodedHttpField("X-Frame-Options", "DENY");
  private static final HttpField SAME_ORIGIN_OPENER =
      new PreEncodedHttpField("Cross-Origin-Opener-Policy", "same-origin");
  private static final HttpField NO_STORE =
      new PreEncodedHttpField(HttpHeader.CACHE_CONTROL, "no-store");
  private static final HttpField HSTS =
      new PreEncodedHttpField(HttpHeader.STRICT_TRANSPORT_SECURITY, "max-age=31536000");

  /**
   * The security headers of every answer a browser may see (everything but a verify 200): no
   * framing, no sniffing, no referrer, a strict content policy, {@code no-store} unless the answer
   * set its own caching, and HSTS over https.
   */
  public static void pageHeaders(HttpFields.Mutable headers, boolean https) {
    headers.put(CSP);
    headers.put(NO_REFERRER);
    headers.put(NOSNIFF);
    headers.put(NO_FRAMES);
    headers.put(SAME_ORIGIN_OPENER);
    if (!headers.contains(HttpHeader.CACHE_CONTROL)) {
      headers.put(NO_STORE);
    }
    if (https) {
      headers.put(HSTS);
    }
  }

  private void write(Exchange exchange, Response response, Callback callback, boolean head) {
    response.setStatus(exchange.status);
    var headers = response.getHeaders();
    for (HttpField field : exchange.headers) {
      headers.add(field);
    }
    for (HttpCookie cookie : exchange.cookies) {
      Response.addCookie(response, cookie);
    }
    if (exchange.contentType.isEmpty() && exchange.status == 200) {
      // A verify answer for the proxy, never shown to a browser: identity headers and nothing else.
      headers.put(HttpHeader.CONTENT_LENGTH, 0);
      response.write(true, null, callback);
      return;
    }
    pageHeaders(headers, https);
    if (!exchange.contentType.isEmpty()) {
      headers.put(HttpHeader.CONTENT_TYPE, exchange.contentType);
    }
    headers.put(HttpHeader.CONTENT_LENGTH, exchange.body.length);
    if (head || exchange.body.length == 0) {
      response.write(true, null, callback);
    } else {
      response.write(true, ByteBuffer.wrap(exchange.body), callback);
    }
  }
}
