package dev.gatehouse.web.proxy;

import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.gatehouse.config.GatehouseConfig;
import dev.gatehouse.forwardauth.Answer;
import dev.gatehouse.forwardauth.IdentityJwts;
import dev.gatehouse.forwardauth.OriginalRequest;
import dev.gatehouse.forwardauth.Verifier;
import dev.gatehouse.kernel.Printable;
import dev.gatehouse.policy.Subject;
import dev.gatehouse.url.CanonicalTarget;
import dev.gatehouse.url.Canonicalizer;
import dev.gatehouse.web.ClientAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Proxy mode: Gatehouse as the gateway. A request for a host of {@code proxy.routes} is decided by
 * the same {@link Verifier} as forward-auth — on the request itself, so the decided request is the
 * served request — and, when allowed, handed to that route's {@link Upstream} with the identity it
 * earned; every other host goes to the portal. What a client may not send is refused here, before
 * any decision: identity or forwarding headers spelt with {@code _}, and targets without a
 * canonical form. Thread-safe once started.
 */
public final class Gateway extends Handler.Abstract {
  private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);

  /** Gatehouse's forward-auth endpoints (see {@code Gatehouse.startWeb}). */
  private static final Set<String> FORWARD_AUTH_PATHS =
      Set.of(
          "/api/authz/forward-auth", "/api/verify", "/api/auth-check", "/api/authz/auth-request");

  /** Request attribute: the identity headers the decision granted. */
  static final String IDENTITY = "gatehouse.proxy.identity";

  /** Request attribute: the canonical path that was decided on. */
  static final String PATH = "gatehouse.proxy.path";

  /** Request attribute: the client's address as Gatehouse resolved it. */
  static final String CLIENT = "gatehouse.proxy.client";

  /** Request attribute: present when a bearer credential was Gatehouse's to check. */
  static final String BEARER_USED = "gatehouse.proxy.bearer";

  private record Route(GatehouseConfig.ProxyRoute config, Upstream upstream) {}

  /** Headers values are ASCII: JSON values escape everything else. */
  private static final ObjectMapper JSON =
      JsonMapper.builder().enable(JsonWriteFeature.ESCAPE_NON_ASCII).build();

  private final List<Route> routes;
  private final Set<String> hosts;
  private final Handler portal;
  private final Verifier verifier;
  private final ClientAddress clientAddress;
  private final List<String> sessionCookieNames;
  private final Set<String> identityNames;
  private final IdentityJwts identityJwts;
  private final Sockets sockets;
  private final boolean localhostBypass;

  /**
   * A gateway for {@code routes} in front of {@code portal}. {@code identityNames} are every
   * identity header name a client could forge (any case) besides the routes' own; {@code
   * sessionCookieNames} the names of Gatehouse's session cookie, which never reach an upstream.
   */
  public Gateway(
      List<GatehouseConfig.ProxyRoute> routes,
      Handler portal,
      Verifier verifier,
      IdentityJwts identityJwts,
      ClientAddress clientAddress,
      List<String> sessionCookieNames,
      List<String> identityNames,
      boolean localhostBypass) {
    super(InvocationType.BLOCKING);
    this.localhostBypass = localhostBypass;
    this.portal = portal;
    this.verifier = verifier;
    this.identityJwts = identityJwts;
    this.clientAddress = clientAddress;
    this.sessionCookieNames = List.copyOf(sessionCookieNames);
    // Every route's names are guarded on every route: a name one app trusts is never forgeable
    // through another.
    Set<String> guarded = new java.util.HashSet<>();
    identityNames.forEach(n -> guarded.add(n.toLowerCase(Locale.ROOT)));
    routes.forEach(r -> r.headers().all().forEach(n -> guarded.add(n.toLowerCase(Locale.ROOT))));
    this.identityNames = Set.copyOf(guarded);
    this.sockets = new Sockets(verifier, this.identityNames, this.sessionCookieNames);
    // Each Upstream makes its HttpClient as Jetty's proxy configures one: no cookie store (one
    // user's cookies must never ride along with another's request), no content decoding, no
    // redirects followed.
    List<Route> compiled = new ArrayList<>();
    for (GatehouseConfig.ProxyRoute route : routes) {
      compiled.add(
          new Route(route, new Upstream(route, this.identityNames, this.sessionCookieNames)));
    }
    this.routes = List.copyOf(compiled);
    this.hosts = routes.stream().map(GatehouseConfig.ProxyRoute::host).collect(Collectors.toSet());
    addBean(portal);
    this.routes.forEach(r -> addBean(r.upstream()));
    addBean(sockets);
  }

  @Override
  public void setServer(Server server) {
    super.setServer(server);
    portal.setServer(server);
    routes.forEach(r -> r.upstream().setServer(server));
    if (routes.stream().anyMatch(r -> r.config().websockets())) {
      sockets.attach(server);
    }
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) throws Exception {
    String host = Optional.ofNullable(request.getHttpURI().getHost()).orElse("");
    String bareHost = host.toLowerCase(Locale.ROOT);
    if (!hosts.contains(bareHost) || isForwardAuthCall(request)) {
      return portal.handle(request, response, callback);
    }
    if (request.isSecure()) {
      // Gatehouse terminates TLS for the apps it serves: HSTS is its to set, on every answer.
      response.getHeaders().put("Strict-Transport-Security", "max-age=31536000");
    }
    for (HttpField field : request.getHeaders()) {
      if (field.getName().indexOf('_') >= 0 && forgesIdentity(field.getName())) {
        LOG.info("proxy: refused a request naming header {} with '_'", field.getName());
        return answer(response, callback, 400, Optional.empty(), true);
      }
    }
    String method = request.getMethod();
    if (method.equals("CONNECT") || method.equals("TRACE")) {
      // A tunnel or an echo of the request (cookies included) is never an app's to serve.
      response.getHeaders().put(HttpHeader.ALLOW, "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS");
      return answer(response, callback, 405, Optional.empty(), true);
    }
    for (String coding : request.getHeaders().getCSV(HttpHeader.TRANSFER_ENCODING, false)) {
      if (!coding.equalsIgnoreCase("chunked")) {
        // Forwarded as plain chunked, another coding would change what the body means.
        return answer(response, callback, 501, Optional.empty(), true);
      }
    }
    String authority = request.getHttpURI().getAuthority();
    String rawTarget =
        request.getHttpURI().getPath()
            + (request.getHttpURI().getQuery() == null
                ? ""
                : "?" + request.getHttpURI().getQuery());
    Optional<Route> route = Optional.empty();
    Optional<CanonicalTarget> canonical = Optional.empty();
    for (Route candidate : routes) {
      if (!candidate.config().host().equals(bareHost)) {
        continue;
      }
      canonical = Canonicalizer.target(candidate.config().scheme(), authority, rawTarget);
      if (canonical.isEmpty()) {
        return answer(response, callback, 400, Optional.empty(), true);
      }
      String path = canonical.get().path();
      if ((path.endsWith("/") ? path : path + "/").startsWith(candidate.config().pathPrefix())) {
        route = Optional.of(candidate);
        break;
      }
    }
    if (route.isEmpty()) {
      return answer(response, callback, 404, Optional.empty(), false);
    }
    GatehouseConfig.ProxyRoute config = route.get().config();
    String peer = Request.getRemoteAddr(request);
    String client =
        clientAddress.resolve(
            peer, Optional.ofNullable(request.getHeaders().get("X-Forwarded-For")));
    request.setAttribute(PATH, canonical.get().path());
    request.setAttribute(CLIENT, client);
    boolean sessions =
        config.auth() == GatehouseConfig.ProxyRoute.Auth.SESSION
            || config.auth() == GatehouseConfig.ProxyRoute.Auth.SESSION_OR_BEARER;
    boolean bearers =
        config.auth() == GatehouseConfig.ProxyRoute.Auth.BEARER
            || config.auth() == GatehouseConfig.ProxyRoute.Auth.SESSION_OR_BEARER;
    List<String> authorizations = request.getHeaders().getValuesList(HttpHeader.AUTHORIZATION);
    if (authorizations.size() > 1) {
      return answer(response, callback, 401, Optional.empty(), false);
    }
    boolean browser =
        sessions
            && (method.equals("GET") || method.equals("HEAD"))
            && Optional.ofNullable(request.getHeaders().get(HttpHeader.ACCEPT))
                .map(a -> a.toLowerCase(Locale.ROOT).contains("text/html"))
                .orElse(false);
    Verifier.Request decided =
        new Verifier.Request(
            new OriginalRequest(config.scheme(), authority, rawTarget, method),
            client,
            bearers ? authorizations.stream().findFirst() : Optional.empty(),
            sessions ? cookies(request) : List.of(),
            browser);
    Answer answer = verifier.verify(decided);
    if (localhostBypass
        && answer instanceof Answer.Unauthenticated no
        && !no.bearerFailed()
        && isLocalPeer(Request.getRemoteAddr(request))) {
      // Local-first mode: this machine's own connections need no sign-in — judged by the socket,
      // never by a header. A page of another site in this machine's browser is no local user.
      if (crossSite(request, config.scheme())) {
        LOG.warn(
            "security event: refused a cross-site request to {} through the localhost bypass",
            config.host());
        return answer(response, callback, 403, Optional.empty(), false);
      }
      answer = new Answer.Allowed(List.of(), Optional.empty(), "", Answer.Credential.LOCALHOST);
    }
    switch (answer) {
      case Answer.Allowed allowed -> {
        request.setAttribute(IDENTITY, identity(config, allowed, canonical.get(), client));
        // Only a bearer credential is Gatehouse's: an app's own Basic credentials pass.
        if (bearers
            && !authorizations.isEmpty()
            && authorizations.get(0).regionMatches(true, 0, "Bearer ", 0, 7)) {
          request.setAttribute(BEARER_USED, "yes");
        }
        if (Sockets.isUpgrade(request)) {
          if (!config.websockets()) {
            LOG.info(
                "proxy: refused a WebSocket upgrade for {}{}: the route has websockets: false",
                config.host(),
                config.pathPrefix());
            return answer(response, callback, 403, Optional.empty(), false);
          }
          if ((allowed.credential() == Answer.Credential.SESSION
                  || allowed.credential() == Answer.Credential.LOCALHOST)
              && !Sockets.sameOrigin(request, config.scheme())) {
            // Cross-site WebSocket hijacking: a page elsewhere riding the user's cookie.
            LOG.warn(
                "security event: refused a cross-origin WebSocket upgrade for {} from origin {}",
                config.host(),
                Printable.of(
                    Optional.ofNullable(request.getHeaders().get(HttpHeader.ORIGIN)).orElse(""),
                    100));
            return answer(response, callback, 403, Optional.empty(), false);
          }
          // Only a credential can end: an anonymous or local socket has nothing to decide again
          // (deciding a local one again without its socket would close it as unauthenticated).
          boolean ends =
              allowed.credential() != Answer.Credential.NONE
                  && allowed.credential() != Answer.Credential.LOCALHOST;
          return sockets.upgrade(
              config,
              route.get().upstream().next(request),
              ends ? Optional.of(decided) : Optional.empty(),
              request,
              response,
              callback);
        }
        return forward(route.get(), request, response, callback);
      }
      case Answer.Unauthenticated no -> {
        if (!sessions && !bearers) {
          // auth: none takes no credential, so no sign-in can help: the rules want one.
          LOG.info(
              "proxy: {}{} has auth: none but the access rules ask for sign-in; refused",
              config.host(),
              config.pathPrefix());
          return answer(response, callback, 403, Optional.empty(), false);
        }
        if (bearers) {
          response
              .getHeaders()
              .put(
                  HttpHeader.WWW_AUTHENTICATE,
                  no.bearerFailed() ? "Bearer error=\"invalid_token\"" : "Bearer");
        }
        return (browser && no.login().isPresent())
            ? answer(response, callback, 302, no.login(), false)
            : answer(response, callback, 401, Optional.empty(), false);
      }
      case Answer.Forbidden denied -> {
        return (browser && denied.page().isPresent())
            ? answer(response, callback, 302, denied.page(), false)
            : answer(response, callback, 403, Optional.empty(), false);
      }
      case Answer.Unavailable down -> {
        return answer(response, callback, 503, Optional.empty(), false);
      }
    }
  }

  /**
   * The identity headers the route's upstream receives for an allowed request: the route's names
   * (forward-auth's by default), the identity JWT when the rule or the route asks for it, and the
   * route's claims and context headers when it names them. Every name is present, empty when there
   * is nothing to say.
   */
  private List<Map.Entry<String, String>> identity(
      GatehouseConfig.ProxyRoute route,
      Answer.Allowed allowed,
      CanonicalTarget target,
      String client) {
    GatehouseConfig.RouteHeaders names = route.headers();
    Optional<Subject> subject = allowed.subject();
    String jwt = allowed.jwt();
    if (jwt.isEmpty() && names.alwaysJwt() && subject.isPresent()) {
      jwt = identityJwts.forSubject(subject.get(), target.host());
    }
    List<Map.Entry<String, String>> out = new ArrayList<>(names.names().render(subject, jwt));
    names
        .claims()
        .ifPresent(
            header ->
                out.add(
                    Map.entry(
                        header, subject.map(s -> json(new TreeMap<>(s.claims()))).orElse(""))));
    names
        .context()
        .ifPresent(
            header -> {
              Map<String, Object> context = new LinkedHashMap<>();
              context.put("route", route.scheme() + "://" + route.host() + route.pathPrefix());
              context.put("credential", allowed.credential().name().toLowerCase(Locale.ROOT));
              subject.ifPresent(
                  s -> {
                    context.put("kind", s.kind().name().toLowerCase(Locale.ROOT));
                    context.put("amr", new java.util.TreeSet<>(s.amr()));
                    context.put("scopes", new java.util.TreeSet<>(s.scopes()));
                  });
              context.put("client_address", client);
              out.add(Map.entry(header, json(context)));
            });
    return out;
  }

  private static String json(Object value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("identity JSON could not be written", e);
    }
  }

  /**
   * Whether a trusted proxy asks Gatehouse's forward-auth endpoints about a route's host: Caddy's
   * {@code forward_auth} keeps the client's {@code Host} unless told otherwise, so such a call
   * would otherwise be proxied to the app — whose 200 the proxy would take for an allowed request.
   */
  private boolean isForwardAuthCall(Request request) {
    String path = request.getHttpURI().getPath();
    return FORWARD_AUTH_PATHS.contains(path)
        && clientAddress.isTrusted(Request.getRemoteAddr(request));
  }

  /**
   * Whether a socket peer is this machine itself: exactly 127.0.0.1 or ::1 (not the rest of
   * 127.0.0.0/8, where a local proxy or container bridge may sit), and never a trusted proxy —
   * whose requests come from elsewhere.
   */
  private boolean isLocalPeer(String peer) {
    return dev.gatehouse.kernel.Cidr.parseNumericAddress(peer)
            .map(a -> a.equals(LOOPBACK_V4) || a.equals(LOOPBACK_V6))
            .orElse(false)
        && !clientAddress.isTrusted(peer);
  }

  private static final java.net.InetAddress LOOPBACK_V4 =
      dev.gatehouse.kernel.Cidr.parseNumericAddress("127.0.0.1").orElseThrow();
  private static final java.net.InetAddress LOOPBACK_V6 =
      dev.gatehouse.kernel.Cidr.parseNumericAddress("::1").orElseThrow();

  /**
   * Whether a browser sent this request from a page of another origin (fetch metadata, else {@code
   * Origin}): only a plain navigation — following a link, typing the URL — may come from elsewhere.
   */
  private static boolean crossSite(Request request, String scheme) {
    String method = request.getMethod();
    if (request.getHeaders().getValuesList(HttpHeader.ORIGIN).size() > 1) {
      return true;
    }
    String site = request.getHeaders().get("Sec-Fetch-Site");
    String mode = request.getHeaders().get("Sec-Fetch-Mode");
    String dest = request.getHeaders().get("Sec-Fetch-Dest");
    // A top-level navigation only: a page of another site framing the tool acts with its rights.
    boolean navigation =
        (method.equals("GET") || method.equals("HEAD"))
            && !Sockets.isUpgrade(request)
            && (mode == null || mode.equals("navigate"))
            && (dest == null || dest.equals("document"));
    if (navigation && request.getHeaders().get(HttpHeader.ORIGIN) == null) {
      return false;
    }
    if (site != null && !site.equals("same-origin") && !site.equals("none")) {
      return true;
    }
    return !Sockets.sameOrigin(request, scheme);
  }

  /** Hands an allowed request to its upstream; a target no HTTP client can send is a 400. */
  private static boolean forward(Route route, Request request, Response response, Callback callback)
      throws Exception {
    try {
      return route.upstream().handle(request, response, callback);
    } catch (IllegalArgumentException unsendable) {
      LOG.info("proxy: a request target could not be forwarded: {}", unsendable.getMessage());
      return answer(response, callback, 400, Optional.empty(), true);
    }
  }

  /** Whether a header name spelt with {@code _} would read, with {@code -}, as one we guard. */
  private boolean forgesIdentity(String name) {
    String dashed = name.replace('_', '-').toLowerCase(Locale.ROOT);
    return identityNames.contains(dashed) || Upstream.isForwarding(dashed);
  }

  /** The session cookie values the request carries, by every name the session cookie has. */
  private List<String> cookies(Request request) {
    List<String> values = new ArrayList<>();
    for (org.eclipse.jetty.http.HttpCookie cookie : Request.getCookies(request)) {
      if (sessionCookieNames.contains(cookie.getName())) {
        values.add(cookie.getValue());
      }
    }
    return values;
  }

  /** The upstream would not take a WebSocket: 502, or 504 when it did not answer in time. */
  static void refuse(Response response, Callback callback, boolean timedOut) {
    answer(response, callback, timedOut ? 504 : 502, Optional.empty(), false);
  }

  /** A request Gatehouse cannot forward as it is: 400, and the connection closed. */
  static boolean badRequest(Response response, Callback callback) {
    return answer(response, callback, 400, Optional.empty(), true);
  }

  private static boolean answer(
      Response response, Callback callback, int status, Optional<String> location, boolean close) {
    response.setStatus(status);
    location.ifPresent(url -> response.getHeaders().put(HttpHeader.LOCATION, url));
    response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
    response.getHeaders().put("X-Content-Type-Options", "nosniff");
    if (close) {
      response.getHeaders().put(HttpHeader.CONNECTION, "close");
    }
    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, 0);
    response.write(true, null, callback);
    return true;
  }
}
