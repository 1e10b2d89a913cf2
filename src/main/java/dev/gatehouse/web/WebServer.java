package dev.gatehouse.web;

import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Optional;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The Jetty server: the main HTTP connector and, when configured, an operations connector that
 * serves only the operations routes ({@code /metrics}, {@code /healthz}, {@code /readyz}) — so
 * metrics never answer on the public host, whatever a proxy forwards. One small platform thread
 * pool, no server version header, and an error handler that never shows stack traces. Not
 * thread-safe to start and stop concurrently.
 */
public final class WebServer implements AutoCloseable {
  static {
    // Jetty sizes its queue padding by asking the platform MBean server whether oops are
    // compressed unless this says it: starting JMX for that cost ~20 ms of every start. The heap
    // bound (bin/jvm.options) keeps oops compressed: 64-byte lines hold 16 references.
    if (System.getProperty("org.eclipse.jetty.util.referencesPerCacheLine") == null) {
      System.setProperty("org.eclipse.jetty.util.referencesPerCacheLine", "16");
    }
  }

  private static final int SELECTORS =
      Math.max(1, Math.min(8, Runtime.getRuntime().availableProcessors()));
  private final Server server;
  private final ServerConnector connector;
  private final Optional<ServerConnector> opsConnector;
  private final Optional<ServerConnector> redirectConnector;
  private final Optional<Tls> tls;
  private final Optional<Lanes> lanes;

  /**
   * Requests answered on the thread that read them, before the ordinary handlers: the lane answers,
   * or leaves the request untouched for the handlers on a thread that may block (a lane worker for
   * its own requests that would wait, the pool for everything else).
   */
  @FunctionalInterface
  public interface FastLane {
    /** What became of a request offered to the lane. */
    enum Outcome {
      /** Answered on the spot. */
      ANSWERED,
      /** Not the lane's: untouched, for the ordinary handlers. */
      NOT_MINE,
      /** The lane's, but answering it would wait (for the store): untouched, for a lane worker. */
      WOULD_WAIT
    }

    /** Answers {@code request} without waiting for anything, or leaves it untouched. */
    Outcome tryAnswer(Request request, Response response, Callback callback);
  }

  /** A server for {@code handler} on {@code host:port} (port 0 picks a free one). */
  public WebServer(String host, int port, Router handler) {
    this(host, port, handler, Optional.empty(), handler);
  }

  /**
   * A server for {@code handler} on {@code host:port}, and for {@code ops} alone on {@code
   * opsListen} when present (port 0 picks a free one).
   */
  public WebServer(
      String host, int port, Handler handler, Optional<InetSocketAddress> opsListen, Router ops) {
    this(
        host,
        port,
        handler,
        opsListen,
        ops,
        Optional.empty(),
        Optional.empty(),
        "",
        Map.of(),
        Optional.empty());
  }

  /**
   * As above, serving HTTPS with {@code tls} when present (TLS 1.2 and 1.3; a request whose SNI
   * names another host than its {@code Host} is refused), and on {@code redirectListen} plain HTTP
   * that only redirects: to the origin of a proxy route when the request names one of {@code
   * routeOrigins}' hosts, else to {@code publicOrigin}. Over plain HTTP, {@code fast} answers what
   * it can on the main listener before {@code handler} (with TLS it is not used: handshakes would
   * then run on the selector thread, holding up every other connection).
   */
  public WebServer(
      String host,
      int port,
      Handler handler,
      Optional<InetSocketAddress> opsListen,
      Router ops,
      Optional<Tls> tls,
      Optional<InetSocketAddress> redirectListen,
      String publicOrigin,
      Map<String, String> routeOrigins,
      Optional<FastLane> fast) {
    this.tls = tls;
    QueuedThreadPool threads = new QueuedThreadPool(64, 4);
    threads.setName("gatehouse-http");
    server = new Server(threads);
    HttpConfiguration http = new HttpConfiguration();
    http.setSendServerVersion(false);
    http.setSendXPoweredBy(false);
    http.setRequestHeaderSize(16 * 1024);
    if (tls.isPresent()) {
      HttpConfiguration https = new HttpConfiguration(http);
      https.addCustomizer(new SecureRequestCustomizer());
      connector =
          new ServerConnector(
              server,
              1,
              1,
              new SslConnectionFactory(tls.get().factory(), HttpVersion.HTTP_1_1.asString()),
              new HttpConnectionFactory(https));
    } else {
      // One selector per core (at most 8): verify calls are answered on the selector threads.
      connector = new ServerConnector(server, 1, SELECTORS, new HttpConnectionFactory(http));
    }
    connector.setHost(host);
    connector.setPort(port);
    server.addConnector(connector);
    opsConnector = opsListen.map(listen -> plainConnector(http, listen));
    redirectConnector = redirectListen.map(listen -> plainConnector(http, listen));
    ErrorHandler errors = new ErrorHandler();
    errors.setShowStacks(false);
    errors.setShowMessageInTitle(false);
    errors.setShowCauses(false);
    server.setErrorHandler(errors);
    handler.setServer(server);
    ops.setServer(server);
    Handler main =
        opsConnector.isEmpty() ? handler : new ByConnector(opsConnector.get(), ops, handler);
    Handler all =
        redirectConnector.isEmpty()
            ? main
            : new ByConnector(
                redirectConnector.get(), new ToHttps(publicOrigin, routeOrigins), main);
    all.setServer(server);
    if (fast.isPresent() && tls.isEmpty()) {
      lanes = Optional.of(new Lanes(connector, fast.get(), all, threads));
      server.setHandler(lanes.get());
    } else {
      lanes = Optional.empty();
      server.setHandler(all);
    }
    server.setStopTimeout(5_000);
  }

  /** A plain-HTTP connector on {@code listen}, added to the server. */
  private ServerConnector plainConnector(HttpConfiguration http, InetSocketAddress listen) {
    ServerConnector plain = new ServerConnector(server, 1, 1, new HttpConnectionFactory(http));
    plain.setHost(listen.getHostString());
    plain.setPort(listen.getPort());
    server.addConnector(plain);
    return plain;
  }

  /** Starts listening. */
  public void start() throws Exception {
    server.start();
    tls.ifPresent(Tls::startWatching);
  }

  /** The plain-HTTP redirect listener's bound address, when there is one. */
  public Optional<InetSocketAddress> redirectAddress() {
    return redirectConnector.map(c -> new InetSocketAddress(c.getHost(), c.getLocalPort()));
  }

  /**
   * Answers every request with a permanent redirect to the same path and query at the public origin
   * — never to the request's own {@code Host}. Thread-safe.
   */
  private static final class ToHttps extends Handler.Abstract {
    private final String publicOrigin;
    private final Map<String, String> routeOrigins;

    ToHttps(String publicOrigin, Map<String, String> routeOrigins) {
      super(InvocationType.NON_BLOCKING);
      this.publicOrigin = publicOrigin;
      this.routeOrigins = Map.copyOf(routeOrigins);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
      String path = request.getHttpURI().getPath();
      String query = request.getHttpURI().getQuery();
      // Only a configured origin, never the request's own Host: an app's link keeps its app.
      String host = request.getHttpURI().getHost();
      String origin =
          host == null
              ? publicOrigin
              : routeOrigins.getOrDefault(host.toLowerCase(java.util.Locale.ROOT), publicOrigin);
      String target =
          origin
              + (path == null || !path.startsWith("/") ? "/" : request.getHttpURI().getPath())
              + (query == null ? "" : "?" + query);
      response.setStatus(308);
      response.getHeaders().put("Location", target);
      response.getHeaders().put("Cache-Control", "no-store");
      response.getHeaders().put("Content-Length", 0);
      response.write(true, null, callback);
      return true;
    }
  }

  /** The bound address (useful with port 0). */
  public InetSocketAddress address() {
    return new InetSocketAddress(
        connector.getHost() == null ? "0.0.0.0" : connector.getHost(), connector.getLocalPort());
  }

  /** The operations listener's bound address, when there is one. */
  public Optional<InetSocketAddress> opsAddress() {
    return opsConnector.map(c -> new InetSocketAddress(c.getHost(), c.getLocalPort()));
  }

  /** Sends each request to the handler of the connector it arrived on. Thread-safe. */
  private static final class ByConnector extends Handler.Abstract {
    private final Connector opsConnector;
    private final Handler ops;
    private final Handler main;

    ByConnector(Connector opsConnector, Handler ops, Handler main) {
      super(InvocationType.BLOCKING);
      this.opsConnector = opsConnector;
      this.ops = ops;
      this.main = main;
      addBean(ops);
      addBean(main);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
      Handler target = request.getConnectionMetaData().getConnector() == opsConnector ? ops : main;
      return target.handle(request, response, callback);
    }
  }

  /**
   * The fast lane first, on the thread that read the request (this handler is non-blocking, so
   * Jetty runs it on the selector thread, with no hand-over and no selector wake-up per request). A
   * lane request that would wait goes to a few lane workers of its own (twice the cores, at most
   * 16, ended when idle): on two cores, handing a burst of cold verify calls to the big pool meant
   * a dozen runnable threads, one of them preempted while holding the selector's wake-up lock, and
   * the selector stalled behind it for a scheduler time slice (JFR showed 12–17 ms monitor waits in
   * {@code EPollSelectorImpl.clearInterrupt}); with the workers bounded, the p99 of 100 000
   * distinct cold cookies fell from 27 ms to 13 ms. Everything else goes to the thread pool, where
   * the ordinary handlers may block as they always have. Thread-safe.
   */
  private static final class Lanes extends Handler.Abstract {
    private static final int WORKERS =
        Math.max(2, Math.min(16, 2 * Runtime.getRuntime().availableProcessors()));

    private final Connector lanes;
    private final FastLane fast;
    private final Handler rest;
    private final java.util.concurrent.Executor blocking;
    private final java.util.concurrent.ThreadPoolExecutor workers;

    Lanes(Connector lanes, FastLane fast, Handler rest, java.util.concurrent.Executor blocking) {
      super(InvocationType.NON_BLOCKING);
      this.lanes = lanes;
      this.fast = fast;
      this.rest = rest;
      this.blocking = blocking;
      this.workers =
          new java.util.concurrent.ThreadPoolExecutor(
              WORKERS,
              WORKERS,
              30,
              java.util.concurrent.TimeUnit.SECONDS,
              new java.util.concurrent.LinkedBlockingQueue<>(),
              Thread.ofPlatform().name("gatehouse-lane-", 0).daemon(true).factory());
      workers.allowCoreThreadTimeOut(true);
      addBean(rest);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
      FastLane.Outcome outcome =
          request.getConnectionMetaData().getConnector() == lanes
              ? fast.tryAnswer(request, response, callback)
              : FastLane.Outcome.NOT_MINE;
      if (outcome == FastLane.Outcome.ANSWERED) {
        return true;
      }
      (outcome == FastLane.Outcome.WOULD_WAIT ? workers : blocking)
          .execute(
              () -> {
                try {
                  if (!rest.handle(request, response, callback)) {
                    Response.writeError(request, response, callback, 404);
                  }
                } catch (Throwable failure) {
                  // What Jetty does with a handler's exception: a safe error page, never a trace.
                  Response.writeError(request, response, callback, failure);
                }
              });
      return true;
    }

    void close() {
      workers.shutdown();
    }
  }

  /** Blocks until the server stops. */
  public void join() throws InterruptedException {
    server.join();
  }

  @Override
  public void close() {
    tls.ifPresent(Tls::close);
    lanes.ifPresent(Lanes::close);
    try {
      server.stop();
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      throw new IllegalStateException("failed to stop the HTTP server", e);
    }
  }
}
