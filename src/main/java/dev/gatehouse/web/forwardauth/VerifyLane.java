package dev.gatehouse.web.forwardauth;

import dev.gatehouse.kernel.NonBlocking;
import dev.gatehouse.web.ClientAddress;
import dev.gatehouse.web.HttpMetrics;
import dev.gatehouse.web.Router;
import dev.gatehouse.web.WebServer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import org.eclipse.jetty.http.HttpCookie;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.PreEncodedHttpField;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The verify endpoints' fast lane: a verify call from a trusted proxy is decided on the thread that
 * read it (the server's selector thread), with no hand-over to another thread, no routing and no
 * response assembly, when everything the decision needs is in memory — the session, the user's
 * identity, the token's verified claims. The moment the decision would wait for the store (a cold
 * session, a key to look up, a batch of activity to write), {@link NonBlocking} stops it, and the
 * call goes the ordinary way (the router's verify routes on a thread that may block), which decides
 * it again from the start with the same code ({@link ForwardAuthEndpoints#decide}).
 *
 * <p>The lane takes only calls it would answer exactly as the router does: the four verify paths,
 * the router's methods, no request body (the router drains it), a trusted peer (anyone else is
 * refused, or proxied on a proxy route's host, by the ordinary chain) and a request the handlers in
 * front of the router would pass to it ({@code portal}). Thread-safe.
 */
public final class VerifyLane implements WebServer.FastLane {
  private static final Map<String, Boolean> NGINX_BY_PATH =
      Map.of(
          "/api/authz/forward-auth", false,
          "/api/verify", false,
          "/api/auth-check", false,
          "/api/authz/auth-request", true);
  private static final Set<String> METHODS =
      Set.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS");
  private static final HttpField NO_CONTENT = new PreEncodedHttpField(HttpHeader.CONTENT_LENGTH, 0);

  private final ForwardAuthEndpoints endpoints;
  private final ClientAddress clientAddress;
  private final HttpMetrics metrics;
  private final Predicate<Request> portal;
  private final boolean https;

  /**
   * A lane for {@code endpoints}; {@code portal} tells whether the handlers in front of the router
   * would hand it the request (for example, not on a further portal host).
   */
  public VerifyLane(
      ForwardAuthEndpoints endpoints,
      ClientAddress clientAddress,
      HttpMetrics metrics,
      Predicate<Request> portal,
      boolean https) {
    this.endpoints = endpoints;
    this.clientAddress = clientAddress;
    this.metrics = metrics;
    this.portal = portal;
    this.https = https;
  }

  @Override
  public boolean tryAnswer(Request request, Response response, Callback callback) {
    String path = request.getHttpURI().getPath();
    Boolean nginx = path == null ? null : NGINX_BY_PATH.get(path);
    if (nginx == null || !METHODS.contains(request.getMethod())) {
      return false;
    }
    HttpFields fields = request.getHeaders();
    if (fields.getLongField(HttpHeader.CONTENT_LENGTH) > 0
        || fields.contains(HttpHeader.TRANSFER_ENCODING)) {
      return false;
    }
    String peer = Request.getRemoteAddr(request);
    if (!clientAddress.isTrusted(peer) || !portal.test(request)) {
      return false;
    }
    JettyCall call =
        new JettyCall(
            request,
            peer,
            clientAddress.resolve(peer, Optional.ofNullable(fields.get("X-Forwarded-For"))));
    Optional<ForwardAuthEndpoints.Reply> decided =
        NonBlocking.attempt(() -> endpoints.decide(call, nginx));
    if (decided.isEmpty()) {
      return false;
    }
    ForwardAuthEndpoints.Reply reply = decided.get();
    reply.counter().increment();
    metrics.count(path, reply.status());
    response.setStatus(reply.status());
    HttpFields.Mutable headers = response.getHeaders();
    for (HttpField header : reply.headers()) {
      headers.add(header);
    }
    if (reply.status() != 200) {
      // What the router adds to every answer a browser may see (a 302 is followed by one).
      Router.pageHeaders(headers, https);
    }
    headers.put(NO_CONTENT);
    response.write(true, null, callback);
    return true;
  }

  /** A verify call read straight from Jetty's request. */
  private record JettyCall(Request request, String peer, String clientAddress)
      implements ForwardAuthEndpoints.Call {
    @Override
    public Optional<String> singleHeader(String name) {
      List<String> values = request.getHeaders().getValuesList(name);
      return values.size() == 1 ? Optional.of(values.get(0)) : Optional.empty();
    }

    @Override
    public List<String> headers(String name) {
      return request.getHeaders().getValuesList(name);
    }

    @Override
    public List<String> cookies(List<String> names) {
      List<String> values = new ArrayList<>(1);
      for (HttpCookie cookie : Request.getCookies(request)) {
        if (names.contains(cookie.getName()) && !values.contains(cookie.getValue())) {
          values.add(cookie.getValue());
        }
      }
      return values;
    }
  }
}
