package dev.gatehouse.url;

import java.io.ByteArrayOutputStream;
import java.net.IDN;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;
import java.util.Optional;

/**
 * The one canonicaliser for request targets (SECURITY.md §1). Anything ambiguous is refused (empty
 * result), never guessed: callers deny. Stateless and thread-safe.
 *
 * <p>Host: lower-case, IDNA to ASCII, one trailing dot stripped, default port dropped. Path: must
 * start with {@code /}; percent-decoded exactly once as UTF-8; refused when it holds an encoded
 * slash or backslash, a backslash, a {@code ;} path parameter, NUL or other control characters,
 * {@code #}, or anything that would decode again; {@code .} and {@code ..} segments resolved
 * (refused when {@code ..} climbs above the root); {@code //} collapsed.
 */
public final class Canonicalizer {
  private static final java.util.regex.Pattern LOOKALIKE_SLASHES =
      java.util.regex.Pattern.compile("[\u2044\u2215\u2216\u29f5\u29f8\u29f9\ufe68]");

  private static final int MAX_PATH = 8192;

  private Canonicalizer() {}

  /**
   * Canonicalises a full target.
   *
   * @param scheme the request scheme ({@code http}/{@code https}, any case)
   * @param hostAndPort the {@code Host} value, {@code host[:port]}
   * @param rawTarget the raw request target, path with optional query; the query is ignored
   */
  public static Optional<CanonicalTarget> target(
      String scheme, String hostAndPort, String rawTarget) {
    String lowerScheme = scheme.toLowerCase(Locale.ROOT);
    if (!lowerScheme.equals("http") && !lowerScheme.equals("https")) {
      return Optional.empty();
    }
    Optional<String[]> authority = authority(hostAndPort, lowerScheme);
    if (authority.isEmpty()) {
      return Optional.empty();
    }
    int query = rawTarget.indexOf('?');
    String rawPath = query < 0 ? rawTarget : rawTarget.substring(0, query);
    if (rawPath.startsWith("//")) {
      // A network-path reference: an app that reads it as //host/path serves another path than
      // the one collapsing the slashes would decide on.
      return Optional.empty();
    }
    Optional<String> path = path(rawPath);
    if (path.isEmpty()) {
      return Optional.empty();
    }
    String[] hostPort = authority.get();
    int port = hostPort[1].isEmpty() ? -1 : Integer.parseInt(hostPort[1]);
    return Optional.of(new CanonicalTarget(lowerScheme, hostPort[0], port, path.get()));
  }

  /**
   * Canonical {@code {host, port}} from {@code host[:port]}; port is empty when absent or the
   * scheme's default.
   */
  static Optional<String[]> authority(String hostAndPort, String scheme) {
    if (hostAndPort.isEmpty() || hostAndPort.length() > 300 || hasControlOrSpace(hostAndPort)) {
      return Optional.empty();
    }
    String host;
    String port = "";
    if (hostAndPort.startsWith("[")) {
      int close = hostAndPort.indexOf(']');
      if (close < 0) {
        return Optional.empty();
      }
      host = hostAndPort.substring(0, close + 1);
      String rest = hostAndPort.substring(close + 1);
      if (!rest.isEmpty()) {
        if (!rest.startsWith(":")) {
          return Optional.empty();
        }
        port = rest.substring(1);
        if (port.isEmpty()) {
          return Optional.empty();
        }
      }
      if (!host.substring(1, host.length() - 1).matches("[0-9A-Fa-f:.]{2,45}")) {
        return Optional.empty();
      }
      host = host.toLowerCase(Locale.ROOT);
    } else {
      int colon = hostAndPort.indexOf(':');
      host = colon < 0 ? hostAndPort : hostAndPort.substring(0, colon);
      port = colon < 0 ? "" : hostAndPort.substring(colon + 1);
      if (colon >= 0 && port.isEmpty()) {
        return Optional.empty(); // "host:" is malformed, not "host".
      }
      Optional<String> ascii = host(host);
      if (ascii.isEmpty()) {
        return Optional.empty();
      }
      host = ascii.get();
    }
    if (!port.isEmpty()) {
      if (!isDigits(port, 5)) {
        return Optional.empty();
      }
      int number = Integer.parseInt(port);
      if (number < 1 || number > 65535) {
        return Optional.empty();
      }
      boolean isDefault =
          (scheme.equals("http") && number == 80) || (scheme.equals("https") && number == 443);
      port = isDefault ? "" : Integer.toString(number);
    }
    return Optional.of(new String[] {host, port});
  }

  /** Canonical DNS host name: IDNA to ASCII, lower case, one trailing dot stripped. */
  static Optional<String> host(String host) {
    String name = host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
    if (name.isEmpty() || name.endsWith(".") || hasControlOrSpace(name)) {
      return Optional.empty();
    }
    if (isLowerAsciiHostName(name)) {
      return Optional.of(
          name); // Already canonical: the common case, and IDNA is costly per request.
    }
    String ascii;
    try {
      ascii = IDN.toASCII(name, IDN.USE_STD3_ASCII_RULES).toLowerCase(Locale.ROOT);
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
    if (ascii.isEmpty()
        || ascii.length() > 253
        || !ascii.matches("[a-z0-9.-]+")
        || ascii.contains("..")) {
      return Optional.empty();
    }
    return Optional.of(ascii);
  }

  /**
   * Whether {@code name} is already a canonical host name: labels of 1–63 lower-case letters,
   * digits and inner hyphens (what IDNA with STD3 rules returns unchanged for ASCII input).
   */
  private static boolean isLowerAsciiHostName(String name) {
    if (name.length() > 253) {
      return false;
    }
    int labelStart = 0;
    for (int i = 0; i <= name.length(); i++) {
      char c = i == name.length() ? '.' : name.charAt(i);
      if (c == '.') {
        int length = i - labelStart;
        if (length < 1
            || length > 63
            || name.charAt(labelStart) == '-'
            || name.charAt(i - 1) == '-') {
          return false;
        }
        labelStart = i + 1;
      } else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
        return false;
      }
    }
    return true;
  }

  private static boolean isDigits(String text, int maxLength) {
    if (text.isEmpty() || text.length() > maxLength) {
      return false;
    }
    for (int i = 0; i < text.length(); i++) {
      if (text.charAt(i) < '0' || text.charAt(i) > '9') {
        return false;
      }
    }
    return true;
  }

  /** Canonical path from a raw (still percent-encoded) path, or empty when it is ambiguous. */
  public static Optional<String> path(String rawPath) {
    if (!screened(rawPath)) {
      return Optional.empty();
    }
    // The common case, checked without allocating (this runs on every verify): nothing to decode
    // and nothing to resolve leaves the path as it is.
    return alreadyCanonical(rawPath) ? Optional.of(rawPath) : decodeAndResolve(rawPath);
  }

  /** {@link #path} without its shortcut for paths that are canonical already (for the tests). */
  static Optional<String> pathTheLongWay(String rawPath) {
    return screened(rawPath) ? decodeAndResolve(rawPath) : Optional.empty();
  }

  /** Whether a raw path may be canonicalised at all: absolute, bounded, printable ASCII. */
  private static boolean screened(String rawPath) {
    if (rawPath.isEmpty() || rawPath.charAt(0) != '/' || rawPath.length() > MAX_PATH) {
      return false;
    }
    for (int i = 0; i < rawPath.length(); i++) {
      char c = rawPath.charAt(i);
      if (c <= 0x20 || c == 0x7f || c == '\\' || c == ';' || c == '#' || c > 0x7e) {
        return false;
      }
    }
    return true;
  }

  /**
   * Whether a path that passed {@link #path}'s first screen (printable ASCII, no {@code \\ ; #}) is
   * canonical as it stands: no percent-encoding, no empty segment before the end ({@code //}), no
   * {@code .} or {@code ..} segment and no segment ending with a dot.
   */
  private static boolean alreadyCanonical(String rawPath) {
    for (int i = 1; i < rawPath.length(); i++) {
      char c = rawPath.charAt(i);
      if (c == '%') {
        return false;
      }
      if (c == '/') {
        char before = rawPath.charAt(i - 1);
        if (before == '/' || before == '.') {
          return false;
        }
      }
    }
    return rawPath.charAt(rawPath.length() - 1) != '.';
  }

  /** {@link #path} for a screened path that is not canonical as it stands. */
  private static Optional<String> decodeAndResolve(String rawPath) {
    Optional<String> decoded = decodeOnce(rawPath);
    if (decoded.isEmpty()) {
      return Optional.empty();
    }
    String path = decoded.get();
    for (int i = 0; i < path.length(); i++) {
      char c = path.charAt(i);
      // Decoded characters that would change meaning: control bytes, backslash, path parameters,
      // and a '%' that would decode a second time.
      if (Character.isISOControl(c) || c == '\\' || c == ';' || c == '%') {
        return Optional.empty();
      }
    }
    // Windows (IIS) drops a segment's trailing dots and spaces, and apps that apply Unicode
    // compatibility normalisation read a full-width dot as a dot: either would make the served
    // path differ from the decided one.
    // (Allocation-free: this runs on every verify. ASCII is always in NFKC form.)
    boolean ascii = true;
    for (int i = 0; i < path.length() && ascii; i++) {
      ascii = path.charAt(i) < 0x80;
    }
    if (!ascii
        && (!java.text.Normalizer.isNormalized(path, java.text.Normalizer.Form.NFKC)
            || LOOKALIKE_SLASHES.matcher(path).find())) {
      // Slash look-alikes that NFKC keeps but Windows' best-fit mapping turns into separators.
      return Optional.empty();
    }
    int start = 0;
    for (int i = 0; i <= path.length(); i++) {
      if (i < path.length() && path.charAt(i) != '/') {
        continue;
      }
      int length = i - start;
      if (length > 0) {
        char first = path.charAt(start);
        char last = path.charAt(i - 1);
        boolean dotSegment =
            (length == 1 && first == '.') || (length == 2 && first == '.' && last == '.');
        if (!dotSegment && (last == '.' || last == ' ' || first == ' ')) {
          return Optional.empty();
        }
      }
      start = i + 1;
    }
    return resolveDots(path);
  }

  private static Optional<String> decodeOnce(String raw) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(raw.length());
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c == '%') {
        if (i + 2 >= raw.length()) {
          return Optional.empty();
        }
        int hi = Character.digit(raw.charAt(i + 1), 16);
        int lo = Character.digit(raw.charAt(i + 2), 16);
        if (hi < 0 || lo < 0) {
          return Optional.empty();
        }
        int value = hi * 16 + lo;
        if (value == '/') {
          return Optional.empty(); // An encoded slash means one thing to us and another upstream.
        }
        bytes.write(value);
        i += 2;
      } else {
        bytes.write(c);
      }
    }
    try {
      return Optional.of(
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(bytes.toByteArray()))
              .toString());
    } catch (CharacterCodingException e) {
      return Optional.empty();
    }
  }

  private static Optional<String> resolveDots(String path) {
    Deque<String> segments = new ArrayDeque<>();
    String[] parts = path.split("/", -1);
    for (int i = 1; i < parts.length; i++) {
      String part = parts[i];
      boolean last = i == parts.length - 1;
      if (part.equals(".")) {
        if (last) {
          segments.addLast("");
        }
      } else if (part.equals("..")) {
        if (segments.isEmpty()) {
          return Optional.empty(); // Climbing above the root is never a legitimate request.
        }
        segments.removeLast();
        if (last) {
          segments.addLast("");
        }
      } else if (!part.isEmpty() || last) {
        segments.addLast(part); // An empty segment before the end is "//", which collapses to "/".
      }
    }
    return Optional.of("/" + String.join("/", segments));
  }

  private static boolean hasControlOrSpace(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c <= 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f)) {
        return true;
      }
    }
    return false;
  }
}
