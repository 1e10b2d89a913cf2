package dev.gatehouse.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * HTTP/1.1 written by hand over a socket, for what {@code java.net.http} will not send:
 * absolute-form request targets, a {@code Host} that differs from the request line, {@code
 * Connection} and {@code Upgrade} headers. Stateless.
 */
public final class RawHttp {
  private RawHttp() {}

  /** A response head: status code and the header block as text. */
  public record Head(int status, String text) {
    /** Whether a header line {@code name: value} is present (name without regard to case). */
    public boolean hasHeader(String name, String value) {
      return text.lines()
          .anyMatch(
              l ->
                  l.regionMatches(true, 0, name + ":", 0, name.length() + 1)
                      && l.substring(name.length() + 1).strip().equalsIgnoreCase(value));
    }
  }

  /**
   * Sends {@code requestLine} and {@code headers} (each {@code Name: value}) with {@code
   * Connection: close} unless given, and reads the response head.
   */
  public static Head send(int port, String requestLine, String... headers) throws IOException {
    return sendTo(InetAddress.getLoopbackAddress(), port, requestLine, headers);
  }

  /** As {@link #send}, to {@code address} instead of loopback. */
  public static Head sendTo(InetAddress address, int port, String requestLine, String... headers)
      throws IOException {
    StringBuilder request = new StringBuilder(requestLine).append("\r\n");
    boolean connection = false;
    for (String header : headers) {
      request.append(header).append("\r\n");
      connection |= header.regionMatches(true, 0, "Connection:", 0, 11);
    }
    if (!connection) {
      request.append("Connection: close\r\n");
    }
    request.append("\r\n");
    try (Socket socket = new Socket(address, port)) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write(request.toString().getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      String head = readHead(socket.getInputStream());
      String[] statusLine = head.split("\r\n", 2)[0].split(" ");
      if (statusLine.length < 2) {
        throw new IOException("no HTTP response: " + head);
      }
      return new Head(Integer.parseInt(statusLine[1]), head);
    }
  }

  /**
   * One kept-alive connection: requests written by hand one after another, each answer read whole
   * (head, then a {@code Content-Length} body) before the next is sent. Not thread-safe.
   */
  public static final class Connection implements AutoCloseable {
    private final Socket socket;

    /** Opens a connection to {@code port} on loopback. */
    public Connection(int port) throws IOException {
      socket = new Socket(InetAddress.getLoopbackAddress(), port);
      socket.setSoTimeout(10_000);
    }

    /**
     * Sends {@code requestLine}, {@code headers} and {@code body} (with its {@code Content-Length}
     * when not empty) and reads the answer; its body is read and dropped.
     */
    public Head exchange(String requestLine, String body, String... headers) throws IOException {
      StringBuilder request = new StringBuilder(requestLine).append("\r\n");
      for (String header : headers) {
        request.append(header).append("\r\n");
      }
      byte[] content = body.getBytes(StandardCharsets.UTF_8);
      if (content.length > 0) {
        request.append("Content-Length: ").append(content.length).append("\r\n");
      }
      request.append("\r\n");
      ByteArrayOutputStream whole = new ByteArrayOutputStream();
      whole.writeBytes(request.toString().getBytes(StandardCharsets.ISO_8859_1));
      whole.writeBytes(content); // in one write: a body that arrives later may cost the connection
      OutputStream out = socket.getOutputStream();
      out.write(whole.toByteArray());
      out.flush();
      InputStream in = socket.getInputStream();
      String head = readHead(in);
      if (head.isEmpty()) {
        throw new IOException("the connection was closed before an answer");
      }
      long length =
          head.lines()
              .filter(l -> l.regionMatches(true, 0, "Content-Length:", 0, 15))
              .mapToLong(l -> Long.parseLong(l.substring(15).strip()))
              .findFirst()
              .orElse(0);
      in.readNBytes((int) length);
      return new Head(Integer.parseInt(head.split("\r\n", 2)[0].split(" ")[1]), head);
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }

  /** Reads up to and including the blank line that ends a message head. */
  static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0;
    byte[] end = {'\r', '\n', '\r', '\n'};
    while (matched < 4) {
      int b = in.read();
      if (b < 0) {
        break;
      }
      head.write(b);
      matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
    }
    return head.toString(StandardCharsets.ISO_8859_1);
  }
}
