package dev.gatehouse.web.forwardauth;

import dev.gatehouse.kernel.NonBlocking;
import dev.gatehouse.web.ClientAddress;
import dev.gatehouse.web.Exchange;
import dev.gatehouse.web.HttpMetrics;
import dev.gatehouse.web.Router;
import dev.gatehouse.web.WebServer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
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
 * identity, the token's verified claims. The moment the decision would wait (for the store: a cold
 * session, a key to look up, a batch of activity to write; or for the console: a refusal it logs),
 * {@link NonBlocking} stops it, and the call goes the ordinary way (the router's verify routes, on
 * a lane worker that may block), which decides it again from the start with the same code ({@link
 * ForwardAuthEndpoints#decide}).
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
  public Outcome tryAnswer(Request request, Response response, Callback callback) {
    String path = request.getHttpURI().getPath();
    Boolean nginx = path == null ? null : NGINX_BY_PATH.get(path);
    if (nginx == null || !METHODS.contains(request.getMethod())) {
      return Outcome.NOT_MINE;
    }
    HttpFields fields = request.getHeaders();
    if (fields.getLongField(HttpHeader.CONTENT_LENGTH) > 0
        || fields.contains(HttpHeader.TRANSFER_ENCODING)) {
      return Outcome.NOT_MINE;
    }
    String peer = Request.getRemoteAddr(request);
    if (!clientAddress.isTrusted(peer) || !portal.test(request)) {
      return Outcome.NOT_MINE;
    }
    JettyCall call = new JettyCall(request, peer, clientAddress);
    Optional<ForwardAuthEndpoints.Reply> decided =
        NonBlocking.attempt(() -> endpoints.decide(call, nginx));
    if (decided.isEmpty()) {
      return Outcome.WOULD_WAIT;
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
    return Outcome.ANSWERED;
  }

  /**
   * A verify call read straight from Jetty's request, the headers the decision asks for gathered in
   * one pass over the header block (values as sent; a name that occurs more than once has every
   * value, so that {@link #singleHeader} can refuse it).
   */
  private static final class JettyCall implements ForwardAuthEndpoints.Call {
    private static final String[] GATHERED = {
      "X-Forwarded-Proto",
      "X-Forwarded-Host",
      "X-Forwarded-Uri",
      "X-Forwarded-Method",
      "X-Original-URL",
      "X-Original-Method",
      "Authorization",
      "Accept",
      "X-Forwarded-For"
    };

    private final Request request;
    private final String peer;
    private final ClientAddress clientAddress;
    private final List<List<String>> values = new ArrayList<>(GATHERED.length);

    JettyCall(Request request, String peer, ClientAddress clientAddress) {
      this.request = request;
      this.peer = peer;
      this.clientAddress = clientAddress;
      for (int i = 0; i < GATHERED.length; i++) {
        values.add(List.of());
      }
      for (HttpField field : request.getHeaders()) {
        int index = indexOf(field.getName());
        if (index >= 0) {
          String value = java.util.Objects.requireNonNullElse(field.getValue(), "");
          List<String> seen = values.get(index);
          if (seen.isEmpty()) {
            values.set(index, List.of(value));
          } else {
            List<String> more = new ArrayList<>(seen);
            more.add(value);
            values.set(index, more);
          }
        }
      }
    }

    private static int indexOf(String name) {
      for (int i = 0; i < GATHERED.length; i++) {
        if (GATHERED[i].length() == name.length() && GATHERED[i].equalsIgnoreCase(name)) {
          return i;
        }
      }
      return -1;
    }

    @Override
    public String peer() {
      return peer;
    }

    @Override
    public String clientAddress() {
      List<String> forwarded = headers("X-Forwarded-For");
      return clientAddress.resolve(
          peer, forwarded.isEmpty() ? Optional.empty() : Optional.of(forwarded.get(0)));
    }

    @Override
    public Optional<String> singleHeader(String name) {
      List<String> all = headers(name);
      return all.size() == 1 ? Optional.of(all.get(0)) : Optional.empty();
    }

    @Override
    public List<String> headers(String name) {
      int index = indexOf(name);
      return index >= 0 ? values.get(index) : request.getHeaders().getValuesList(name);
    }

    @Override
    public List<String> cookies(List<String> names) {
      return Exchange.cookies(request, names);
    }
  }
}
