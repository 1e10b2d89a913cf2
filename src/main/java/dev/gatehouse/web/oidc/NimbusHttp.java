package dev.gatehouse.web.oidc;

import com.nimbusds.oauth2.sdk.ErrorObject;
import com.nimbusds.oauth2.sdk.http.HTTPRequest;
import com.nimbusds.oauth2.sdk.http.HTTPResponse;
import dev.gatehouse.web.Exchange;
import java.net.URI;
import java.util.List;
import java.util.Map;

/**
 * Carries an {@link Exchange} into Nimbus's {@link HTTPRequest} (built on the configured public
 * URL, never on request headers) and a Nimbus {@link HTTPResponse} back. Only the headers the
 * protocol needs are copied.
 */
final class NimbusHttp {
  private static final List<String> RESPONSE_HEADERS =
      List.of("Cache-Control", "Pragma", "WWW-Authenticate", "Location");

  private NimbusHttp() {}

  /** The request as Nimbus sees it, with {@code endpoint} (public URL + path) as its URL. */
  static HTTPRequest request(Exchange exchange, URI endpoint) {
    HTTPRequest.Method method =
        switch (exchange.method()) {
          case "GET", "HEAD" -> HTTPRequest.Method.GET;
          case "POST" -> HTTPRequest.Method.POST;
          default -> throw new Exchange.BadRequestException("method not allowed here");
        };
    String query = exchange.rawQuery();
    URI url;
    try {
      url = query.isEmpty() ? endpoint : URI.create(endpoint + "?" + query);
    } catch (IllegalArgumentException e) {
      throw new Exchange.BadRequestException("unreadable query");
    }
    HTTPRequest request = new HTTPRequest(method, url);
    exchange.singleHeader("Authorization").ifPresent(request::setAuthorization);
    if (method == HTTPRequest.Method.POST) {
      exchange.singleHeader("Content-Type").ifPresent(t -> request.setHeader("Content-Type", t));
      String body = exchange.rawForm();
      // RFC 6749 §3.1: parameters must not be repeated (Nimbus would silently take the first).
      if (com.nimbusds.oauth2.sdk.util.URLUtils.parseParameters(body).values().stream()
          .anyMatch(values -> values.size() > 1)) {
        throw new Exchange.BadRequestException("a parameter is repeated");
      }
      request.setBody(body);
    }
    request.setClientIPAddress(exchange.clientAddress());
    return request;
  }

  /** Writes a Nimbus response. */
  static void respond(Exchange exchange, HTTPResponse response) {
    for (Map.Entry<String, List<String>> header : response.getHeaderMap().entrySet()) {
      if (RESPONSE_HEADERS.stream().anyMatch(h -> h.equalsIgnoreCase(header.getKey()))) {
        for (String value : header.getValue()) {
          exchange.addHeader(header.getKey(), value);
        }
      }
    }
    String content = response.getBody() == null ? "" : response.getBody();
    String type =
        response.getEntityContentType() == null
            ? "application/json"
            : response.getEntityContentType().toString();
    exchange.respond(response.getStatusCode(), type, content);
  }

  /** An OAuth error as JSON (RFC 6749 §5.2). */
  static void error(Exchange exchange, ErrorObject error) {
    exchange.addHeader("Cache-Control", "no-store");
    exchange.json(
        error.getHTTPStatusCode() == 0 ? 400 : error.getHTTPStatusCode(),
        error.toJSONObject().toJSONString());
  }
}
