package dev.gatehouse.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A browser of many hosts over one loopback port: every request goes to Gatehouse with the URL's
 * host in {@code Host}, and cookies are kept the way browsers keep them (RFC 6265): a {@code
 * Domain} cookie only when the setting host lies inside that domain, then sent to that domain and
 * its subdomains; a host-only cookie only back to its own host; {@code Max-Age=0} deletes. So a
 * test sees what a browser would hold on each site. Not thread-safe.
 */
public final class HostBrowser {
  private static final Pattern CSRF = Pattern.compile("name=\"csrf\" value=\"([^\"]*)\"");

  private final int port;
  private final List<Cookie> jar = new ArrayList<>();

  /** A cookie in the jar: a {@code Domain} one or a host-only one. */
  public record Cookie(String name, String value, String domain, boolean hostOnly) {}

  /** A response: status, header lines and body. */
  public record Response(int status, List<String> headers, String body) {
    /** The first value of a header. */
    public Optional<String> header(String name) {
      return headers(name).stream().findFirst();
    }

    /** Every value of a header. */
    public List<String> headers(String name) {
      List<String> values = new ArrayList<>();
      for (String line : headers) {
        int colon = line.indexOf(':');
        if (colon > 0 && line.substring(0, colon).equalsIgnoreCase(name)) {
          values.add(line.substring(colon + 1).strip());
        }
      }
      return values;
    }

    /** The {@code Location} header. */
    public String location() {
      return header("Location").orElseThrow(() -> new AssertionError("no Location: " + this));
    }
  }

  /** A browser talking to Gatehouse on {@code port}. */
  public HostBrowser(int port) {
    this.port = port;
  }

  /** The cookies held, in the order set. */
  public List<Cookie> cookies() {
    return List.copyOf(jar);
  }

  /** Puts a cookie into the jar (as a test forging or restoring one). */
  public void put(Cookie cookie) {
    jar.removeIf(
        c ->
            c.name().equals(cookie.name())
                && c.domain().equals(cookie.domain())
                && c.hostOnly() == cookie.hostOnly());
    jar.add(cookie);
  }

  /** The value of the cookie {@code name} this browser would send to {@code host}. */
  public Optional<String> cookieFor(String host, String name) {
    return jar.stream()
        .filter(c -> c.name().equals(name) && sentTo(c, host))
        .map(Cookie::value)
        .findFirst();
  }

  /** GET {@code url} as a top-level navigation. */
  public Response get(String url) throws IOException {
    return send("GET", url, Map.of(), "");
  }

  /**
   * Navigates to {@code url} and follows redirects (at most 10), as a browser does; the last
   * response.
   */
  public Response navigate(String url) throws IOException {
    Response response = get(url);
    String at = url;
    for (int i = 0; i < 10 && response.status() / 100 == 3; i++) {
      at = URI.create(at).resolve(response.location()).toString();
      response = get(at);
    }
    return response;
  }

  /** Signs in on the portal at {@code origin} with a password; the POST's response. */
  public Response signIn(String origin, String username, String password) throws IOException {
    Response page = get(origin + "/login");
    return post(
        origin + "/login",
        "username=" + username + "&password=" + password.replace(" ", "+") + "&csrf=" + csrf(page));
  }

  /** POSTs a form from a page of {@code url}'s own origin. */
  public Response post(String url, String form) throws IOException {
    URI uri = URI.create(url);
    String origin = uri.getScheme() + "://" + uri.getRawAuthority();
    return send(
        "POST",
        url,
        Map.of("Origin", origin, "Content-Type", "application/x-www-form-urlencoded"),
        form);
  }

  /** The value of the hidden form field {@code name} on a page, unescaped. */
  public static String hidden(Response page, String name) {
    Matcher m =
        Pattern.compile("name=\"" + Pattern.quote(name) + "\" value=\"([^\"]*)\"")
            .matcher(page.body());
    if (!m.find()) {
      throw new AssertionError("no field " + name + " on the page: " + page.body());
    }
    return m.group(1)
        .replace("&#39;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
  }

  /**
   * A forward-auth call ({@code GET /api/verify}) as a proxy on loopback makes it, with {@code
   * headers} ({@code Name: value}).
   */
  public static Response forwardAuth(int port, String... headers) throws IOException {
    StringBuilder request = new StringBuilder("GET /api/verify HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    for (String header : headers) {
      request.append(header).append("\r\n");
    }
    request.append("Connection: close\r\n\r\n");
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
      socket.setSoTimeout(10_000);
      socket.getOutputStream().write(request.toString().getBytes(StandardCharsets.ISO_8859_1));
      return read(socket.getInputStream());
    }
  }

  /** The CSRF token of a page. */
  public static String csrf(Response page) {
    Matcher m = CSRF.matcher(page.body());
    if (!m.find()) {
      throw new AssertionError("no CSRF token on the page: " + page.body());
    }
    return m.group(1);
  }

  private Response send(String method, String url, Map<String, String> extra, String body)
      throws IOException {
    URI uri = URI.create(url);
    String host = uri.getHost().toLowerCase(Locale.ROOT);
    String target =
        (uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath())
            + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
    StringBuilder request = new StringBuilder();
    request.append(method).append(' ').append(target).append(" HTTP/1.1\r\n");
    request.append("Host: ").append(uri.getRawAuthority()).append("\r\n");
    request.append("Accept: text/html\r\n");
    request.append("Sec-Fetch-Mode: navigate\r\nSec-Fetch-Dest: document\r\n");
    request.append("User-Agent: HostBrowser\r\nConnection: close\r\n");
    List<String> cookies = new ArrayList<>();
    for (Cookie cookie : jar) {
      if (sentTo(cookie, host)) {
        cookies.add(cookie.name() + "=" + cookie.value());
      }
    }
    if (!cookies.isEmpty()) {
      request.append("Cookie: ").append(String.join("; ", cookies)).append("\r\n");
    }
    extra.forEach((k, v) -> request.append(k).append(": ").append(v).append("\r\n"));
    byte[] content = body.getBytes(StandardCharsets.UTF_8);
    if (method.equals("POST")) {
      request.append("Content-Length: ").append(content.length).append("\r\n");
    }
    request.append("\r\n");
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write(request.toString().getBytes(StandardCharsets.ISO_8859_1));
      out.write(content);
      out.flush();
      Response response = read(socket.getInputStream());
      for (String set : response.headers("Set-Cookie")) {
        store(host, set);
      }
      return response;
    }
  }

  private static boolean sentTo(Cookie cookie, String host) {
    return cookie.hostOnly()
        ? host.equals(cookie.domain())
        : host.equals(cookie.domain()) || host.endsWith("." + cookie.domain());
  }

  private void store(String host, String header) {
    String[] parts = header.split(";");
    int eq = parts[0].indexOf('=');
    String name = parts[0].substring(0, eq).strip();
    String value = parts[0].substring(eq + 1).strip();
    String domain = host;
    boolean hostOnly = true;
    boolean delete = false;
    for (int i = 1; i < parts.length; i++) {
      String attribute = parts[i].strip();
      String lower = attribute.toLowerCase(Locale.ROOT);
      if (lower.startsWith("domain=")) {
        String d = lower.substring(7);
        d = d.startsWith(".") ? d.substring(1) : d;
        if (!(host.equals(d) || host.endsWith("." + d))) {
          return; // A browser ignores a cookie for a domain the setting host is not inside.
        }
        domain = d;
        hostOnly = false;
      } else if (lower.startsWith("max-age=")) {
        delete = Long.parseLong(lower.substring(8)) <= 0;
      } else if (lower.startsWith("expires=") && lower.contains("1970")) {
        delete = true;
      }
    }
    String d = domain;
    boolean h = hostOnly;
    jar.removeIf(c -> c.name().equals(name) && c.domain().equals(d) && c.hostOnly() == h);
    if (!delete) {
      jar.add(new Cookie(name, value, domain, hostOnly));
    }
  }

  private static Response read(InputStream in) throws IOException {
    String head = RawHttp.readHead(in);
    String[] lines = head.split("\r\n");
    int status = Integer.parseInt(lines[0].split(" ")[1]);
    List<String> headers = new ArrayList<>(List.of(lines).subList(1, lines.length));
    headers.removeIf(String::isEmpty);
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    in.transferTo(body);
    boolean chunked =
        headers.stream().anyMatch(l -> l.toLowerCase(Locale.ROOT).startsWith("transfer-encoding"));
    byte[] bytes = chunked ? dechunk(body.toByteArray()) : body.toByteArray();
    return new Response(status, headers, new String(bytes, StandardCharsets.UTF_8));
  }

  private static byte[] dechunk(byte[] chunked) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int at = 0;
    while (at < chunked.length) {
      int eol = at;
      while (eol + 1 < chunked.length && !(chunked[eol] == '\r' && chunked[eol + 1] == '\n')) {
        eol++;
      }
      String line = new String(chunked, at, eol - at, StandardCharsets.ISO_8859_1);
      int size = Integer.parseInt(line.split(";")[0].strip(), 16);
      if (size == 0) {
        break;
      }
      out.write(chunked, eol + 2, Math.min(size, chunked.length - eol - 2));
      at = eol + 2 + size + 2;
    }
    return out.toByteArray();
  }
}
