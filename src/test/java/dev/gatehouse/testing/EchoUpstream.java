package dev.gatehouse.testing;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;

/**
 * A protected app for proxy tests: answers 200 to everything (sets cookies under {@code
 * /set-cookie}, redirects to its own origin under {@code /redirect}) — so it routes {@code /Admin}
 * like {@code /admin}, as Express, ASP.NET Core and IIS do — and records exactly the headers each
 * request arrived with (names lower-cased). Thread-safe.
 */
public final class EchoUpstream implements AutoCloseable {
  /** One request as the upstream saw it. */
  public record Seen(String method, String uri, Map<String, List<String>> headers) {
    /** The single value of a header, or null when absent. */
    public String header(String name) {
      List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
      return values == null ? null : String.join(",", values);
    }
  }

  private final HttpServer server;
  private final List<Seen> seen = Collections.synchronizedList(new ArrayList<>());

  private EchoUpstream(HttpServer server) {
    this.server = server;
  }

  /** Starts on a random loopback port. */
  public static EchoUpstream start() throws IOException {
    HttpServer server =
        HttpServer.create(new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 64);
    EchoUpstream echo = new EchoUpstream(server);
    server.createContext(
        "/",
        exchange -> {
          Map<String, List<String>> headers = new TreeMap<>();
          exchange
              .getRequestHeaders()
              .forEach(
                  (name, values) ->
                      headers.put(name.toLowerCase(Locale.ROOT), List.copyOf(values)));
          echo.seen.add(
              new Seen(exchange.getRequestMethod(), exchange.getRequestURI().toString(), headers));
          if (exchange.getRequestURI().getPath().startsWith("/set-cookie")) {
            // An app signing someone in — and one that tries to set Gatehouse's own cookie.
            exchange
                .getResponseHeaders()
                .add("Set-Cookie", "appsess=" + exchange.getRequestURI().getRawQuery());
            exchange
                .getResponseHeaders()
                .add("Set-Cookie", "__Secure-gatehouse_session=planted; Domain=example.com");
          }
          if (exchange.getRequestURI().getPath().startsWith("/redirect")) {
            // An app that names its own origin in a redirect, as apps unaware of proxies do.
            exchange
                .getResponseHeaders()
                .add("Location", "http://" + echo.address() + "/next?from=redirect");
            exchange.getResponseHeaders().add("Strict-Transport-Security", "max-age=1");
            exchange.sendResponseHeaders(302, -1);
            exchange.close();
            return;
          }
          byte[] body =
              ("upstream saw " + exchange.getRequestURI()).getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(200, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    server.setExecutor(Executors.newFixedThreadPool(4));
    server.start();
    return echo;
  }

  /** {@code 127.0.0.1:port}. */
  public String address() {
    return "127.0.0.1:" + server.getAddress().getPort();
  }

  /** Requests seen so far. */
  public List<Seen> seen() {
    synchronized (seen) {
      return List.copyOf(seen);
    }
  }

  /** The last request seen. */
  public Seen last() {
    List<Seen> all = seen();
    if (all.isEmpty()) {
      throw new AssertionError("the upstream saw no request");
    }
    return all.get(all.size() - 1);
  }

  /** Forgets what was seen. */
  public void clear() {
    seen.clear();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
