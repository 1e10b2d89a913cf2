package dev.gatehouse.web;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.eclipse.jetty.http.HttpCookie;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.server.FormFields;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.Fields;

/**
 * One HTTP exchange as the route handlers see it: typed access to the request, and a response that
 * is assembled first and written once by {@link Router}. Not thread-safe; one per request.
 */
public final class Exchange {
  private static final int MAX_FORM_FIELDS = 32;
  private static final int MAX_FORM_BYTES = 64 * 1024;

  private final Request request;
  private byte[] buffered;
  private final String clientAddress;
  private Fields query;
  private Fields form;
  private String rawForm;

  int status = 200;
  String contentType = "text/html; charset=utf-8";
  byte[] body = new byte[0];
  final List<HttpField> headers = new ArrayList<>();
  final List<HttpCookie> cookies = new ArrayList<>();

  private final String peer;

  Exchange(Request request, String peer, String clientAddress) {
    this.request = request;
    this.peer = peer;
    this.clientAddress = clientAddress;
  }

  /** The TCP peer's address (the proxy, when there is one). */
  public String peer() {
    return peer;
  }

  /** Every value of a request header, in order. */
  public List<String> headers(String name) {
    return request.getHeaders().getValuesList(name);
  }

  /** A request header that occurs exactly once; empty when absent or repeated (ambiguous). */
  public Optional<String> singleHeader(String name) {
    List<String> values = request.getHeaders().getValuesList(name);
    return values.size() == 1 ? Optional.of(values.get(0)) : Optional.empty();
  }

  /** Sets an answer with no body at all ({@code Content-Length: 0}, no content type). */
  public void empty(int status) {
    this.status = status;
    this.contentType = "";
    this.body = new byte[0];
  }

  /** The request method, upper case. */
  public String method() {
    return request.getMethod();
  }

  /** The path of the request, as received (not decoded). */
  public String path() {
    return request.getHttpURI().getPath();
  }

  /** The client's address: the peer, or the forwarded client when the peer is a trusted proxy. */
  public String clientAddress() {
    return clientAddress;
  }

  /** A request header, if present (the first when repeated). */
  public Optional<String> header(String name) {
    return Optional.ofNullable(request.getHeaders().get(name));
  }

  /** All values of a cookie name in the request (more than one means someone tossed a cookie). */
  public List<String> cookies(String name) {
    List<String> values = new ArrayList<>();
    for (HttpCookie cookie : Request.getCookies(request)) {
      if (cookie.getName().equals(name)) {
        values.add(cookie.getValue());
      }
    }
    return values;
  }

  /**
   * The distinct values of the cookies with any of {@code names}, exactly as the client sent them
   * (no decoding: a token is compared as it arrived).
   */
  public List<String> cookies(List<String> names) {
    return cookies(request, names);
  }

  /**
   * The distinct values of the cookies of {@code request} with any of {@code names}, exactly as the
   * client sent them.
   */
  public static List<String> cookies(Request request, List<String> names) {
    List<String> values = new ArrayList<>(1);
    for (HttpCookie cookie : Request.getCookies(request)) {
      if (names.contains(cookie.getName()) && !values.contains(cookie.getValue())) {
        values.add(cookie.getValue());
      }
    }
    return values;
  }

  /** A query parameter, if present; empty also when it repeats (ambiguous). */
  public Optional<String> query(String name) {
    if (query == null) {
      try {
        query = Request.extractQueryParameters(request, StandardCharsets.UTF_8);
      } catch (RuntimeException e) {
        throw new BadRequestException("unreadable query: " + e.getClass().getSimpleName());
      }
    }
    return single(query, name);
  }

  /**
   * A form field of an {@code application/x-www-form-urlencoded} body; empty when absent or
   * repeated.
   *
   * @throws BadRequestException when the body is not a form or is too large
   */
  public Optional<String> form(String name) {
    if (form == null) {
      String type = header("Content-Type").orElse("");
      if (!type.toLowerCase(java.util.Locale.ROOT)
          .startsWith("application/x-www-form-urlencoded")) {
        throw new BadRequestException("form body expected");
      }
      try {
        form = FormFields.getFields(request, MAX_FORM_FIELDS, MAX_FORM_BYTES);
      } catch (RuntimeException e) {
        throw new BadRequestException("unreadable form: " + e.getClass().getSimpleName());
      }
    }
    return single(form, name);
  }

  /**
   * The body of an {@code application/json} request, at most 64 KiB.
   *
   * @throws BadRequestException when it is not JSON or too large
   */
  public String jsonBody() {
    String type = header("Content-Type").orElse("");
    if (!type.toLowerCase(java.util.Locale.ROOT).startsWith("application/json")) {
      throw new BadRequestException("JSON body expected");
    }
    byte[] bytes = bufferedBody();
    if (bytes.length > MAX_FORM_BYTES) {
      throw new BadRequestException("JSON body too large");
    }
    return new String(bytes, StandardCharsets.UTF_8);
  }

  /**
   * Reads the body (at most 64 KiB and one byte) and keeps it: an answer given without looking at
   * the body (a refusal) then leaves the connection clean for the client's next request.
   */
  public byte[] bufferedBody() {
    if (buffered == null) {
      try {
        buffered = Request.asInputStream(request).readNBytes(MAX_FORM_BYTES + 1);
      } catch (java.io.IOException e) {
        throw new BadRequestException("unreadable body: " + e.getClass().getSimpleName());
      }
    }
    return buffered;
  }

  /** The raw query string (still percent-encoded), or empty. */
  public String rawQuery() {
    String query = request.getHttpURI().getQuery();
    return query == null ? "" : query;
  }

  /**
   * The raw body of an {@code application/x-www-form-urlencoded} request, at most 64 KiB, for
   * protocol libraries that parse forms themselves (read once, then kept).
   *
   * @throws BadRequestException when it is not a form or is too large
   */
  public String rawForm() {
    if (rawForm != null) {
      return rawForm;
    }
    String type = header("Content-Type").orElse("");
    if (!type.toLowerCase(java.util.Locale.ROOT).startsWith("application/x-www-form-urlencoded")) {
      throw new BadRequestException("form body expected");
    }
    try {
      byte[] bytes = Request.asInputStream(request).readNBytes(MAX_FORM_BYTES + 1);
      if (bytes.length > MAX_FORM_BYTES) {
        throw new BadRequestException("form body too large");
      }
      rawForm = new String(bytes, StandardCharsets.UTF_8);
      return rawForm;
    } catch (java.io.IOException e) {
      throw new BadRequestException("unreadable body: " + e.getClass().getSimpleName());
    }
  }

  /** Sets a response with any content type (empty: no body type). */
  public void respond(int status, String contentType, String content) {
    this.status = status;
    this.contentType = contentType;
    this.body = content.getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Sets a response from bytes rendered beforehand (served as they are, not copied: the caller
   * never changes them).
   */
  public void respond(int status, String contentType, byte[] content) {
    this.status = status;
    this.contentType = contentType;
    this.body = content;
  }

  /** Sets a JSON response. */
  public void json(int status, String json) {
    this.status = status;
    this.contentType = "application/json";
    this.body = json.getBytes(StandardCharsets.UTF_8);
  }

  /** A form field, or the empty string. */
  public String formOrEmpty(String name) {
    return form(name).orElse("");
  }

  private static Optional<String> single(Fields fields, String name) {
    Fields.Field field = fields.get(name);
    if (field == null || field.getValues().size() != 1) {
      return Optional.empty();
    }
    return Optional.of(field.getValue());
  }

  /** Sets an HTML response. */
  public void html(int status, String html) {
    this.status = status;
    this.contentType = "text/html; charset=utf-8";
    this.body = html.getBytes(StandardCharsets.UTF_8);
  }

  /** Sets a plain-text response. */
  public void text(int status, String text) {
    this.status = status;
    this.contentType = "text/plain; charset=utf-8";
    this.body = text.getBytes(StandardCharsets.UTF_8);
  }

  /** Sets a response of any type. */
  public void bytes(int status, String contentType, ByteArrayOutputStream content) {
    this.status = status;
    this.contentType = contentType;
    this.body = content.toByteArray();
  }

  /** A redirect; {@code 303 See Other} after a POST so the browser follows with GET. */
  public void redirect(int status, String location) {
    this.status = status;
    this.body = new byte[0];
    headers.add(new HttpField("Location", location));
  }

  /** Adds a response header. */
  public void addHeader(String name, String value) {
    headers.add(new HttpField(name, value));
  }

  /** Adds a {@code Set-Cookie}. */
  public void addCookie(HttpCookie cookie) {
    cookies.add(cookie);
  }

  /** Drops a {@code Set-Cookie} added earlier in this exchange. */
  public void removeCookie(String name) {
    cookies.removeIf(c -> c.getName().equals(name));
  }

  /** The response status set so far. */
  public int status() {
    return status;
  }

  /** A malformed request: answered 400 with the safe catalogue message; the reason is logged. */
  public static final class BadRequestException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** A bad request for {@code reason} (logged, not shown). */
    public BadRequestException(String reason) {
      super(reason);
    }
  }
}
