package dev.gatehouse.web.oidc;

import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.oauth2.sdk.AuthorizationCode;
import com.nimbusds.oauth2.sdk.AuthorizationErrorResponse;
import com.nimbusds.oauth2.sdk.AuthorizationRequest;
import com.nimbusds.oauth2.sdk.AuthorizationSuccessResponse;
import com.nimbusds.oauth2.sdk.ErrorObject;
import com.nimbusds.oauth2.sdk.OAuth2Error;
import com.nimbusds.oauth2.sdk.ParseException;
import com.nimbusds.oauth2.sdk.ResponseMode;
import com.nimbusds.oauth2.sdk.ResponseType;
import com.nimbusds.oauth2.sdk.id.Issuer;
import com.nimbusds.oauth2.sdk.id.State;
import com.nimbusds.oauth2.sdk.pkce.CodeChallengeMethod;
import com.nimbusds.oauth2.sdk.util.URLUtils;
import com.nimbusds.openid.connect.sdk.AuthenticationRequest;
import com.nimbusds.openid.connect.sdk.OIDCError;
import com.nimbusds.openid.connect.sdk.Prompt;
import dev.gatehouse.identity.Directory;
import dev.gatehouse.identity.User;
import dev.gatehouse.kernel.SafeMessage;
import dev.gatehouse.kernel.Tokens;
import dev.gatehouse.oidc.AccessTokens;
import dev.gatehouse.oidc.Client;
import dev.gatehouse.oidc.Clients;
import dev.gatehouse.oidc.CodeFlow;
import dev.gatehouse.oidc.TokenRepository;
import dev.gatehouse.session.Session;
import dev.gatehouse.web.Csrf;
import dev.gatehouse.web.ErrorPages;
import dev.gatehouse.web.Exchange;
import dev.gatehouse.web.Templates;
import dev.gatehouse.web.WebSessions;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The authorization endpoint ({@code GET|POST /oauth/authorize}) and its consent step ({@code POST
 * /oauth/consent}). An unknown client or a redirect URI it has not registered gets an error page
 * and never a redirect; every other problem goes back to the client with {@code error}, {@code
 * state} and {@code iss}. Only {@code response_type=code}, {@code response_mode=query}, PKCE S256.
 * Uses the Gatehouse session; signing in (any portal method) or again ({@code prompt=login}, {@code
 * max_age}) goes through the portal and comes back here. Thread-safe.
 */
public final class AuthorizeEndpoint {
  /**
   * Our marker: the sign-in must be newer than this (epoch ms), set when we asked for one. Its
   * value is {@code <ms>.<MAC>} under the server key over the client, the time and the hash of a
   * random value that only this browser's reauthentication cookie holds; it counts for {@link
   * #MARKER_LIFETIME}. A relying party (or anyone) sending {@code
   * prompt=login&gatehouse_auth_after=…} with a marker of its own making, from another browser or
   * from long ago is simply asked to sign in again.
   */
  static final String AUTH_AFTER = "gatehouse_auth_after";

  private static final java.time.Duration MARKER_LIFETIME = java.time.Duration.ofMinutes(15);
  private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();

  private final Clients clients;
  private final CodeFlow codes;
  private final TokenRepository consents;
  private final Directory directory;
  private final WebSessions sessions;
  private final Templates templates;
  private final ErrorPages errors;
  private final MeterRegistry metrics;
  private final Clock clock;
  private final String publicOrigin;
  private final Issuer issuer;
  private final Csrf csrf;
  private final AccessTokens accessTokens;

  /** Wires the endpoint. */
  public AuthorizeEndpoint(
      Clients clients,
      CodeFlow codes,
      TokenRepository consents,
      Directory directory,
      WebSessions sessions,
      Templates templates,
      ErrorPages errors,
      MeterRegistry metrics,
      Clock clock,
      String publicOrigin,
      Csrf csrf,
      AccessTokens accessTokens) {
    this.csrf = csrf;
    this.accessTokens = accessTokens;
    this.clients = clients;
    this.codes = codes;
    this.consents = consents;
    this.directory = directory;
    this.sessions = sessions;
    this.templates = templates;
    this.errors = errors;
    this.metrics = metrics;
    this.clock = clock;
    this.publicOrigin = publicOrigin;
    this.issuer = new Issuer(publicOrigin);
  }

  /** The consent page. */
  public record ConsentView(
      String csrf, String request, String clientName, List<String> permissions, String username) {}

  /** {@code GET|POST /oauth/authorize}. */
  public void authorize(Exchange exchange) {
    String raw = exchange.method().equals("POST") ? exchange.rawForm() : exchange.rawQuery();
    handle(exchange, raw, Optional.empty());
  }

  /** {@code POST /oauth/consent}: the user's answer on the consent page. */
  public void consent(Exchange exchange) {
    if (!sessions.csrfValid(exchange)) {
      errors.render(exchange, SafeMessage.CSRF_FAILED);
      return;
    }
    handle(
        exchange,
        exchange.formOrEmpty("request"),
        Optional.of("allow".equals(exchange.formOrEmpty("decision"))));
  }

  private void handle(Exchange exchange, String raw, Optional<Boolean> decision) {
    Map<String, List<String>> params;
    try {
      params = URLUtils.parseParameters(raw);
    } catch (RuntimeException e) {
      errors.render(exchange, SafeMessage.OIDC_BAD_REQUEST);
      return;
    }
    if (params.values().stream().anyMatch(v -> v.size() != 1)) {
      errors.render(exchange, SafeMessage.OIDC_BAD_REQUEST); // a repeated parameter is ambiguous
      return;
    }
    Optional<Client> client =
        single(params, "client_id").flatMap(clients::find).filter(c -> !c.disabled());
    Optional<String> redirect = single(params, "redirect_uri");
    if (client.isEmpty()
        || redirect.isEmpty()
        || !Clients.redirectMatches(client.get(), redirect.get())) {
      count("bad_client_or_redirect");
      errors.render(exchange, SafeMessage.OIDC_BAD_REQUEST);
      return;
    }
    URI redirectUri;
    try {
      redirectUri = new URI(redirect.get());
    } catch (java.net.URISyntaxException e) {
      errors.render(exchange, SafeMessage.OIDC_BAD_REQUEST);
      return;
    }
    State state = single(params, "state").map(State::new).orElse(null);
    Reply reply = new Reply(exchange, redirectUri, state, decision.isPresent());

    boolean openid =
        single(params, "scope").map(s -> List.of(s.split(" ")).contains("openid")).orElse(false);
    // Checked before the OpenID parse, whose complaints (a missing nonce for an implicit
    // response type) would hide the real one.
    if (!single(params, "response_type").map("code"::equals).orElse(false)) {
      reply.error(OAuth2Error.UNSUPPORTED_RESPONSE_TYPE);
      return;
    }
    if (single(params, "max_age").filter(a -> !a.matches("[0-9]{1,9}")).isPresent()) {
      reply.error(
          OAuth2Error.INVALID_REQUEST.setDescription("max_age must be a number of seconds"));
      return;
    }
    AuthorizationRequest request;
    try {
      request = openid ? AuthenticationRequest.parse(params) : AuthorizationRequest.parse(params);
    } catch (ParseException e) {
      reply.error(Optional.ofNullable(e.getErrorObject()).orElse(OAuth2Error.INVALID_REQUEST));
      return;
    } catch (RuntimeException e) {
      reply.error(OAuth2Error.INVALID_REQUEST);
      return;
    }
    if (!ResponseType.CODE.equals(request.getResponseType())) {
      reply.error(OAuth2Error.UNSUPPORTED_RESPONSE_TYPE);
      return;
    }
    if (ResponseMode.FORM_POST.equals(request.getResponseMode())) {
      reply.formPost = true; // OAuth 2.0 Form Post Response Mode: errors go the same way
    } else if (request.getResponseMode() != null
        && !ResponseMode.QUERY.equals(request.getResponseMode())) {
      reply.error(
          OAuth2Error.INVALID_REQUEST.setDescription("response_mode must be query or form_post"));
      return;
    }
    if (request.getRequestObject() != null) {
      reply.error(OAuth2Error.REQUEST_NOT_SUPPORTED);
      return;
    }
    if (request.getRequestURI() != null) {
      reply.error(OAuth2Error.REQUEST_URI_NOT_SUPPORTED);
      return;
    }
    if (!client.get().grantTypes().contains(Client.GrantType.AUTHORIZATION_CODE)) {
      reply.error(OAuth2Error.UNAUTHORIZED_CLIENT);
      return;
    }
    Optional<String> challenge = Optional.empty();
    if (request.getCodeChallenge() != null) {
      // No method means "plain" (RFC 7636 §4.3), which we refuse like an explicit plain.
      if (!CodeChallengeMethod.S256.equals(request.getCodeChallengeMethod())) {
        reply.error(
            OAuth2Error.INVALID_REQUEST.setDescription("code_challenge_method must be S256"));
        return;
      }
      // An S256 challenge is exactly 43 base64url characters; anything else can never match.
      if (!request.getCodeChallenge().getValue().matches("[A-Za-z0-9_-]{43}")) {
        reply.error(
            OAuth2Error.INVALID_REQUEST.setDescription(
                "code_challenge must be the base64url SHA-256 of the verifier (43 characters)"));
        return;
      }
      challenge = Optional.of(request.getCodeChallenge().getValue());
    } else if (client.get().requirePkce()) {
      reply.error(OAuth2Error.INVALID_REQUEST.setDescription("PKCE (S256) is required"));
      return;
    }
    Set<String> scopes =
        request.getScope() == null
            ? Set.of()
            : Clients.allowedScopes(client.get(), Set.copyOf(request.getScope().toStringList()));
    Prompt prompt = Optional.ofNullable(request.getPrompt()).orElse(new Prompt());
    boolean none = prompt.contains(Prompt.Type.NONE);

    Optional<WebSessions.Current> current = sessions.current(exchange);
    Optional<User> user =
        current.flatMap(c -> directory.findById(c.session().userId())).filter(u -> !u.disabled());
    if (current.isEmpty() || user.isEmpty()) {
      if (none) {
        reply.error(OIDCError.LOGIN_REQUIRED);
      } else {
        signIn(exchange, params, false, reply.afterPost);
      }
      return;
    }
    // id_token_hint names the user the client expects (OIDC Core §3.1.2.1). Another user signed
    // in: prompt=none cannot answer for them; otherwise ask to sign in as the hinted user.
    if (request instanceof AuthenticationRequest oidc && oidc.getIDTokenHint() != null) {
      Optional<String> hinted =
          accessTokens
              .verifyIdTokenHint(oidc.getIDTokenHint().serialize())
              .map(JWTClaimsSet::getSubject);
      if (hinted.isEmpty()) {
        reply.error(OAuth2Error.INVALID_REQUEST.setDescription("id_token_hint is not ours"));
        return;
      }
      if (!hinted.get().equals(user.get().id().value())) {
        if (none) {
          reply.error(OIDCError.LOGIN_REQUIRED);
        } else {
          Map<String, List<String>> again = new LinkedHashMap<>(params);
          directory
              .findById(new dev.gatehouse.kernel.UserId(hinted.get()))
              .ifPresent(u -> again.put("login_hint", List.of(u.username())));
          signIn(exchange, again, true, reply.afterPost);
        }
        return;
      }
    }
    Session session = current.get().session();
    Instant now = clock.instant();
    Optional<Long> authAfter =
        single(params, AUTH_AFTER)
            .flatMap(marker -> verifiedAuthAfter(exchange, marker, client.get().id(), now));
    if (authAfter.isPresent() && session.createdAt().toEpochMilli() < authAfter.get()) {
      signIn(exchange, params, true, reply.afterPost);
      return;
    }
    // A marker that does not verify (forged, foreign, stale) still says "a fresh sign-in was asked
    // for": it never degrades into a request without prompt=login.
    if ((prompt.contains(Prompt.Type.LOGIN) || params.containsKey(AUTH_AFTER))
        && authAfter.isEmpty()) {
      if (none) {
        reply.error(OAuth2Error.INVALID_REQUEST.setDescription("prompt=none with login"));
        return;
      }
      Map<String, List<String>> again = new LinkedHashMap<>(params);
      again.put(AUTH_AFTER, List.of(authAfterMarker(exchange, now, client.get().id())));
      signIn(exchange, again, true, reply.afterPost);
      return;
    }
    if (request instanceof AuthenticationRequest oidc
        && oidc.getMaxAge() >= 0
        && session.createdAt().plusSeconds(oidc.getMaxAge()).isBefore(now)) {
      if (none) {
        reply.error(OIDCError.LOGIN_REQUIRED);
      } else {
        Map<String, List<String>> again = new LinkedHashMap<>(params);
        again.put(AUTH_AFTER, List.of(authAfterMarker(exchange, now, client.get().id())));
        signIn(exchange, again, true, reply.afterPost);
      }
      return;
    }
    if (!client.get().allowedGroups().isEmpty()
        && directory.groupsOf(user.get().id()).stream()
            .noneMatch(client.get().allowedGroups()::contains)) {
      count("not_in_group");
      errors.render(exchange, SafeMessage.OIDC_NOT_ALLOWED);
      return;
    }
    boolean needConsent =
        client.get().consent() == Client.Consent.REQUIRED
            && (prompt.contains(Prompt.Type.CONSENT)
                || !consents
                    .consent(user.get().id(), client.get().id())
                    .map(given -> given.containsAll(scopes))
                    .orElse(false));
    if (decision.isPresent()) {
      if (!decision.get()) {
        count("denied");
        reply.error(OAuth2Error.ACCESS_DENIED);
        return;
      }
      consents.saveConsent(user.get().id(), client.get().id(), scopes, now);
      needConsent = false;
    }
    if (needConsent) {
      if (none) {
        reply.error(OIDCError.CONSENT_REQUIRED);
        return;
      }
      Map<String, List<String>> kept = new LinkedHashMap<>(params);
      kept.remove("prompt"); // answered here: do not ask again on the way back
      exchange.html(
          200,
          templates.render(
              "consent.jte",
              new ConsentView(
                  sessions.csrfToken(exchange),
                  URLUtils.serializeParameters(kept),
                  client.get().name(),
                  permissions(scopes),
                  user.get().username())));
      return;
    }
    Optional<String> nonce =
        request instanceof AuthenticationRequest oidc && oidc.getNonce() != null
            ? Optional.of(oidc.getNonce().getValue())
            : Optional.empty();
    String code =
        codes.issueCode(
            new CodeFlow.Approved(
                client.get(),
                user.get().id(),
                session.id(),
                session.createdAt(),
                session.amr(),
                redirect.get(),
                scopes,
                nonce,
                challenge));
    count("code_issued");
    reply.send(
        new AuthorizationSuccessResponse(
            redirectUri, new AuthorizationCode(code), null, state, issuer, reply.mode()));
  }

  /** Sends the browser through the portal's sign-in and back here. */
  private void signIn(
      Exchange exchange, Map<String, List<String>> params, boolean again, boolean afterPost) {
    Map<String, List<String>> back = new LinkedHashMap<>(params);
    if (again) {
      back.remove("prompt");
    }
    String target = publicOrigin + "/oauth/authorize?" + URLUtils.serializeParameters(back);
    String hint =
        single(params, "login_hint")
            .map(h -> "&login_hint=" + URLEncoder.encode(h, StandardCharsets.UTF_8))
            .orElse("");
    // idp names an upstream provider to sign in through (the sign-in page goes straight there).
    String idp =
        single(params, "idp")
            .filter(id -> id.matches("[a-z0-9][a-z0-9-]{0,31}"))
            .map(id -> "&idp=" + id)
            .orElse("");
    exchange.redirect(
        afterPost ? 303 : 302,
        publicOrigin
            + "/login?"
            + (again ? "reauth=1&" : "")
            + "rd="
            + URLEncoder.encode(target, StandardCharsets.UTF_8)
            + hint
            + idp);
  }

  /** Answers to the client's redirect URI. */
  private final class Reply {
    private final Exchange exchange;
    private final URI redirectUri;
    private final State state;
    private final boolean afterPost;
    private boolean formPost;

    Reply(Exchange exchange, URI redirectUri, State state, boolean afterPost) {
      this.exchange = exchange;
      this.redirectUri = redirectUri;
      this.state = state;
      this.afterPost = afterPost || exchange.method().equals("POST");
    }

    ResponseMode mode() {
      return formPost ? ResponseMode.FORM_POST : ResponseMode.QUERY;
    }

    void error(ErrorObject error) {
      count(error.getCode());
      send(new AuthorizationErrorResponse(redirectUri, error, state, issuer, mode()));
    }

    void send(com.nimbusds.oauth2.sdk.AuthorizationResponse response) {
      if (!formPost) {
        exchange.redirect(afterPost ? 303 : 302, response.toURI().toString());
        return;
      }
      List<Map.Entry<String, String>> fields = new ArrayList<>();
      for (Map.Entry<String, List<String>> parameter : response.toParameters().entrySet()) {
        for (String value : parameter.getValue()) {
          fields.add(Map.entry(parameter.getKey(), value));
        }
      }
      exchange.html(
          200, templates.render("form_post.jte", new FormPostView(redirectUri.toString(), fields)));
    }
  }

  /** The self-submitting page of {@code response_mode=form_post}. */
  public record FormPostView(String action, List<Map.Entry<String, String>> fields) {}

  /** The scopes in plain words, for the consent page. */
  static List<String> permissions(Set<String> scopes) {
    List<String> out = new ArrayList<>();
    for (String scope : new TreeSet<>(scopes)) {
      out.add(
          switch (scope) {
            case "openid" -> "Know who you are (an identifier that stays the same)";
            case "profile" -> "See your name and username";
            case "email" -> "See your email address";
            case "groups" -> "See which groups you belong to";
            case "offline_access" ->
                "Stay connected while you are signed out, until you revoke it on your account page";
            default -> "Use the permission \u201c" + scope + "\u201d";
          });
    }
    return out;
  }

  private void count(String outcome) {
    metrics.counter("gatehouse.oauth.authorize", "outcome", outcome).increment();
  }

  private static Optional<String> single(Map<String, List<String>> params, String name) {
    List<String> values = params.get(name);
    return values == null || values.size() != 1 || values.get(0).isEmpty()
        ? Optional.empty()
        : Optional.of(values.get(0));
  }

  private String reauthCookie() {
    return publicOrigin.startsWith("https://") ? "__Host-gatehouse_reauth" : "gatehouse_reauth";
  }

  /** A marker for {@code now}, bound to a fresh random value in this browser's cookie. */
  private String authAfterMarker(Exchange exchange, Instant now, String clientId) {
    String browser = Tokens.newToken(RANDOM);
    exchange.addCookie(
        org.eclipse.jetty.http.HttpCookie.build(reauthCookie(), browser)
            .path("/")
            .httpOnly(true)
            .secure(publicOrigin.startsWith("https://"))
            .sameSite(org.eclipse.jetty.http.HttpCookie.SameSite.LAX)
            .maxAge(MARKER_LIFETIME.toSeconds())
            .build());
    String millis = Long.toString(now.toEpochMilli());
    return millis
        + "."
        + csrf.sign("auth-after", clientId + "|" + millis + "|" + Tokens.sha256Hex(browser));
  }

  /**
   * The time a marker names, if we made it for this client and this browser within {@link
   * #MARKER_LIFETIME}; forged, altered, foreign and stale ones are ignored.
   */
  private Optional<Long> verifiedAuthAfter(
      Exchange exchange, String marker, String clientId, Instant now) {
    int dot = marker.indexOf('.');
    List<String> browser = exchange.cookies(reauthCookie());
    if (dot <= 0 || browser.size() != 1) {
      return Optional.empty();
    }
    String millis = marker.substring(0, dot);
    String expected =
        csrf.sign("auth-after", clientId + "|" + millis + "|" + Tokens.sha256Hex(browser.get(0)));
    return Tokens.constantTimeEquals(expected, marker.substring(dot + 1))
        ? parseLong(millis)
            .filter(
                at ->
                    at <= now.toEpochMilli()
                        && now.toEpochMilli() - at <= MARKER_LIFETIME.toMillis())
        : Optional.empty();
  }

  private static Optional<Long> parseLong(String text) {
    try {
      return Optional.of(Long.parseLong(text));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }
}
