package dev.gatehouse.url;

import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Validates return URLs ({@code rd}, {@code return_to}, {@code next}) before Gatehouse redirects to
 * them (SECURITY.md §3). Accepts a relative path starting with exactly one {@code /}, or an
 * absolute https URL whose canonical host is the portal's host or lies inside the configured cookie
 * domain or one of the further domains sharing the sign-in (at a dot boundary). Everything else is
 * refused. The answer is always an absolute URL built on the configured public URL, never on
 * request headers. Immutable and thread-safe.
 *
 * <p>Accepted: {@code /account}, {@code https://app.example.com/x?y=1}. Refused: {@code
 * //evil.com}, {@code /\evil.com}, {@code https:evil.com}, {@code https://user@app.example.com},
 * {@code https://evil-example.com}, {@code javascript:alert(1)}, {@code /..;/admin}, anything with
 * whitespace or control characters.
 */
public final class RedirectValidator {
  private static final int MAX_LENGTH = 4096;

  private final String publicScheme;
  private final String publicAuthority;
  private final String publicHost;
  private final List<String> domains;

  /**
   * @param publicUrl the configured public URL (scheme, host, optional port)
   * @param cookieDomain the configured parent domain, lower-case ASCII, if any
   */
  public RedirectValidator(URI publicUrl, Optional<String> cookieDomain) {
    this(publicUrl, cookieDomain, List.of());
  }

  /**
   * @param publicUrl the configured public URL (scheme, host, optional port)
   * @param cookieDomain the configured parent domain, lower-case ASCII, if any
   * @param moreDomains further domains sharing the sign-in ({@code session.more-domains}),
   *     lower-case ASCII
   */
  public RedirectValidator(URI publicUrl, Optional<String> cookieDomain, List<String> moreDomains) {
    this.publicScheme = publicUrl.getScheme();
    this.publicAuthority =
        Canonicalizer.authority(publicUrl.getRawAuthority(), publicScheme)
            .map(parts -> parts[1].isEmpty() ? parts[0] : parts[0] + ":" + parts[1])
            .orElseThrow(() -> new IllegalArgumentException("public URL has no valid host"));
    this.publicHost = Canonicalizer.authority(publicUrl.getRawAuthority(), publicScheme).get()[0];
    List<String> all = new java.util.ArrayList<>();
    cookieDomain.ifPresent(all::add);
    all.addAll(moreDomains);
    this.domains = List.copyOf(all);
  }

  /** The absolute URL to redirect to, or empty when {@code target} is not a safe return URL. */
  public Optional<String> validate(String target) {
    if (target.isEmpty() || target.length() > MAX_LENGTH) {
      return Optional.empty();
    }
    for (int i = 0; i < target.length(); i++) {
      char c = target.charAt(i);
      if (c <= 0x20 || c == 0x7f || c == '\\' || c > 0x7e) {
        return Optional.empty();
      }
    }
    if (target.charAt(0) == '/') {
      if (target.length() > 1 && target.charAt(1) == '/') {
        return Optional.empty(); // Scheme-relative: would leave our host.
      }
      if (!pathPartIsCanonicalisable(target)) {
        return Optional.empty();
      }
      return Optional.of(publicScheme + "://" + publicAuthority + target);
    }
    String lower = target.toLowerCase(Locale.ROOT);
    String scheme;
    if (lower.startsWith("https://")) {
      scheme = "https";
    } else if (lower.startsWith("http://") && publicScheme.equals("http")) {
      scheme = "http"; // Development on http://localhost only; the config refuses http elsewhere.
    } else {
      return Optional.empty();
    }
    String rest = target.substring(scheme.length() + 3);
    int end = rest.length();
    for (int i = 0; i < rest.length(); i++) {
      char c = rest.charAt(i);
      if (c == '/' || c == '?' || c == '#') {
        end = i;
        break;
      }
    }
    String authority = rest.substring(0, end);
    String pathAndMore = rest.substring(end);
    if (authority.indexOf('@') >= 0) {
      return Optional.empty(); // User info hides the real host from people and some parsers.
    }
    Optional<String[]> hostPort = Canonicalizer.authority(authority, scheme);
    if (hostPort.isEmpty() || !hostAllowed(hostPort.get()[0], hostPort.get()[1], scheme)) {
      return Optional.empty();
    }
    if (pathAndMore.isEmpty()) {
      pathAndMore = "/";
    } else if (pathAndMore.charAt(0) != '/') {
      pathAndMore = "/" + pathAndMore;
    }
    if (!pathPartIsCanonicalisable(pathAndMore)) {
      return Optional.empty();
    }
    String port = hostPort.get()[1];
    return Optional.of(
        scheme + "://" + hostPort.get()[0] + (port.isEmpty() ? "" : ":" + port) + pathAndMore);
  }

  private boolean hostAllowed(String host, String port, String scheme) {
    String authority = port.isEmpty() ? host : host + ":" + port;
    if (scheme.equals(publicScheme) && authority.equals(publicAuthority)) {
      return true;
    }
    if (scheme.equals("http") && publicScheme.equals("http") && host.equals(publicHost)) {
      // Local development (the config allows http only for localhost): a host-only cookie reaches
      // every port of the host, so apps on other ports of it are inside the session's scope.
      return true;
    }
    if (!scheme.equals("https")) {
      return false;
    }
    for (String domain : domains) {
      if (host.equals(domain) || host.endsWith("." + domain)) {
        return true;
      }
    }
    return false;
  }

  private static boolean pathPartIsCanonicalisable(String pathQueryFragment) {
    int cut = pathQueryFragment.length();
    for (int i = 0; i < pathQueryFragment.length(); i++) {
      char c = pathQueryFragment.charAt(i);
      if (c == '?' || c == '#') {
        cut = i;
        break;
      }
    }
    return Canonicalizer.path(pathQueryFragment.substring(0, cut)).isPresent();
  }
}
