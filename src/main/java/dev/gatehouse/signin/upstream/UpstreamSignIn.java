package dev.gatehouse.signin.upstream;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.oauth2.sdk.AuthorizationCode;
import com.nimbusds.oauth2.sdk.AuthorizationCodeGrant;
import com.nimbusds.oauth2.sdk.AuthorizationErrorResponse;
import com.nimbusds.oauth2.sdk.AuthorizationResponse;
import com.nimbusds.oauth2.sdk.ParseException;
import com.nimbusds.oauth2.sdk.ResponseType;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.TokenErrorResponse;
import com.nimbusds.oauth2.sdk.TokenRequest;
import com.nimbusds.oauth2.sdk.TokenResponse;
import com.nimbusds.oauth2.sdk.auth.ClientAuthentication;
import com.nimbusds.oauth2.sdk.auth.ClientAuthenticationMethod;
import com.nimbusds.oauth2.sdk.auth.ClientSecretBasic;
import com.nimbusds.oauth2.sdk.auth.ClientSecretPost;
import com.nimbusds.oauth2.sdk.auth.Secret;
import com.nimbusds.oauth2.sdk.http.HTTPRequest;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.id.Issuer;
import com.nimbusds.oauth2.sdk.id.State;
import com.nimbusds.oauth2.sdk.pkce.CodeChallengeMethod;
import com.nimbusds.oauth2.sdk.pkce.CodeVerifier;
import com.nimbusds.openid.connect.sdk.AuthenticationRequest;
import com.nimbusds.openid.connect.sdk.Nonce;
import com.nimbusds.openid.connect.sdk.OIDCTokenResponse;
import com.nimbusds.openid.connect.sdk.OIDCTokenResponseParser;
import com.nimbusds.openid.connect.sdk.UserInfoRequest;
import com.nimbusds.openid.connect.sdk.UserInfoResponse;
import com.nimbusds.openid.connect.sdk.claims.IDTokenClaimsSet;
import com.nimbusds.openid.connect.sdk.op.OIDCProviderMetadata;
import com.nimbusds.openid.connect.sdk.validators.IDTokenValidator;
import dev.gatehouse.audit.AuditLog;
import dev.gatehouse.identity.Directory;
import dev.gatehouse.identity.DirectoryException;
import dev.gatehouse.identity.Names;
import dev.gatehouse.identity.User;
import dev.gatehouse.kernel.Tokens;
import dev.gatehouse.kernel.UserId;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sign-in through upstream OpenID Connect providers, every protocol message built, sent, parsed and
 * validated by the Nimbus OAuth 2.0 / OpenID Connect SDK: authorization code with PKCE S256, a
 * state stored only as a hash and used once, the flow bound to the browser that started it (the
 * nonce and the PKCE verifier are derived from a secret that only the browser's flow cookie holds —
 * nothing usable is at rest), the RFC 9207 {@code iss} response parameter checked against the
 * provider the flow was started for (no mix-up between providers), the ID token's signature from
 * the provider's JWKS (cached, refetched for an unknown key), issuer, audience, expiry with 60 s of
 * skew and nonce. An upstream identity is the pair (issuer, subject), never an email address.
 * Thread-safe.
 */
public final class UpstreamSignIn {
  private static final Logger LOG = LoggerFactory.getLogger(UpstreamSignIn.class);
  private static final Duration FLOW_LIFETIME = Duration.ofMinutes(10);
  private static final Duration METADATA_LIFETIME = Duration.ofHours(1);
  private static final int TIMEOUT_MS = 5000;

  private static final int FREE_STARTS = 30;
  private static final java.util.regex.Pattern AMR_VALUE =
      java.util.regex.Pattern.compile("[A-Za-z0-9_.:-]{1,32}");

  private static final java.util.regex.Pattern ACR_VALUE =
      java.util.regex.Pattern.compile("[\\x21-\\x7E]{1,128}");

  private final Map<String, UpstreamProvider> configured;
  private final com.github.benmanes.caffeine.cache.LoadingCache<
          String, Map<String, UpstreamProvider>>
      all;
  private final dev.gatehouse.signin.Throttle throttle;
  private final UpstreamRepository repository;
  private final Directory directory;
  private final AuditLog audit;
  private final Clock clock;
  private final SecureRandom random;
  private final String publicOrigin;
  private final Map<String, Resolved> resolved = new ConcurrentHashMap<>();

  private record Resolved(
      OIDCProviderMetadata metadata, JWKSource<SecurityContext> keys, Instant at) {}

  /** What became of a request to start a flow. */
  public sealed interface Begun permits Started, Unreachable, Throttled {}

  /** What a started flow needs: where to send the browser and the secret its cookie keeps. */
  public record Started(URI authorization, String browserSecret) implements Begun {}

  /** The provider's discovery document or keys could not be fetched (the reason is logged). */
  public record Unreachable() implements Begun {}

  /** Too many flows started from this address lately; try again after {@code retryAfter}. */
  public record Throttled(Duration retryAfter) implements Begun {}

  /** What became of a callback. */
  public sealed interface Outcome permits SignedIn, Linked, Refused {}

  /** Linked from the account page: the identity now signs {@code user} in. */
  public record Linked(UserId user, UpstreamProvider provider) implements Outcome {}

  /**
   * Signed in: the user, the session's {@code amr}, the provider, the validated return URL the flow
   * was started with (empty: the portal's home), and what the provider said of its sign-in ({@code
   * amr} values and {@code acr}, kept apart from Gatehouse's own {@code amr}).
   */
  public record SignedIn(
      User user,
      Set<String> amr,
      UpstreamProvider provider,
      String returnTo,
      Set<String> providerAmr,
      String providerAcr)
      implements Outcome {}

  /**
   * Refused, with a message for the user that names the provider and what to do, and an HTTP status
   * for the page.
   */
  public record Refused(int status, String message) implements Outcome {}

  /**
   * The providers of the configuration file, in its order, then those added at run time ({@code
   * stored}, read again at most every second so that {@code gatehouse idp add} in another process
   * takes effect without a restart; a stored provider never shadows a configured one). {@code
   * publicOrigin} builds the redirect URIs.
   */
  public UpstreamSignIn(
      List<UpstreamProvider> providers,
      java.util.function.Supplier<List<UpstreamProvider>> stored,
      dev.gatehouse.signin.Throttle throttle,
      UpstreamRepository repository,
      Directory directory,
      AuditLog audit,
      Clock clock,
      SecureRandom random,
      String publicOrigin) {
    Map<String, UpstreamProvider> byId = new LinkedHashMap<>();
    providers.forEach(p -> byId.put(p.id(), p));
    this.configured = java.util.Collections.unmodifiableMap(byId);
    // Real time, not the injected clock: this is how soon another process's change is seen.
    this.all =
        com.github.benmanes.caffeine.cache.Caffeine.newBuilder()
            .expireAfterWrite(Duration.ofSeconds(1))
            .build(
                key -> {
                  Map<String, UpstreamProvider> merged = new LinkedHashMap<>(configured);
                  for (UpstreamProvider p : stored.get()) {
                    merged.putIfAbsent(p.id(), p);
                  }
                  return java.util.Collections.unmodifiableMap(merged);
                });
    this.throttle = throttle;
    this.repository = repository;
    this.directory = directory;
    this.audit = audit;
    this.clock = clock;
    this.random = random;
    this.publicOrigin = publicOrigin;
  }

  /** The providers: the configured ones in configuration order, then those added at run time. */
  public List<UpstreamProvider> providers() {
    return List.copyOf(all.get("").values());
  }

  /** The provider with this id. */
  public Optional<UpstreamProvider> provider(String id) {
    return Optional.ofNullable(all.get("").get(id));
  }

  /**
   * Whether {@code id} names a provider of the configuration file (which the CLI cannot change).
   */
  public boolean configured(String id) {
    return configured.containsKey(id);
  }

  /** The upstream identities linked to {@code user}. */
  public List<UpstreamRepository.Link> linksOf(UserId user) {
    return repository.linksOf(user);
  }

  /**
   * Removes {@code user}'s link to {@code provider}; the caller checks it is not the account's last
   * way to sign in. Whether there was one.
   */
  public boolean unlink(UserId user, UpstreamProvider provider, String client) {
    boolean removed = false;
    for (UpstreamRepository.Link link : repository.linksOf(user)) {
      if (link.providerId().equals(provider.id())) {
        removed |= repository.unlink(user, link.issuer(), link.subject());
      }
    }
    if (removed) {
      audit.record(
          "upstream.unlinked",
          Optional.of(user),
          directory.findById(user).map(User::username).orElse(""),
          client,
          provider.id());
    }
    return removed;
  }

  /**
   * What {@link #check} found: each line says what was checked; {@code ok} when nothing is missing.
   */
  public record Check(boolean ok, List<String> lines) {}

  /**
   * Fetches {@code provider}'s discovery document and keys now (no cache) and says what is missing
   * for Gatehouse to sign users in through it.
   */
  public Check check(UpstreamProvider provider) {
    List<String> lines = new ArrayList<>();
    boolean ok = true;
    if (provider.oauth2().isPresent()) {
      UpstreamProvider.OAuth2 endpoints = provider.oauth2().get();
      lines.add("ok      plain OAuth 2 (no discovery): endpoints from the configuration");
      lines.add("ok      authorization endpoint " + endpoints.authorization());
      lines.add("ok      token endpoint " + endpoints.token());
      lines.add(
          "ok      userinfo endpoint "
              + endpoints.userinfo()
              + " (users identified by `"
              + provider.subjectClaim()
              + "`)");
      lines.add("        register this redirect URI at the provider: " + redirectUri(provider));
      return new Check(true, lines);
    }
    OIDCProviderMetadata metadata;
    try {
      metadata =
          OIDCProviderMetadata.resolve(
              new Issuer(provider.issuer().toString()), TIMEOUT_MS, TIMEOUT_MS);
      lines.add("ok      discovery document at " + provider.issuer() + " names that issuer");
    } catch (IOException | com.nimbusds.oauth2.sdk.GeneralException | RuntimeException e) {
      lines.add("MISSING discovery document at " + provider.issuer() + ": " + safe(e.getMessage()));
      return new Check(false, lines);
    }
    for (Map.Entry<String, URI> endpoint :
        new java.util.TreeMap<>(
                Map.of(
                    "authorization endpoint",
                    Optional.ofNullable(metadata.getAuthorizationEndpointURI())
                        .orElse(URI.create("")),
                    "token endpoint",
                    Optional.ofNullable(metadata.getTokenEndpointURI()).orElse(URI.create("")),
                    "JWKS",
                    Optional.ofNullable(metadata.getJWKSetURI()).orElse(URI.create(""))))
            .entrySet()) {
      boolean present = !endpoint.getValue().toString().isEmpty();
      ok &= present;
      lines.add(
          (present ? "ok      " : "MISSING ")
              + endpoint.getKey()
              + (present ? " " + endpoint.getValue() : ""));
    }
    lines.add(
        metadata.getUserInfoEndpointURI() != null
            ? "ok      userinfo endpoint " + metadata.getUserInfoEndpointURI()
            : "note    no userinfo endpoint: claims come from the ID token only");
    List<CodeChallengeMethod> pkce = metadata.getCodeChallengeMethods();
    lines.add(
        pkce != null && pkce.contains(CodeChallengeMethod.S256)
            ? "ok      PKCE S256"
            : "note    PKCE S256 not advertised (Gatehouse sends it anyway)");
    lines.add(
        metadata.supportsAuthorizationResponseIssuerParam()
            ? "ok      iss in authorization responses (RFC 9207), required from this provider"
            : "note    no iss in authorization responses (RFC 9207): mix-up defence rests on the"
                + " per-provider redirect URI");
    if (metadata.getJWKSetURI() != null) {
      try {
        com.nimbusds.jose.jwk.JWKSet keys =
            com.nimbusds.jose.jwk.JWKSet.load(
                metadata.getJWKSetURI().toURL(), TIMEOUT_MS, TIMEOUT_MS, 1024 * 1024);
        boolean any = !keys.getKeys().isEmpty();
        ok &= any;
        lines.add(
            (any ? "ok      " : "MISSING ") + keys.getKeys().size() + " signing keys in the JWKS");
      } catch (IOException | java.text.ParseException e) {
        ok = false;
        lines.add("MISSING the JWKS could not be read: " + safe(e.getMessage()));
      }
    }
    lines.add("        register this redirect URI at the provider: " + redirectUri(provider));
    return new Check(ok, lines);
  }

  /**
   * Where to send a browser whose session came from {@code providerId} when it signs out, so that
   * it signs out at the provider too (OpenID Connect RP-Initiated Logout, with {@code client_id}
   * and {@code post_logout_redirect_uri}); empty when the provider is not marked {@code
   * end-session} or offers no end-session endpoint.
   */
  public Optional<URI> endSession(String providerId, String postLogoutRedirect) {
    Optional<UpstreamProvider> provider = provider(providerId).filter(UpstreamProvider::endSession);
    if (provider.isEmpty()) {
      return Optional.empty();
    }
    return resolve(provider.get())
        .map(r -> r.metadata().getEndSessionEndpointURI())
        .map(
            endpoint ->
                new com.nimbusds.openid.connect.sdk.LogoutRequest(
                        endpoint,
                        null,
                        null,
                        new ClientID(provider.get().clientId()),
                        URI.create(postLogoutRedirect),
                        null,
                        null)
                    .toURI());
  }

  /** The exact redirect URI registered at {@code provider}. */
  public URI redirectUri(UpstreamProvider provider) {
    return URI.create(publicOrigin + "/login/upstream/" + provider.id() + "/callback");
  }

  /**
   * Starts a sign-in through {@code provider} for a browser at {@code client}; {@code returnTo}
   * must already be validated. Every start stores a flow, so starts are throttled per address.
   */
  public Begun start(UpstreamProvider provider, String returnTo, String client, boolean fresh) {
    if (throttle.attempt("upstream-start:" + client, FREE_STARTS)
        instanceof dev.gatehouse.signin.Throttle.Blocked blocked) {
      LOG.info("upstream sign-in: too many flows started from {}; refused for now", client);
      return new Throttled(blocked.retryAfter());
    }
    return begin(provider, returnTo, "", fresh);
  }

  /**
   * Starts linking an identity at {@code provider} to {@code user}, who is signed in (the account
   * page checks it proved itself recently).
   */
  public Begun startLink(UpstreamProvider provider, UserId user) {
    return begin(provider, publicOrigin + "/account?done=linked", user.value(), true);
  }

  private Begun begin(UpstreamProvider provider, String returnTo, String linkUser, boolean fresh) {
    Optional<Resolved> metadata = resolve(provider);
    if (metadata.isEmpty()) {
      return new Unreachable();
    }
    String browserSecret = Tokens.newToken(random);
    State state = new State(Tokens.newToken(random));
    Instant now = clock.instant();
    repository.saveFlow(
        new UpstreamRepository.Flow(
            Tokens.sha256Hex(state.getValue()),
            provider.id(),
            Tokens.sha256Hex(browserSecret),
            returnTo,
            linkUser,
            now.plus(FLOW_LIFETIME)),
        now);
    URI endpoint = metadata.get().metadata().getAuthorizationEndpointURI();
    CodeVerifier verifier = new CodeVerifier(derived("pkce", browserSecret));
    URI authorization =
        provider.oauth2().isPresent()
            // Plain OAuth 2: no nonce, no ID token; PKCE all the same.
            ? new com.nimbusds.oauth2.sdk.AuthorizationRequest.Builder(
                    new ResponseType(ResponseType.Value.CODE), new ClientID(provider.clientId()))
                .scope(
                    provider.scopes().isEmpty()
                        ? null
                        : new Scope(provider.scopes().toArray(String[]::new)))
                .redirectionURI(redirectUri(provider))
                .endpointURI(endpoint)
                .state(state)
                .codeChallenge(verifier, CodeChallengeMethod.S256)
                .build()
                .toURI()
            : new AuthenticationRequest.Builder(
                    new ResponseType(ResponseType.Value.CODE),
                    new Scope(provider.scopes().toArray(String[]::new)),
                    new ClientID(provider.clientId()),
                    redirectUri(provider))
                .endpointURI(endpoint)
                .state(state)
                .nonce(new Nonce(derived("nonce", browserSecret)))
                .codeChallenge(verifier, CodeChallengeMethod.S256)
                // Linking, or an application's request for a fresh sign-in: the user signs in at
                // the provider now — as the account they mean — not through whatever session
                // that browser happens to have there.
                .prompt(
                    fresh
                        ? new com.nimbusds.openid.connect.sdk.Prompt(
                            com.nimbusds.openid.connect.sdk.Prompt.Type.LOGIN)
                        : null)
                .build()
                .toURI();
    return new Started(authorization, browserSecret);
  }

  /**
   * Finishes a flow at {@code provider}'s callback: {@code callback} is the full callback URI and
   * {@code browserSecrets} what the browser's flow cookie holds (one per flow it has under way);
   * {@code signedIn} the user of the browser's session, if any (a link must come back to the user
   * who started it). The flow is spent only by the browser it belongs to: an answer replayed from
   * elsewhere cannot use up a user's sign-in.
   */
  public Outcome finish(
      UpstreamProvider provider,
      URI callback,
      List<String> browserSecrets,
      Optional<UserId> signedIn,
      String client) {
    AuthorizationResponse response;
    try {
      response = AuthorizationResponse.parse(callback);
    } catch (ParseException | RuntimeException e) {
      return refused(400, provider, "sent back an answer Gatehouse cannot read", e.getMessage());
    }
    if (response.getState() == null) {
      return refused(400, provider, "sent back an answer without its state", "no state");
    }
    Instant now = clock.instant();
    String stateHash = Tokens.sha256Hex(response.getState().getValue());
    Optional<UpstreamRepository.Flow> flow = repository.findFlow(stateHash, now);
    if (flow.isEmpty()) {
      return new Refused(
          400,
          "This sign-in through "
              + provider.name()
              + " has already been used or has expired. Start again from the sign-in page.");
    }
    if (!flow.get().providerId().equals(provider.id())) {
      LOG.warn(
          "upstream sign-in: a flow started for {} came back through {} (mix-up refused)",
          flow.get().providerId(),
          provider.id());
      return new Refused(
          400, "This answer does not belong to a sign-in started here. Start again.");
    }
    Optional<String> browserSecret = Optional.empty();
    for (String candidate : browserSecrets) {
      if (Tokens.constantTimeEquals(flow.get().bindingHash(), Tokens.sha256Hex(candidate))) {
        browserSecret = Optional.of(candidate);
      }
    }
    if (browserSecret.isEmpty()) {
      return new Refused(
          400,
          "This sign-in was started in another browser (or its cookie is gone). Start again"
              + " from the sign-in page in this browser.");
    }
    // Of two racing uses by this browser, one wins.
    if (repository.takeFlow(stateHash, now).isEmpty()) {
      return new Refused(
          400,
          "This sign-in through "
              + provider.name()
              + " has already been used or has expired. Start again from the sign-in page.");
    }
    if (!flow.get().linkUser().isEmpty()
        && !signedIn.map(u -> u.value().equals(flow.get().linkUser())).orElse(false)) {
      return new Refused(
          403,
          "Linking "
              + provider.name()
              + " needs you to stay signed in to the account you started from. Sign in and"
              + " link again from your account page.");
    }
    Optional<Resolved> resolvedMetadata = resolve(provider);
    if (resolvedMetadata.isEmpty()) {
      return unreachable(provider);
    }
    OIDCProviderMetadata metadata = resolvedMetadata.get().metadata();
    Issuer iss = response.getIssuer();
    if (iss == null
        ? metadata.supportsAuthorizationResponseIssuerParam()
        : !iss.getValue().equals(provider.issuer().toString())) {
      LOG.warn(
          "upstream sign-in: {} answered with iss {} (expected {}); refused",
          provider.id(),
          iss,
          provider.issuer());
      return new Refused(
          400, "This answer does not come from " + provider.name() + ". Start again.");
    }
    if (response instanceof AuthorizationErrorResponse error) {
      String code = safe(error.getErrorObject().getCode());
      LOG.info("upstream sign-in: {} answered error {}", provider.id(), code);
      return new Refused(
          "access_denied".equals(code) ? 403 : 502,
          provider.name()
              + " did not sign you in ("
              + code
              + "). Try again, or sign in another way.");
    }
    AuthorizationCode code = response.toSuccessResponse().getAuthorizationCode();
    if (code == null) {
      return refused(400, provider, "sent back no authorization code", "no code");
    }
    try {
      return redeem(
          provider, resolvedMetadata.get(), code, browserSecret.get(), flow.get(), client);
    } catch (IOException e) {
      LOG.warn("upstream sign-in: {} could not be reached: {}", provider.id(), e.toString());
      return unreachable(provider);
    }
  }

  private Outcome redeem(
      UpstreamProvider provider,
      Resolved resolved,
      AuthorizationCode code,
      String browserSecret,
      UpstreamRepository.Flow flow,
      String client)
      throws IOException {
    OIDCProviderMetadata metadata = resolved.metadata();
    ClientID clientId = new ClientID(provider.clientId());
    Secret secret = new Secret(provider.clientSecret().reveal());
    List<ClientAuthenticationMethod> methods = metadata.getTokenEndpointAuthMethods();
    ClientAuthentication auth =
        methods != null
                && !methods.contains(ClientAuthenticationMethod.CLIENT_SECRET_BASIC)
                && methods.contains(ClientAuthenticationMethod.CLIENT_SECRET_POST)
            ? new ClientSecretPost(clientId, secret)
            : new ClientSecretBasic(clientId, secret);
    HTTPRequest tokenRequest =
        new TokenRequest.Builder(
                metadata.getTokenEndpointURI(),
                auth,
                new AuthorizationCodeGrant(
                    code, redirectUri(provider), new CodeVerifier(derived("pkce", browserSecret))))
            .build()
            .toHTTPRequest();
    timeouts(tokenRequest);
    if (provider.oauth2().isPresent()) {
      tokenRequest.setAccept("application/json"); // GitHub answers a form otherwise
      return redeemPlain(provider, tokenRequest, flow, client);
    }
    TokenResponse tokens;
    try {
      tokens = OIDCTokenResponseParser.parse(tokenRequest.send());
    } catch (ParseException e) {
      return refused(502, provider, "answered the token request unreadably", e.getMessage());
    }
    if (tokens instanceof TokenErrorResponse error) {
      return tokenRefused(provider, error);
    }
    OIDCTokenResponse oidc = (OIDCTokenResponse) tokens.toSuccessResponse();
    if (oidc.getOIDCTokens().getIDToken() == null) {
      return refused(502, provider, "sent no ID token", "no id_token");
    }
    IDTokenClaimsSet id;
    try {
      Set<JWSAlgorithm> algs = new HashSet<>();
      List<JWSAlgorithm> advertised = metadata.getIDTokenJWSAlgs();
      algs.addAll(advertised == null ? List.of(JWSAlgorithm.RS256) : advertised);
      algs.removeIf(a -> a.getName().startsWith("HS") || a.getName().equals("none"));
      IDTokenValidator validator =
          new IDTokenValidator(
              new Issuer(provider.issuer().toString()),
              clientId,
              new JWSVerificationKeySelector<>(algs, resolved.keys()),
              null);
      validator.setMaxClockSkew(60);
      id =
          validator.validate(
              oidc.getOIDCTokens().getIDToken(), new Nonce(derived("nonce", browserSecret)));
    } catch (com.nimbusds.jose.proc.BadJOSEException | com.nimbusds.jose.JOSEException e) {
      return refused(502, provider, "sent an ID token that does not verify", e.getMessage());
    }
    Map<String, Object> claims = new LinkedHashMap<>(id.toJSONObject());
    if (metadata.getUserInfoEndpointURI() != null) {
      HTTPRequest userinfo =
          new UserInfoRequest(
                  metadata.getUserInfoEndpointURI(), oidc.getOIDCTokens().getBearerAccessToken())
              .toHTTPRequest();
      timeouts(userinfo);
      try {
        UserInfoResponse info = UserInfoResponse.parse(userinfo.send());
        if (info.indicatesSuccess()) {
          var userInfo = info.toSuccessResponse().getUserInfo();
          if (userInfo.getSubject().equals(id.getSubject())) {
            userInfo.toJSONObject().forEach(claims::putIfAbsent);
          } else {
            LOG.warn("upstream sign-in: {} userinfo named another subject; ignored", provider.id());
          }
        }
      } catch (ParseException e) {
        LOG.info("upstream sign-in: {} userinfo unreadable: {}", provider.id(), e.getMessage());
      }
    }
    return account(provider, id.getSubject().getValue(), claims, flow, client);
  }

  /**
   * A plain OAuth 2 provider: the access token from the token endpoint, then the user from its JSON
   * userinfo, identified by {@code subject-claim} (GitHub: the numeric {@code id}, never the login
   * name, which its owner can change).
   */
  private Outcome redeemPlain(
      UpstreamProvider provider,
      HTTPRequest tokenRequest,
      UpstreamRepository.Flow flow,
      String client)
      throws IOException {
    TokenResponse tokens;
    try {
      tokens = TokenResponse.parse(tokenRequest.send());
    } catch (ParseException e) {
      return refused(502, provider, "answered the token request unreadably", e.getMessage());
    }
    if (tokens instanceof TokenErrorResponse error) {
      return tokenRefused(provider, error);
    }
    HTTPRequest userinfo =
        new HTTPRequest(HTTPRequest.Method.GET, provider.oauth2().orElseThrow().userinfo());
    userinfo.setAuthorization(
        tokens.toSuccessResponse().getTokens().getAccessToken().toAuthorizationHeader());
    userinfo.setAccept("application/json");
    timeouts(userinfo);
    com.nimbusds.oauth2.sdk.http.HTTPResponse answer = userinfo.send();
    Map<String, Object> claims;
    try {
      if (answer.getStatusCode() != 200) {
        return refused(
            502, provider, "did not say who signed in", "userinfo " + answer.getStatusCode());
      }
      claims = new LinkedHashMap<>(answer.getBodyAsJSONObject());
    } catch (ParseException e) {
      return refused(502, provider, "did not say who signed in", e.getMessage());
    }
    Object subject = claims.get(provider.subjectClaim());
    if (subject == null || String.valueOf(subject).isBlank()) {
      return refused(
          502,
          provider,
          "sent no `" + provider.subjectClaim() + "` to identify you",
          "no " + provider.subjectClaim());
    }
    return account(provider, String.valueOf(subject), claims, flow, client);
  }

  private Outcome account(
      UpstreamProvider provider,
      String subject,
      Map<String, Object> claims,
      UpstreamRepository.Flow flow,
      String client) {
    String issuer = provider.issuer().toString();
    Instant now = clock.instant();
    Set<String> amr = amr(provider, claims);
    Optional<UpstreamRepository.Link> link = repository.find(issuer, subject);
    if (!flow.linkUser().isEmpty()) {
      UserId linking = new UserId(flow.linkUser());
      if (link.isPresent() && !link.get().userId().equals(linking)) {
        return new Refused(
            409,
            "This "
                + provider.name()
                + " account is already linked to another account here. Sign in with it, or"
                + " ask your administrator.");
      }
      if (link.isEmpty()) {
        repository.link(
            new UpstreamRepository.Link(issuer, subject, provider.id(), linking, now, now));
        Optional<User> user = directory.findById(linking);
        audit.record(
            "upstream.linked",
            Optional.of(linking),
            user.map(User::username).orElse(""),
            client,
            provider.id() + " from the account page");
      }
      return new Linked(linking, provider);
    }
    if (link.isPresent()) {
      Optional<User> user = directory.findById(link.get().userId());
      if (user.isEmpty() || user.get().disabled()) {
        return new Refused(403, "This account is disabled. Ask your administrator.");
      }
      repository.touch(issuer, subject, now);
      syncGroups(provider, user.get(), claims);
      audit.record(
          "upstream.signin",
          Optional.of(user.get().id()),
          user.get().username(),
          client,
          provider.id());
      return signedIn(user.get(), amr, provider, flow, claims);
    }
    Optional<String> email =
        text(claims, provider.emailClaim()).map(e -> e.toLowerCase(Locale.ROOT));
    // The JSON boolean true, or the string "true" some providers send (Amazon Cognito's userinfo
    // among them): either way the provider vouches for the address; nothing else counts.
    boolean verified =
        Boolean.TRUE.equals(claims.get("email_verified"))
            || "true".equals(String.valueOf(claims.get("email_verified")));
    if (provider.trustEmail() && email.isPresent() && verified) {
      // Both ends must vouch for the address: the provider (email_verified) and the local account
      // (confirmed by its owner), so an address typed wrongly on a local account is no way in.
      Optional<User> local = directory.findByEmail(email.get()).filter(User::emailVerified);
      if (local.isPresent()) {
        if (local.get().disabled()) {
          return new Refused(403, "This account is disabled. Ask your administrator.");
        }
        repository.link(
            new UpstreamRepository.Link(
                issuer, subject, provider.id(), local.get().id(), now, now));
        syncGroups(provider, local.get(), claims);
        audit.record(
            "upstream.linked",
            Optional.of(local.get().id()),
            local.get().username(),
            client,
            provider.id() + " by verified email");
        return signedIn(local.get(), amr, provider, flow, claims);
      }
    }
    switch (provider.accounts()) {
      case EXISTING -> {
        LOG.info(
            "upstream sign-in: {} identity {} is not linked to an account and {} creates none",
            provider.id(),
            subject,
            provider.id());
        return new Refused(
            403,
            "Your "
                + provider.name()
                + " account is not linked to an account here, and new accounts are not created"
                + " through "
                + provider.name()
                + ". Ask your administrator for an account.");
      }
      case DOMAINS -> {
        if (email.isEmpty()) {
          LOG.warn(
              "upstream sign-in: {} sent no `{}` claim, which an account under"
                  + " domains needs (email_is_missing)",
              provider.id(),
              provider.emailClaim());
          return new Refused(
              403,
              provider.name()
                  + " did not send your email address (the `"
                  + provider.emailClaim()
                  + "` claim), which is needed to create your account here. Ask your"
                  + " administrator to release it to Gatehouse.");
        }
        String domain = email.get().substring(email.get().indexOf('@') + 1);
        if (!verified || !provider.domains().contains(domain)) {
          LOG.info(
              "upstream sign-in: {} address {} is {} (email_verified {})",
              provider.id(),
              email.get(),
              provider.domains().contains(domain) ? "in the domains" : "not in the domains",
              verified);
          return new Refused(
              403,
              verified
                  ? "Accounts are created through "
                      + provider.name()
                      + " only for addresses at "
                      + String.join(", ", provider.domains())
                      + "."
                  : provider.name()
                      + " has not verified your email address (the `email_verified` claim),"
                      + " which is needed to create your account here. Verify it there first.");
        }
      }
      case OPEN -> {}
    }
    return create(provider, issuer, subject, claims, email, verified, amr, flow, client);
  }

  private Outcome create(
      UpstreamProvider provider,
      String issuer,
      String subject,
      Map<String, Object> claims,
      Optional<String> email,
      boolean verified,
      Set<String> amr,
      UpstreamRepository.Flow flow,
      String client) {
    Instant now = clock.instant();
    // An address that already belongs to someone here is not taken over, nor copied: the new
    // account gets no address (linking to the existing account needs its owner to sign in). An
    // address the provider does not vouch for is not kept either: whoever types someone else's
    // address at a provider would otherwise hold an account that address's owner later "recovers"
    // by email — and shares with them through the provider (pre-account takeover).
    Optional<String> address =
        email
            .filter(e -> verified)
            .filter(e -> directory.findByEmail(e).isEmpty())
            .filter(e -> isValidEmail(e));
    String displayName = text(claims, provider.nameClaim()).map(UpstreamSignIn::clean).orElse("");
    try {
      Names.displayName(displayName);
    } catch (DirectoryException.InvalidValueException e) {
      LOG.info(
          "upstream sign-in: {} sent a display name Gatehouse cannot use ({}); the new account"
              + " has none",
          provider.id(),
          e.getMessage());
      displayName = "";
    }
    User user = null;
    List<String> tried = new ArrayList<>();
    for (String candidate : usernames(provider, claims, email)) {
      tried.add(candidate);
      try {
        // Only a provider trusted for addresses makes one count as confirmed here.
        User fresh =
            directory.newUser(
                candidate, address, displayName, false, verified && provider.trustEmail());
        directory.insert(fresh);
        user = fresh;
        break;
      } catch (DirectoryException.DuplicateException | DirectoryException.InvalidValueException e) {
        // taken or unusable: try the next candidate
      }
    }
    if (user == null) {
      return refused(
          409,
          provider,
          "gave no username Gatehouse can use",
          "every candidate username was taken or not a valid username: " + tried);
    }
    repository.link(
        new UpstreamRepository.Link(issuer, subject, provider.id(), user.id(), now, now));
    syncGroups(provider, user, claims);
    audit.record(
        "upstream.account-created", Optional.of(user.id()), user.username(), client, provider.id());
    return signedIn(user, amr, provider, flow, claims);
  }

  private List<String> usernames(
      UpstreamProvider provider, Map<String, Object> claims, Optional<String> email) {
    List<String> candidates = new ArrayList<>();
    String base =
        text(claims, provider.usernameClaim())
            .or(() -> email.map(e -> e.substring(0, e.indexOf('@'))))
            .map(UpstreamSignIn::usernameish)
            .filter(s -> !s.isEmpty())
            .orElse(provider.id() + "-user");
    candidates.add(base);
    candidates.add(base + "-" + provider.id());
    for (int i = 0; i < 3; i++) {
      candidates.add(base + "-" + Tokens.newToken(random).substring(0, 6).toLowerCase(Locale.ROOT));
    }
    return candidates;
  }

  /**
   * Gives {@code user} the provider's allowed groups (creating missing ones) and records them as
   * the provider's; with {@code drop-missing-groups}, takes away those it gave before and no longer
   * sends. A membership an administrator gave is never taken away.
   */
  private void syncGroups(UpstreamProvider provider, User user, Map<String, Object> claims) {
    if (provider.groupsClaim().isEmpty()) {
      return;
    }
    Object value = claims.get(provider.groupsClaim());
    List<String> sent = new ArrayList<>();
    if (value instanceof List<?> list) {
      list.forEach(g -> sent.add(String.valueOf(g)));
    } else if (value instanceof String s) {
      sent.add(s);
    }
    Set<String> given = repository.upstreamGroups(user.id(), provider.id());
    Set<String> now = new java.util.TreeSet<>();
    List<String> ignored = new ArrayList<>();
    for (String group : sent) {
      if (!provider.allowedGroups().isEmpty() && !provider.allowedGroups().contains(group)) {
        continue;
      }
      String name;
      try {
        name = Names.groupOrRole("group", group);
      } catch (DirectoryException.InvalidValueException e) {
        ignored.add(dev.gatehouse.kernel.Printable.of(group, 64));
        continue;
      }
      if (!directory.listGroups().contains(name)) {
        try {
          directory.addGroup(name);
        } catch (DirectoryException.DuplicateException raced) {
          // created meanwhile
        }
      }
      boolean added = directory.addMember(name, user.username());
      // Recorded as the provider's only when the provider made it (or made it before).
      if (added || given.contains(name)) {
        now.add(name);
      }
    }
    if (!ignored.isEmpty()) {
      LOG.warn(
          "upstream sign-in: {} sent groups that are not valid group names, not taken for {}: {}",
          provider.id(),
          user.username(),
          ignored);
    }
    Set<String> kept = new java.util.TreeSet<>(now);
    for (String old : given) {
      if (now.contains(old)) {
        continue;
      }
      if (provider.dropMissingGroups()) {
        try {
          directory.removeMember(old, user.username());
        } catch (DirectoryException.NotFoundException gone) {
          // the group was deleted meanwhile
        }
        audit.record(
            "upstream.group-dropped",
            Optional.of(user.id()),
            user.username(),
            "",
            provider.id() + " no longer sends " + old);
      } else {
        kept.add(old);
      }
    }
    repository.recordUpstreamGroups(user.id(), provider.id(), kept);
  }

  /** Signed in through {@code provider}, with what it said of the sign-in. */
  private static SignedIn signedIn(
      User user,
      Set<String> amr,
      UpstreamProvider provider,
      UpstreamRepository.Flow flow,
      Map<String, Object> claims) {
    return new SignedIn(
        user, amr, provider, flow.returnTo(), providerAmr(claims), providerAcr(claims));
  }

  /** The provider's {@code amr} values that look like RFC 8176 values (at most 8). */
  private static Set<String> providerAmr(Map<String, Object> claims) {
    Set<String> values = new java.util.TreeSet<>();
    if (claims.get("amr") instanceof List<?> upstream) {
      for (Object value : upstream) {
        if (value instanceof String text
            && AMR_VALUE.matcher(text).matches()
            && values.size() < 8) {
          values.add(text);
        }
      }
    }
    return Set.copyOf(values);
  }

  /** The provider's {@code acr}, when it is a short printable string. */
  private static String providerAcr(Map<String, Object> claims) {
    return claims.get("acr") instanceof String acr && ACR_VALUE.matcher(acr).matches() ? acr : "";
  }

  private static Set<String> amr(UpstreamProvider provider, Map<String, Object> claims) {
    Set<String> amr = new HashSet<>();
    amr.add("fed");
    if (provider.trustMfa() && claims.get("amr") instanceof List<?> upstream) {
      Set<String> factors = new HashSet<>();
      upstream.forEach(a -> factors.add(String.valueOf(a)));
      if (factors.contains("mfa")
          || (factors.contains("hwk") && factors.size() > 1)
          || (factors.contains("otp") && factors.contains("pwd"))) {
        amr.add("mfa");
      }
    }
    return Set.copyOf(amr);
  }

  private Optional<Resolved> resolve(UpstreamProvider provider) {
    Resolved known = resolved.get(metadataKey(provider));
    Instant now = clock.instant();
    if (known != null && known.at().plus(METADATA_LIFETIME).isAfter(now)) {
      return Optional.of(known);
    }
    if (provider.oauth2().isPresent()) {
      // No discovery for plain OAuth 2: the configured endpoints, and no keys (no ID token).
      UpstreamProvider.OAuth2 endpoints = provider.oauth2().get();
      OIDCProviderMetadata metadata =
          new OIDCProviderMetadata(
              new Issuer(provider.issuer().toString()),
              List.of(com.nimbusds.openid.connect.sdk.SubjectType.PUBLIC),
              endpoints.token());
      metadata.setAuthorizationEndpointURI(endpoints.authorization());
      metadata.setTokenEndpointURI(endpoints.token());
      metadata.setUserInfoEndpointURI(endpoints.userinfo());
      // Credentials in the form body: what GitHub-style providers document.
      metadata.setTokenEndpointAuthMethods(List.of(ClientAuthenticationMethod.CLIENT_SECRET_POST));
      Resolved fixed = new Resolved(metadata, (selector, context) -> List.of(), now);
      resolved.put(metadataKey(provider), fixed);
      return Optional.of(fixed);
    }
    try {
      OIDCProviderMetadata metadata =
          OIDCProviderMetadata.resolve(
              new Issuer(provider.issuer().toString()), TIMEOUT_MS, TIMEOUT_MS);
      JWKSource<SecurityContext> keys =
          JWKSourceBuilder.<SecurityContext>create(
                  metadata.getJWKSetURI().toURL(),
                  new com.nimbusds.jose.util.DefaultResourceRetriever(
                      TIMEOUT_MS, TIMEOUT_MS, 1024 * 1024))
              .retrying(false)
              .build();
      Resolved fresh = new Resolved(metadata, known == null ? keys : known.keys(), now);
      resolved.put(metadataKey(provider), fresh);
      return Optional.of(fresh);
    } catch (IOException | com.nimbusds.oauth2.sdk.GeneralException | RuntimeException e) {
      LOG.warn(
          "upstream sign-in: cannot read the discovery document of {} at {}: {}",
          provider.id(),
          provider.issuer(),
          e.toString());
      return Optional.ofNullable(known);
    }
  }

  private static Refused tokenRefused(UpstreamProvider provider, TokenErrorResponse error) {
    // invalid_grant: the code in the callback was not one the provider issued for this flow (a
    // forged, replayed or injected code) — the request's fault, not the provider's.
    return refused(
        "invalid_grant".equals(error.getErrorObject().getCode()) ? 400 : 502,
        provider,
        "refused to redeem the sign-in",
        safe(error.getErrorObject().getCode()) + " " + error.getErrorObject().getDescription());
  }

  private Refused unreachable(UpstreamProvider provider) {
    return new Refused(
        502,
        provider.name()
            + " cannot be reached right now. Try again in a moment, or sign in another way.");
  }

  private static Refused refused(int status, UpstreamProvider provider, String what, String why) {
    LOG.warn("upstream sign-in: {} {}: {}", provider.id(), what, safe(String.valueOf(why)));
    return new Refused(
        status, provider.name() + " " + what + ". Try again, or sign in another way.");
  }

  private static void timeouts(HTTPRequest request) {
    request.setConnectTimeout(TIMEOUT_MS);
    request.setReadTimeout(TIMEOUT_MS);
  }

  /**
   * Metadata is cached per provider definition: a provider re-added with other values starts anew.
   */
  private static String metadataKey(UpstreamProvider provider) {
    return provider.id() + " " + provider.issuer() + " " + provider.oauth2();
  }

  /** A PKCE verifier or nonce derived from the browser's secret (43 URL-safe characters). */
  private static String derived(String purpose, String browserSecret) {
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(
            Tokens.sha256((purpose + ":" + browserSecret).getBytes(StandardCharsets.UTF_8)));
  }

  private static Optional<String> text(Map<String, Object> claims, String name) {
    Object value = name.isEmpty() ? null : claims.get(name);
    return value instanceof String s && !s.isBlank() ? Optional.of(s.strip()) : Optional.empty();
  }

  private static boolean isValidEmail(String email) {
    try {
      Names.email(email);
      return true;
    } catch (DirectoryException.InvalidValueException e) {
      return false;
    }
  }

  private static String usernameish(String value) {
    StringBuilder out = new StringBuilder();
    for (char c : value.toLowerCase(Locale.ROOT).toCharArray()) {
      if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-') {
        out.append(c);
      }
    }
    return out.length() > 48 ? out.substring(0, 48) : out.toString();
  }

  /** User- or provider-supplied text, printable and at most 128 code points. */
  private static String clean(String value) {
    return dev.gatehouse.kernel.Printable.of(value, 128);
  }

  private static String safe(String value) {
    return value == null ? "" : clean(value);
  }
}
