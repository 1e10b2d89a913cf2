package dev.gatehouse.web.proxy;

import dev.gatehouse.config.GatehouseConfig;
import dev.gatehouse.forwardauth.Answer;
import dev.gatehouse.forwardauth.Verifier;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.component.ContainerLifeCycle;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.client.ClientUpgradeRequest;
import org.eclipse.jetty.websocket.client.WebSocketClient;
import org.eclipse.jetty.websocket.server.ServerWebSocketContainer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * WebSocket routes of proxy mode. Jetty's reverse proxy does not tunnel upgrades, so the gateway
 * accepts the browser's socket itself (Jetty's WebSocket server), opens one to the upstream
 * (Jetty's WebSocket client) with the same hygiene as an HTTP request — built headers, identity of
 * the decision, rebuilt {@code X-Forwarded-*}, no session cookie — and relays frames as they come,
 * one at a time in each direction (a slow reader slows its writer; nothing is buffered without
 * bound). Every few seconds the credential that opened each socket is decided on again: a socket
 * whose session was signed out, revoked or reached its cap, or whose key or token no longer passes,
 * is closed (1008) on both sides. Thread-safe.
 */
final class Sockets extends ContainerLifeCycle {
  private static final Logger LOG = LoggerFactory.getLogger(Sockets.class);

  /** How often open sockets' credentials are decided on again. */
  static final Duration RECHECK = Duration.ofSeconds(2);

  /** A socket with no frame either way for this long is closed. */
  private static final Duration IDLE = Duration.ofMinutes(10);

  /** Request headers the WebSocket handshake owns on each hop. */
  private static final Set<String> HANDSHAKE =
      Set.of(
          "sec-websocket-key",
          "sec-websocket-version",
          "sec-websocket-extensions",
          "sec-websocket-protocol",
          "sec-websocket-accept");

  private final Verifier verifier;
  private final Set<String> identityNames;
  private final Set<String> sessionCookieNames;
  private final Set<Bridge> open = ConcurrentHashMap.newKeySet();
  private ServerWebSocketContainer container;
  private WebSocketClient client;
  private ScheduledExecutorService rechecks;

  Sockets(Verifier verifier, Set<String> identityNames, List<String> sessionCookieNames) {
    this.verifier = verifier;
    this.identityNames = identityNames;
    this.sessionCookieNames = Set.copyOf(sessionCookieNames);
  }

  /** Makes {@code server} able to accept upgrades; only called when a route has websockets. */
  void attach(Server server) {
    container = ServerWebSocketContainer.ensure(server);
    container.setIdleTimeout(IDLE);
    client = new WebSocketClient();
    client.setIdleTimeout(IDLE);
    client.getHttpClient().setUserAgentField(null);
    addBean(client);
  }

  @Override
  protected void doStart() throws Exception {
    super.doStart();
    if (client != null) {
      rechecks =
          Executors.newSingleThreadScheduledExecutor(
              Thread.ofPlatform().name("gatehouse-websocket-recheck").daemon().factory());
      var unused =
          rechecks.scheduleWithFixedDelay(
              this::recheck, RECHECK.toMillis(), RECHECK.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  @Override
  protected void doStop() throws Exception {
    if (rechecks != null) {
      rechecks.shutdownNow();
    }
    open.forEach(bridge -> bridge.end(1001, "Gatehouse is stopping"));
    super.doStop();
  }

  /** Whether {@code request} asks to become a WebSocket. */
  static boolean isUpgrade(Request request) {
    if (!"GET".equals(request.getMethod())) {
      return false;
    }
    boolean websocket =
        request.getHeaders().getValuesList(HttpHeader.UPGRADE).stream()
            .anyMatch(v -> v.toLowerCase(Locale.ROOT).contains("websocket"));
    return websocket && Upstream.connectionNamed(request).contains("upgrade");
  }

  /**
   * Whether a browser's upgrade comes from a page of the route's own origin. Browsers always send
   * {@code Origin} with a WebSocket; a page on another site (or a sibling subdomain that shares the
   * session cookie) is refused, so it cannot act as the user. Without {@code Origin} (a script
   * holding a cookie) there is no page to fear.
   */
  static boolean sameOrigin(Request request, String scheme) {
    if (request.getHeaders().getValuesList(HttpHeader.ORIGIN).size() > 1) {
      return false;
    }
    String origin = request.getHeaders().get(HttpHeader.ORIGIN);
    if (origin == null) {
      return true;
    }
    String own = scheme + "://" + request.getHttpURI().getAuthority();
    return origin.equalsIgnoreCase(own)
        || (scheme.equals("https") && origin.equalsIgnoreCase(own.replaceFirst(":443$", "")))
        || (scheme.equals("http") && origin.equalsIgnoreCase(own.replaceFirst(":80$", "")));
  }

  /**
   * Upgrades an allowed request: connects to {@code upstreamUrl} first (so the browser gets the
   * subprotocol the app chose, or the app's refusal as 502), then accepts the browser's socket and
   * relays between the two. {@code recheck} is the request to decide on again while the socket
   * lives, when its credential can end.
   */
  boolean upgrade(
      GatehouseConfig.ProxyRoute route,
      String upstreamUrl,
      Optional<Verifier.Request> recheck,
      Request request,
      Response response,
      org.eclipse.jetty.util.Callback callback)
      throws Exception {
    URI target = URI.create("ws" + upstreamUrl.substring("http".length()));
    ClientUpgradeRequest toApp = new ClientUpgradeRequest(target);
    copyHeaders(route, request, toApp);
    List<String> protocols = new ArrayList<>();
    for (String value : request.getHeaders().getValuesList(HttpHeader.SEC_WEBSOCKET_SUBPROTOCOL)) {
      for (String protocol : value.split(",")) {
        if (!protocol.isBlank()) {
          protocols.add(protocol.strip());
        }
      }
    }
    if (!protocols.isEmpty()) {
      toApp.setSubProtocols(protocols);
    }
    Bridge bridge = new Bridge(recheck);
    boolean upgraded =
        container.upgrade(
            (upgradeRequest, upgradeResponse, upgradeCallback) -> {
              Future<Session> connecting = client.connect(bridge.app, toApp);
              Session app;
              try {
                app = connecting.get(route.timeout().toMillis(), TimeUnit.MILLISECONDS);
              } catch (ExecutionException | TimeoutException e) {
                connecting.cancel(true);
                LOG.info(
                    "proxy: the WebSocket upstream {} did not accept: {}",
                    route.upstreams(),
                    e.getCause() == null ? e.toString() : e.getCause().toString());
                Gateway.refuse(upgradeResponse, upgradeCallback, e instanceof TimeoutException);
                return null;
              }
              String accepted = app.getUpgradeResponse().getAcceptedSubProtocol();
              if (accepted != null && !accepted.isEmpty()) {
                upgradeResponse.setAcceptedSubProtocol(accepted);
              }
              return bridge.browser;
            },
            request,
            response,
            callback);
    if (!upgraded) {
      // Asked for an upgrade, but not a handshake Jetty can complete (a missing key, an unknown
      // version): the app never saw it.
      return Gateway.badRequest(response, callback);
    }
    return true;
  }

  /** The client's headers for the upstream, less what Gatehouse owns, plus what it sets. */
  private void copyHeaders(
      GatehouseConfig.ProxyRoute route, Request request, ClientUpgradeRequest toApp) {
    Set<String> named = Upstream.connectionNamed(request);
    boolean dropAuthorization = request.getAttribute(Gateway.BEARER_USED) != null;
    List<String> cookies = new ArrayList<>();
    for (HttpField field : request.getHeaders()) {
      String name = field.getLowerCaseName();
      if (Upstream.isHopByHop(name)
          || named.contains(name)
          || HANDSHAKE.contains(name)
          || identityNames.contains(name)
          || Upstream.isForwarding(name)
          || (dropAuthorization && name.equals("authorization"))) {
        continue;
      }
      if (name.equals("cookie")) {
        cookies.add(field.getValue());
        continue;
      }
      List<String> values =
          new ArrayList<>(
              toApp.getHeaders(field.getName()) == null
                  ? List.of()
                  : toApp.getHeaders(field.getName()));
      values.add(field.getValue());
      toApp.setHeader(field.getName(), values);
    }
    String kept = Upstream.withoutSessionCookie(cookies, sessionCookieNames);
    if (!kept.isEmpty()) {
      toApp.setHeader("Cookie", kept);
    }
    toApp.setHeader("X-Forwarded-For", (String) request.getAttribute(Gateway.CLIENT));
    toApp.setHeader("X-Forwarded-Proto", route.scheme());
    toApp.setHeader("X-Forwarded-Host", request.getHttpURI().getAuthority());
    @SuppressWarnings("unchecked")
    List<Map.Entry<String, String>> identity =
        (List<Map.Entry<String, String>>) request.getAttribute(Gateway.IDENTITY);
    for (Map.Entry<String, String> header : identity) {
      if (!header.getValue().isEmpty()) {
        toApp.setHeader(header.getKey(), header.getValue());
      }
    }
  }

  /** Decides on every open socket's credential again; closes those no longer allowed. */
  private void recheck() {
    for (Bridge bridge : open) {
      if (bridge.decided.isEmpty()) {
        continue;
      }
      try {
        if (!(verifier.verify(bridge.decided.get()) instanceof Answer.Allowed)) {
          bridge.end(1008, "Session ended");
        }
      } catch (RuntimeException e) {
        LOG.warn("proxy: could not decide on an open WebSocket again; closing it", e);
        bridge.end(1011, "Try again");
      }
    }
  }

  /** A close code that may be sent on: reserved ones (no code, abnormal) become ordinary ones. */
  static int sendable(int code) {
    boolean valid =
        (code >= 1000 && code <= 1003)
            || (code >= 1007 && code <= 1014)
            || (code >= 3000 && code <= 4999);
    if (valid) {
      return code;
    }
    return code == 1006 ? 1001 : 1000;
  }

  /** One browser socket and its app socket. */
  final class Bridge {
    final Optional<Verifier.Request> decided;
    final SocketEnd browser = new SocketEnd(this, true);
    final SocketEnd app = new SocketEnd(this, false);

    Bridge(Optional<Verifier.Request> decided) {
      this.decided = decided;
      browser.peer = app;
      app.peer = browser;
    }

    void opened() {
      if (!app.session.isOpen()) {
        browser.close(1001, "");
        return;
      }
      open.add(this);
      // Reading starts on both sides only now: nothing the app says first is lost.
      browser.session.demand();
      app.session.demand();
    }

    /** Called by an end that closed or failed: the bridge is no longer open. */
    void forget() {
      open.remove(this);
    }

    void end(int code, String reason) {
      open.remove(this);
      browser.close(code, reason);
      app.close(code == 1008 ? 1001 : code, reason);
    }
  }
}
