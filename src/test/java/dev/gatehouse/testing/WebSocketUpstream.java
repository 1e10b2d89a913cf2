package dev.gatehouse.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;

/**
 * A WebSocket app for proxy tests: completes the RFC 6455 opening handshake (101 with {@code
 * Sec-WebSocket-Accept}) for upgrade requests — and, like an h2c-capable server (Hypercorn, Jetty),
 * switches protocols for any other {@code Upgrade} it is sent — answers 200 to others, and records
 * each request head it received. One connection at a time. Thread-safe.
 */
public final class WebSocketUpstream implements AutoCloseable {
  private static final String GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

  private final ServerSocket server;
  private final List<String> seen = Collections.synchronizedList(new ArrayList<>());
  private final Thread thread;

  private WebSocketUpstream(ServerSocket server) {
    this.server = server;
    this.thread = Thread.ofPlatform().daemon().name("websocket-upstream").start(this::serve);
  }

  /** Starts on a random loopback port. */
  public static WebSocketUpstream start() throws IOException {
    return new WebSocketUpstream(new ServerSocket(0, 16, InetAddress.getLoopbackAddress()));
  }

  /** {@code 127.0.0.1:port}. */
  public String address() {
    return "127.0.0.1:" + server.getLocalPort();
  }

  /** Request heads received so far. */
  public List<String> seen() {
    synchronized (seen) {
      return List.copyOf(seen);
    }
  }

  private void serve() {
    while (!server.isClosed()) {
      try (Socket socket = server.accept()) {
        socket.setSoTimeout(5_000);
        String head = RawHttp.readHead(socket.getInputStream());
        seen.add(head);
        String key = header(head, "Sec-WebSocket-Key");
        OutputStream out = socket.getOutputStream();
        String upgrade = header(head, "Upgrade");
        if (!upgrade.isEmpty() && !upgrade.equalsIgnoreCase("websocket")) {
          out.write(
              ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: "
                      + upgrade
                      + "\r\nConnection: Upgrade\r\n\r\n")
                  .getBytes(StandardCharsets.ISO_8859_1));
        } else if (!key.isEmpty() && upgrade.equalsIgnoreCase("websocket")) {
          out.write(
              ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                      + "Sec-WebSocket-Accept: "
                      + accept(key)
                      + "\r\n\r\n")
                  .getBytes(StandardCharsets.ISO_8859_1));
          out.write(new byte[] {(byte) 0x81, 2, 'h', 'i'}); // one text frame, then close
        } else {
          out.write(
              "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
                  .getBytes(StandardCharsets.ISO_8859_1));
        }
        out.flush();
      } catch (IOException e) {
        // closed, or a client that went away: serve the next one
      }
    }
  }

  /** The {@code Sec-WebSocket-Accept} for a key (RFC 6455 §4.2.2). */
  public static String accept(String key) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-1")
              .digest((key + GUID).getBytes(StandardCharsets.ISO_8859_1));
      return Base64.getEncoder().encodeToString(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String header(String head, String name) {
    for (String line : head.split("\r\n")) {
      int colon = line.indexOf(':');
      if (colon > 0 && line.substring(0, colon).strip().equalsIgnoreCase(name)) {
        return line.substring(colon + 1).strip();
      }
    }
    return "";
  }

  @Override
  public void close() {
    try {
      server.close();
      thread.join(2_000);
    } catch (IOException | InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
