package dev.gatehouse.forwardauth;

import dev.gatehouse.apikey.ApiKeyService;
import dev.gatehouse.kernel.Cidr;
import dev.gatehouse.kernel.NonBlocking;
import dev.gatehouse.oidc.AccessTokens;
import dev.gatehouse.oidc.Clients;
import dev.gatehouse.policy.AccessPolicy;
import dev.gatehouse.policy.Decision;
import dev.gatehouse.policy.Subject;
import dev.gatehouse.session.SessionService;
import dev.gatehouse.url.CanonicalTarget;
import dev.gatehouse.url.Canonicalizer;
import dev.gatehouse.url.RedirectValidator;
import java.net.InetAddress;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The forward-auth core: one decision for every proxy dialect (SECURITY.md §1–§2).
 *
 * <p>Order: canonicalise the original request (ambiguous → deny); credential = exactly one session
 * cookie (either prefix variant) that resolves ▸ else a Gatehouse bearer key or access token (in
 * {@code Authorization: Bearer}, a key also as the Basic password) ▸ else anonymous; a presented
 * but invalid Gatehouse bearer without a valid session is a 401; an {@code Authorization} header
 * that is not ours is ignored. Then the access rules decide. Any failure answers {@link
 * Answer.Unavailable}, never {@link Answer.Allowed}. Thread-safe.
 */
public final class Verifier {
  private static final Logger LOG = LoggerFactory.getLogger(Verifier.class);

  /**
   * Identity header names: user, email, name, groups, the signed identity JWT, then claim headers
   * (claim name → header).
   */
  public record Headers(
      String user,
      String email,
      String name,
      String groups,
      String jwt,
      Map<String, String> claims) {
    /** The names Gatehouse uses when nothing is configured. */
    public static final List<String> DEFAULT_NAMES =
        List.of("Remote-User", "Remote-Email", "Remote-Name", "Remote-Groups", "Remote-JWT");

    /** Every header name, in a stable order. */
    public List<String> all() {
      List<String> names = new ArrayList<>(List.of(user, email, name, groups, jwt));
      names.addAll(claims.values());
      return List.copyOf(names);
    }

    /**
     * Every name a client could forge an identity with: the configured ones and the defaults (an
     * app set up before a rename may still believe {@code Remote-User}), each once whatever its
     * letter case, in a stable order.
     */
    public List<String> allWithDefaults() {
      Map<String, String> byLowerCase = new LinkedHashMap<>();
      for (String header : all()) {
        byLowerCase.putIfAbsent(header.toLowerCase(Locale.ROOT), header);
      }
      for (String header : DEFAULT_NAMES) {
        byLowerCase.putIfAbsent(header.toLowerCase(Locale.ROOT), header);
      }
      return List.copyOf(byLowerCase.values());
    }

    /**
     * The identity headers for {@code subject}: every name, with an empty value where there is
     * nothing to say, so that a forged copy a client sent never survives beside it.
     */
    public List<Map.Entry<String, String>> render(Optional<Subject> subject, String identityJwt) {
      List<Map.Entry<String, String>> out = new ArrayList<>(5 + claims.size());
      out.add(header(user, subject.map(Subject::name).orElse("")));
      out.add(header(email, subject.map(Subject::email).orElse("")));
      out.add(header(name, subject.map(Subject::displayName).orElse("")));
      out.add(header(groups, subject.map(s -> String.join(",", s.groups())).orElse("")));
      out.add(header(jwt, identityJwt));
      for (Map.Entry<String, String> claim : claims.entrySet()) {
        String value =
            subject
                .map(s -> s.claims().getOrDefault(claim.getKey(), List.of()))
                .map(values -> String.join(",", values))
                .orElse("");
        out.add(header(claim.getValue(), value));
      }
      return out;
    }
  }

  /** What the adapter hands the core. */
  public record Request(
      OriginalRequest original,
      String clientAddress,
      Optional<String> authorization,
      List<String> sessionCookies,
      boolean browserNavigation) {
    @Override
    public String toString() {
      return "Request[" + original.method() + " " + original.host() + "]";
    }
  }

  private final SessionService sessions;
  private final ApiKeyService apiKeys;
  private final AccessTokens accessTokens;
  private final Clients clients;
  private final IdentityResolver identities;
  private final IdentityJwts identityJwts;
  private final AccessPolicy policy;
  private final RedirectValidator redirects;
  private final Headers headers;
  private final String loginUrl;
  private final String deniedUrl;
  private final Function<String, Optional<String>> handOffStart;
  private final Function<String, Optional<String>> moreDomainOf;

  /**
   * Wires the core; {@code handOffStart} gives, for a host on a further cookie domain, the address
   * where its browsers start the cross-domain hand-off instead of the portal's sign-in page.
   */
  public Verifier(
      SessionService sessions,
      ApiKeyService apiKeys,
      AccessTokens accessTokens,
      Clients clients,
      IdentityResolver identities,
      IdentityJwts identityJwts,
      AccessPolicy policy,
      RedirectValidator redirects,
      Headers headers,
      String publicOrigin,
      Function<String, Optional<String>> handOffStart,
      Function<String, Optional<String>> moreDomainOf) {
    this.handOffStart = handOffStart;
    this.moreDomainOf = moreDomainOf;
    this.sessions = sessions;
    this.apiKeys = apiKeys;
    this.accessTokens = accessTokens;
    this.clients = clients;
    this.identities = identities;
    this.identityJwts = identityJwts;
    this.policy = policy;
    this.redirects = redirects;
    this.headers = headers;
    this.loginUrl = publicOrigin + "/login";
    this.deniedUrl = publicOrigin + "/denied";
  }

  /** Decides about one request. */
  public Answer verify(Request request) {
    try {
      return decide(request);
    } catch (RuntimeException e) {
      if (NonBlocking.refused()) {
        throw e; // not a failure: decided again on a thread that may wait for the store
      }
      // Fail closed: whatever broke, the answer is not 200.
      NonBlocking.mayBlock(); // a log line may wait for the console: not on the lane
      LOG.error("forward-auth decision failed for {}", request, e);
      return new Answer.Unavailable();
    }
  }

  private Answer decide(Request request) {
    OriginalRequest original = request.original();
    Optional<CanonicalTarget> target =
        Canonicalizer.target(original.scheme(), original.host(), original.rawUri());
    Optional<InetAddress> client = Cidr.parseNumericAddress(request.clientAddress());
    if (target.isEmpty() || !isMethodToken(original.method())) {
      NonBlocking.mayBlock(); // a log line may wait for the console: not on the lane
      LOG.info(
          "forward-auth: refused an ambiguous or unparsable request for host {}",
          printable(original.host()));
      return new Answer.Forbidden();
    }
    // Cookie first: exactly one session cookie (in either prefix variant) that resolves decides,
    // for a host its cookie domain covers: a session opened on a further domain is good there
    // only, the sign-in's own everywhere else (a cookie value carried elsewhere opens nothing).
    Optional<Subject> subject =
        request.sessionCookies().size() == 1
            ? sessions
                .resolve(request.sessionCookies().get(0))
                .filter(
                    s ->
                        moreDomainOf
                            .apply(target.get().host())
                            .equals(Optional.of(s.domain()).filter(d -> !d.isEmpty())))
                .flatMap(identities::forSession)
            : Optional.empty();
    if (request.sessionCookies().size() > 1) {
      NonBlocking.mayBlock(); // a log line may wait for the console: not on the lane
      LOG.warn(
          "security event: {} session cookies in one request from {} (cookie tossing?); treated as signed out",
          request.sessionCookies().size(),
          request.clientAddress());
    }
    // Whether a bearer decided (a script or an app's call: no portal pages for it).
    boolean byBearer = false;
    Answer.Credential credential =
        subject.isPresent() ? Answer.Credential.SESSION : Answer.Credential.NONE;
    if (subject.isEmpty()) {
      // Then a bearer: a Gatehouse key or access token; presented but invalid is a 401.
      Optional<String> bearer = request.authorization().flatMap(Verifier::gatehouseCredential);
      Optional<String> jwt =
          bearer.isPresent()
              ? Optional.empty()
              : request.authorization().flatMap(Verifier::bearerJwt);
      Optional<AccessTokens.Verified> token = jwt.flatMap(accessTokens::verify);
      // A token of ours (an opaque one, or a JWT naming us as issuer) but not valid (an ID token,
      // expired, revoked, forged) is refused; any other JWT belongs to the app and is ignored.
      boolean ourJwt = token.isPresent() || jwt.map(accessTokens::claimsOurIssuer).orElse(false);
      byBearer = ourJwt || bearer.isPresent();
      if (ourJwt) {
        credential = Answer.Credential.ACCESS_TOKEN;
        subject = token.flatMap(t -> identities.forToken(t, clients.find(t.clientId())));
        if (subject.isEmpty()) {
          return new Answer.Unauthenticated(Optional.empty(), true);
        }
      } else if (bearer.isPresent()) {
        credential = Answer.Credential.API_KEY;
        subject = apiKeys.authenticate(bearer.get()).flatMap(identities::forKey);
        if (subject.isEmpty()) {
          return new Answer.Unauthenticated(Optional.empty(), true);
        }
      }
    }
    CanonicalTarget canonical = target.get();
    // An unparsable client address is an unknown one: it matches no `networks` rule.
    Decision decision =
        client.isPresent()
            ? policy.decide(
                canonical.host(), canonical.path(), original.method(), client.get(), subject)
            : policy.decideForUnknownClient(
                canonical.host(), canonical.path(), original.method(), subject);
    Answer.Credential established = credential;
    return switch (decision) {
      case Decision.Allow allow -> {
        String jwt =
            allow.identityJwt() && allow.subject().isPresent()
                ? identityJwts.forSubject(allow.subject().get(), canonical.host())
                : "";
        yield new Answer.Allowed(
            headers.render(allow.subject(), jwt),
            allow.subject(),
            jwt,
            allow.subject().isPresent() ? established : Answer.Credential.NONE);
      }
      case Decision.Deny deny -> {
        NonBlocking.mayBlock(); // a log line may wait for the console: not on the lane
        LOG.info(
            "forward-auth: {} {}{} denied: {}",
            original.method(),
            canonical.authority(),
            canonical.path(),
            deny.reason());
        if (!request.browserNavigation() || byBearer) {
          yield new Answer.Forbidden();
        }
        // A person in a browser: explain on the portal, or offer the second factor that is
        // missing (only a session can be stepped up; keys and tokens cannot).
        boolean stepUp = deny.secondFactorWouldHelp() && subject.isPresent();
        yield new Answer.Forbidden(
            Optional.of(
                stepUp
                    ? portalPage(loginUrl + "?step_up=1", canonical, original)
                    : portalPage(deniedUrl, canonical, original)));
      }
      case Decision.Challenge challenge ->
          new Answer.Unauthenticated(
              request.browserNavigation() && !byBearer
                  ? Optional.of(login(canonical, original))
                  : Optional.empty(),
              false);
    };
  }

  /**
   * The portal login URL, with the original URL as {@code rd} when it is a valid return URL; for a
   * host on a further cookie domain, the start of the hand-off on that domain (the browser may well
   * be signed in already, only without that domain's cookie).
   */
  private String login(CanonicalTarget target, OriginalRequest original) {
    return portalPage(handOffStart.apply(target.host()).orElse(loginUrl), target, original);
  }

  /** A portal page, with the original URL as {@code rd} when it is a valid return URL. */
  private String portalPage(String page, CanonicalTarget target, OriginalRequest original) {
    String back = target.scheme() + "://" + target.authority() + original.rawUri();
    String separator = page.indexOf('?') < 0 ? "?" : "&";
    return redirects
        .validate(back)
        .map(rd -> page + separator + "rd=" + URLEncoder.encode(rd, StandardCharsets.UTF_8))
        .orElse(page);
  }

  /** A header whose value can never break the header block or smuggle a second value. */
  static Map.Entry<String, String> header(String name, String value) {
    boolean plain = true;
    for (int i = 0; i < value.length() && plain; i++) {
      char c = value.charAt(i);
      plain = c >= 0x20 && c < 0x7f;
    }
    if (plain) {
      return new AbstractMap.SimpleImmutableEntry<>(name, value); // the common case: no copy
    }
    StringBuilder clean = new StringBuilder(value.length());
    boolean ascii = true;
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      clean.append(c < 0x20 || c == 0x7f ? '?' : c);
      ascii &= c < 0x80;
    }
    String text = clean.toString();
    if (!ascii) {
      // HTTP writes header values byte for byte (Jetty as ISO-8859-1): hand it the UTF-8 bytes,
      // which is what proxies pass on and apps read. Written as UTF-16 chars, "ops😀" became
      // "ops" and two spaces, which an app that trims would take for the group "ops".
      text =
          new String(
              text.getBytes(java.nio.charset.StandardCharsets.UTF_8),
              java.nio.charset.StandardCharsets.ISO_8859_1);
    }
    return new AbstractMap.SimpleImmutableEntry<>(name, text);
  }

  /**
   * The Gatehouse key inside an {@code Authorization} value, if it holds one: {@code Bearer ghk_…},
   * or Basic credentials whose password is {@code ghk_…} (for clients that only speak Basic).
   * Anything else belongs to the app and is ignored.
   */
  static Optional<String> gatehouseCredential(String authorization) {
    String value = authorization.strip();
    int space = value.indexOf(' ');
    if (space <= 0) {
      return Optional.empty();
    }
    String scheme = value.substring(0, space);
    String credential = value.substring(space + 1).strip();
    if (scheme.equalsIgnoreCase("Bearer")) {
      return ApiKeyService.isGatehouseKey(credential) ? Optional.of(credential) : Optional.empty();
    }
    if (scheme.equalsIgnoreCase("Basic")) {
      try {
        String decoded = new String(Base64.getDecoder().decode(credential), StandardCharsets.UTF_8);
        int colon = decoded.indexOf(':');
        String password = colon < 0 ? "" : decoded.substring(colon + 1);
        return ApiKeyService.isGatehouseKey(password) ? Optional.of(password) : Optional.empty();
      } catch (IllegalArgumentException e) {
        return Optional.empty();
      }
    }
    return Optional.empty();
  }

  /**
   * A bearer access token: shaped like a JWT ({@code header.payload.signature}, base64url), or an
   * opaque access token of ours ({@code gat_…}).
   */
  static Optional<String> bearerJwt(String authorization) {
    String value = authorization.strip();
    if (value.length() < 8 || !value.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return Optional.empty();
    }
    String token = value.substring(7).strip();
    return AccessTokens.isCompactJws(token) || AccessTokens.isOpaque(token)
        ? Optional.of(token)
        : Optional.empty();
  }

  private static boolean isMethodToken(String method) {
    if (method.isEmpty() || method.length() > 16) {
      return false;
    }
    for (int i = 0; i < method.length(); i++) {
      if (method.charAt(i) < 'A' || method.charAt(i) > 'Z') {
        return false;
      }
    }
    return true;
  }

  private static String printable(String text) {
    String clipped = text.length() > 100 ? text.substring(0, 100) : text;
    return clipped.replaceAll("[^\\x21-\\x7e]", "?");
  }
}
