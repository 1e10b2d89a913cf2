package dev.gatehouse.web.forwardauth;

import dev.gatehouse.forwardauth.Answer;
import dev.gatehouse.forwardauth.OriginalRequest;
import dev.gatehouse.forwardauth.Verifier;
import dev.gatehouse.kernel.NonBlocking;
import dev.gatehouse.web.ClientAddress;
import dev.gatehouse.web.Exchange;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.PreEncodedHttpField;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The verify endpoints: thin adapters that read one proxy dialect's headers into an {@link
 * OriginalRequest} and turn the core's {@link Answer} into that dialect's status codes. Answers
 * carry no body ({@code Content-Length: 0}), which keeps nginx and Caddy connections to Gatehouse
 * alive.
 *
 * <ul>
 *   <li>{@code /api/authz/forward-auth}, {@code /api/verify}, {@code /api/auth-check} (Caddy,
 *       Traefik, generic): {@code X-Forwarded-*}; unauthenticated browser navigations get 302 to
 *       the portal, everything else 401.
 *   <li>{@code /api/authz/auth-request} (nginx): {@code X-Original-URL}/{@code -Method};
 *       unauthenticated is 401 with the portal URL in {@code Location} for {@code error_page 401
 *       =302 $…}.
 * </ul>
 *
 * Only peers inside {@code server.trusted-proxies} may ask: anyone else gets 403. Thread-safe.
 */
public final class ForwardAuthEndpoints {
  private static final Logger LOG = LoggerFactory.getLogger(ForwardAuthEndpoints.class);

  private static final HttpField INVALID_TOKEN =
      new PreEncodedHttpField(HttpHeader.WWW_AUTHENTICATE, "Bearer error=\"invalid_token\"");

  private final Verifier verifier;
  private final ClientAddress trust;
  private final List<String> sessionCookieNames;
  private final Counter allowed;
  private final Counter unauthenticated;
  private final Counter forbidden;
  private final Counter unavailable;
  private final Counter untrusted;

  /** Wires the endpoints. */
  public ForwardAuthEndpoints(
      Verifier verifier, ClientAddress trust, String sessionCookie, MeterRegistry metrics) {
    this.verifier = verifier;
    this.trust = trust;
    this.sessionCookieNames = variants(sessionCookie);
    this.allowed = counter(metrics, "allowed");
    this.unauthenticated = counter(metrics, "unauthenticated");
    this.forbidden = counter(metrics, "forbidden");
    this.unavailable = counter(metrics, "unavailable");
    this.untrusted = counter(metrics, "untrusted-peer");
  }

  private static Counter counter(MeterRegistry metrics, String result) {
    return Counter.builder("gatehouse.forwardauth.decisions")
        .description("Forward-auth answers by result")
        .tag("result", result)
        .register(metrics);
  }

  /**
   * What a verify call carries, read through an {@link Exchange} on the ordinary route or straight
   * from Jetty's request on the fast lane ({@link VerifyLane}).
   */
  interface Call {
    /** The TCP peer's address. */
    String peer();

    /** The client's address (the forwarded one when the peer is a trusted proxy). */
    String clientAddress();

    /** A header that occurs exactly once; empty when absent or repeated. */
    Optional<String> singleHeader(String name);

    /** Every value of a header, in order. */
    List<String> headers(String name);

    /** The distinct values of the cookies with any of {@code names}, as sent. */
    List<String> cookies(List<String> names);
  }

  /** A verify answer: status and headers, no body; counted once it is sent. */
  record Reply(int status, List<HttpField> headers, Counter counter) {}

  /** Caddy / Traefik / generic dialect. */
  public void forwardAuth(Exchange exchange) {
    apply(decide(new ExchangeCall(exchange), false), exchange);
  }

  /** nginx {@code auth_request} dialect. */
  public void authRequest(Exchange exchange) {
    apply(decide(new ExchangeCall(exchange), true), exchange);
  }

  private static void apply(Reply reply, Exchange exchange) {
    reply.counter().increment();
    for (HttpField header : reply.headers()) {
      exchange.addHeader(header.getName(), header.getValue());
    }
    exchange.empty(reply.status());
  }

  /**
   * Decides one verify call. Safe to run twice for one call (the fast lane may start on a thread
   * that must not wait, then hand the call over): it changes nothing but what it logs, and counts
   * nothing — the caller counts the reply it sends.
   */
  Reply decide(Call call, boolean nginx) {
    if (!trust.isTrusted(call.peer())) {
      // X-Forwarded-* from an arbitrary peer could describe any request; refuse to judge it.
      NonBlocking.mayBlock(); // a log line may wait for the console: not on the lane
      LOG.warn(
          "forward-auth: refused a verify request from untrusted peer {}; add it to server.trusted-proxies if it is your proxy",
          call.peer());
      return new Reply(403, List.of(), untrusted);
    }
    Optional<OriginalRequest> original =
        nginx
            ? OriginalRequest.fromOriginalHeaders(call::singleHeader)
            : OriginalRequest.fromForwardedHeaders(call::singleHeader);
    if (original.isEmpty()) {
      NonBlocking.mayBlock(); // a log line may wait for the console: not on the lane
      LOG.info(
          "forward-auth: missing or repeated X-Forwarded-*/X-Original-* headers from {}",
          call.peer());
      return new Reply(403, List.of(), forbidden);
    }
    List<String> authorizations = call.headers("Authorization");
    if (authorizations.size() > 1) {
      // Two Authorization headers: which one would the app believe?
      return new Reply(401, List.of(), unauthenticated);
    }
    String method = original.get().method();
    boolean browser =
        (method.equals("GET") || method.equals("HEAD")) && acceptsHtml(call.headers("Accept"));
    Answer answer =
        verifier.verify(
            new Verifier.Request(
                original.get(),
                call.clientAddress(),
                authorizations.isEmpty() ? Optional.empty() : Optional.of(authorizations.get(0)),
                call.cookies(sessionCookieNames),
                browser));
    return switch (answer) {
      case Answer.Allowed ok -> {
        List<HttpField> headers = new ArrayList<>(ok.headers().size());
        for (Map.Entry<String, String> header : ok.headers()) {
          headers.add(new HttpField(header.getKey(), header.getValue()));
        }
        yield new Reply(200, headers, allowed);
      }
      case Answer.Unauthenticated no -> {
        List<HttpField> headers = new ArrayList<>(2);
        if (no.bearerFailed()) {
          headers.add(INVALID_TOKEN);
        }
        no.login().ifPresent(url -> headers.add(new HttpField(HttpHeader.LOCATION, url)));
        // nginx: the snippet's error_page 401 turns the Location into a redirect.
        yield new Reply(no.login().isPresent() && !nginx ? 302 : 401, headers, unauthenticated);
      }
      case Answer.Forbidden denied -> {
        // Caddy and Traefik hand a 302 to the browser as it is; for nginx, the snippet's
        // error_page 403 turns the Location into a redirect.
        List<HttpField> headers =
            denied
                .page()
                .map(url -> List.of(new HttpField(HttpHeader.LOCATION, url)))
                .orElse(List.of());
        yield new Reply(denied.page().isPresent() && !nginx ? 302 : 403, headers, forbidden);
      }
      case Answer.Unavailable down -> new Reply(503, List.of(), unavailable);
    };
  }

  /** Whether the first {@code Accept} header asks for HTML (a browser navigation). */
  private static boolean acceptsHtml(List<String> accept) {
    return !accept.isEmpty() && accept.get(0).toLowerCase(Locale.ROOT).contains("text/html");
  }

  /** A verify call read through the ordinary route's {@link Exchange}. */
  private record ExchangeCall(Exchange exchange) implements Call {
    @Override
    public String peer() {
      return exchange.peer();
    }

    @Override
    public String clientAddress() {
      return exchange.clientAddress();
    }

    @Override
    public Optional<String> singleHeader(String name) {
      return exchange.singleHeader(name);
    }

    @Override
    public List<String> headers(String name) {
      return exchange.headers(name);
    }

    @Override
    public List<String> cookies(List<String> names) {
      return exchange.cookies(names);
    }
  }

  /**
   * The session cookie's names the verify path reads: with a {@code __Secure-} or {@code __Host-}
   * prefix, both (a change of {@code session.cookie-domain}, or an app that sets the other variant,
   * must not sign anyone out); over plain http, the one name.
   */
  public static List<String> variants(String name) {
    for (String prefix : List.of("__Secure-", "__Host-")) {
      if (name.startsWith(prefix)) {
        String base = name.substring(prefix.length());
        return List.of("__Secure-" + base, "__Host-" + base);
      }
    }
    return List.of(name);
  }
}
