package dev.gatehouse.testing;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.server.WebSocketUpgradeHandler;

/**
 * A WebSocket app for proxy tests, on Jetty's WebSocket server: it accepts the first subprotocol
 * offered, greets every socket first with {@code hello <path?query>} (before the client says
 * anything), echoes text and binary messages, and records each handshake's headers (names lower
 * case) and each close it sees. Thread-safe.
 */
public final class WebSocketEcho implements AutoCloseable {
  /** One handshake as the app saw it. */
  public record Handshake(String uri, Map<String, List<String>> headers) {
    /** The values of a header joined with ",", or null when absent. */
    public String header(String name) {
      List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
      return values == null ? null : String.join(",", values);
    }
  }

  private final Server server;
  private final BlockingQueue<Handshake> handshakes = new LinkedBlockingQueue<>();
  private final BlockingQueue<Integer> closes = new LinkedBlockingQueue<>();

  private WebSocketEcho() throws Exception {
    server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost(InetAddress.getLoopbackAddress().getHostAddress());
    connector.setPort(0);
    server.addConnector(connector);
    server.setHandler(
        WebSocketUpgradeHandler.from(
            server,
            container ->
                container.addMapping(
                    "/*",
                    (request, response, callback) -> {
                      Map<String, List<String>> headers = new TreeMap<>();
                      for (HttpField field : request.getHeaders()) {
                        headers
                            .computeIfAbsent(
                                field.getLowerCaseName(), k -> new java.util.ArrayList<>())
                            .add(field.getValue());
                      }
                      String query = request.getHttpURI().getQuery();
                      String uri =
                          request.getHttpURI().getPath() + (query == null ? "" : "?" + query);
                      handshakes.add(new Handshake(uri, headers));
                      if (!request.getSubProtocols().isEmpty()) {
                        response.setAcceptedSubProtocol(request.getSubProtocols().get(0));
                      }
                      return new Echo(uri);
                    })));
    server.start();
  }

  /** Starts on a random loopback port. */
  public static WebSocketEcho start() throws Exception {
    return new WebSocketEcho();
  }

  /** {@code host:port}. */
  public String address() {
    ServerConnector connector = (ServerConnector) server.getConnectors()[0];
    return connector.getHost() + ":" + connector.getLocalPort();
  }

  /** The next handshake the app accepted, waiting up to 10 s; null when none came. */
  public Handshake nextHandshake() throws InterruptedException {
    return handshakes.poll(10, TimeUnit.SECONDS);
  }

  /** Whether no handshake reached the app. */
  public boolean sawNoHandshake() {
    return handshakes.isEmpty();
  }

  /** The status of the next close the app saw, waiting up to {@code seconds}; null when none. */
  public Integer nextClose(int seconds) throws InterruptedException {
    return closes.poll(seconds, TimeUnit.SECONDS);
  }

  @Override
  public void close() {
    try {
      server.stop();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** One socket: greets, echoes, records its close. */
  public final class Echo implements Session.Listener.AutoDemanding {
    private final String uri;
    private volatile Session session;

    Echo(String uri) {
      this.uri = uri;
    }

    @Override
    public void onWebSocketOpen(Session opened) {
      session = opened;
      opened.sendText("hello " + uri, Callback.NOOP);
    }

    @Override
    public void onWebSocketText(String message) {
      session.sendText(message, Callback.NOOP);
    }

    @Override
    public void onWebSocketBinary(ByteBuffer payload, Callback callback) {
      ByteBuffer copy = ByteBuffer.allocate(payload.remaining()).put(payload).flip();
      callback.succeed();
      session.sendBinary(copy, Callback.NOOP);
    }

    @Override
    public void onWebSocketClose(int statusCode, String reason, Callback callback) {
      closes.add(statusCode);
      callback.succeed();
    }
  }
}
