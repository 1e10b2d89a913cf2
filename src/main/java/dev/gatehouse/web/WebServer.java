package dev.gatehouse.web;

import java.net.InetSocketAddress;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The Jetty server: one HTTP connector, a small platform thread pool for I/O and virtual threads
 * for blocking handlers, no server version header, and an error handler that never shows stack
 * traces. Not thread-safe to start and stop concurrently.
 */
public final class WebServer implements AutoCloseable {
  private final Server server;
  private final ServerConnector connector;

  /** A server for {@code handler} on {@code host:port} (port 0 picks a free one). */
  public WebServer(String host, int port, Router handler) {
    QueuedThreadPool threads = new QueuedThreadPool(64, 4);
    threads.setName("gatehouse-http");
    server = new Server(threads);
    HttpConfiguration http = new HttpConfiguration();
    http.setSendServerVersion(false);
    http.setSendXPoweredBy(false);
    http.setRequestHeaderSize(16 * 1024);
    connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(http));
    connector.setHost(host);
    connector.setPort(port);
    server.addConnector(connector);
    ErrorHandler errors = new ErrorHandler();
    errors.setShowStacks(false);
    errors.setShowMessageInTitle(false);
    errors.setShowCauses(false);
    server.setErrorHandler(errors);
    server.setHandler(handler);
    server.setStopTimeout(5_000);
  }

  /** Starts listening. */
  public void start() throws Exception {
    server.start();
  }

  /** The bound address (useful with port 0). */
  public InetSocketAddress address() {
    return new InetSocketAddress(
        connector.getHost() == null ? "0.0.0.0" : connector.getHost(), connector.getLocalPort());
  }

  /** Blocks until the server stops. */
  public void join() throws InterruptedException {
    server.join();
  }

  @Override
  public void close() {
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
