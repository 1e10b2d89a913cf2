package dev.gatehouse.testing;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A relying party's endpoints on a loopback port, for tests: {@code /cb} records the query it is
 * redirected to, {@code /backchannel} records posted logout tokens, {@code /bye} says goodbye.
 */
public final class TestRelyingParty implements AutoCloseable {
  private final HttpServer server;
  private final BlockingQueue<String> callbacks = new LinkedBlockingQueue<>();
  private final BlockingQueue<String> logoutTokens = new LinkedBlockingQueue<>();

  private volatile boolean refusingLogouts;

  /** While true, back-channel logout notices get 503 and are not recorded. */
  public void refuseLogouts(boolean refuse) {
    refusingLogouts = refuse;
  }

  private TestRelyingParty(HttpServer server) {
    this.server = server;
  }

  /** Starts on a free loopback port. */
  public static TestRelyingParty start() throws IOException {
    HttpServer server =
        HttpServer.create(new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
    TestRelyingParty rp = new TestRelyingParty(server);
    server.createContext(
        "/cb",
        exchange -> {
          rp.callbacks.add(Optional.ofNullable(exchange.getRequestURI().getRawQuery()).orElse(""));
          byte[] body = "signed in".getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(200, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    server.createContext(
        "/backchannel",
        exchange -> {
          if (rp.refusingLogouts) {
            exchange.sendResponseHeaders(503, -1); // down for maintenance
            exchange.close();
            return;
          }
          try (InputStream in = exchange.getRequestBody()) {
            String form = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            for (String pair : form.split("&")) {
              if (pair.startsWith("logout_token=")) {
                rp.logoutTokens.add(URLDecoder.decode(pair.substring(13), StandardCharsets.UTF_8));
              }
            }
          }
          exchange.sendResponseHeaders(200, -1);
          exchange.close();
        });
    server.createContext(
        "/bye",
        exchange -> {
          byte[] body = "goodbye".getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(200, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    server.start();
    return rp;
  }

  /** {@code http://127.0.0.1:<port>}. */
  public String origin() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** The next query string {@code /cb} received. */
  public String awaitCallback(Duration timeout) throws InterruptedException {
    String query = callbacks.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    if (query == null) {
      throw new AssertionError("no redirect reached the relying party");
    }
    return query;
  }

  /** The next logout token posted to {@code /backchannel}, if one comes in time. */
  public Optional<String> awaitLogoutToken(Duration timeout) throws InterruptedException {
    return Optional.ofNullable(logoutTokens.poll(timeout.toMillis(), TimeUnit.MILLISECONDS));
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
