package dev.gatehouse.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP relay on a loopback port in front of a real server (PostgreSQL), which a test can cut —
 * every connection closed and new ones refused, as when the server is stopped — and restore on the
 * same port. Thread-safe.
 */
public final class TcpRelay implements AutoCloseable {
  private final int port;
  private final InetSocketAddress target;
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private volatile ServerSocket server;

  private TcpRelay(int port, InetSocketAddress target) throws IOException {
    this.port = port;
    this.target = target;
    listen();
  }

  /** A relay on a free loopback port to {@code host:port}. */
  public static TcpRelay to(String host, int port) throws IOException {
    return new TcpRelay(TestProxy.freePort(), new InetSocketAddress(host, port));
  }

  /** The relay's port. */
  public int port() {
    return port;
  }

  private void listen() throws IOException {
    ServerSocket socket = new ServerSocket();
    socket.setReuseAddress(true);
    socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
    server = socket;
    Thread.ofPlatform()
        .daemon()
        .name("tcp-relay-accept")
        .start(
            () -> {
              while (!socket.isClosed()) {
                try {
                  Socket client = socket.accept();
                  Socket upstream = new Socket(target.getAddress(), target.getPort());
                  sockets.add(client);
                  sockets.add(upstream);
                  pipe(client, upstream);
                  pipe(upstream, client);
                } catch (IOException closed) {
                  // the relay was cut or closed
                }
              }
            });
  }

  private void pipe(Socket from, Socket to) {
    Thread.ofPlatform()
        .daemon()
        .name("tcp-relay-pipe")
        .start(
            () -> {
              try (InputStream in = from.getInputStream();
                  OutputStream out = to.getOutputStream()) {
                in.transferTo(out);
              } catch (IOException e) {
                // one side closed
              } finally {
                closeQuietly(from);
                closeQuietly(to);
              }
            });
  }

  /** Closes every relayed connection and refuses new ones. */
  public void cut() {
    closeQuietly(server);
    for (Socket socket : sockets) {
      closeQuietly(socket);
    }
    sockets.clear();
  }

  /** Accepts connections again, on the same port. */
  public void restore() throws IOException {
    listen();
  }

  private static void closeQuietly(AutoCloseable closeable) {
    try {
      closeable.close();
    } catch (Exception e) {
      // already closed
    }
  }

  @Override
  public void close() {
    cut();
  }
}
