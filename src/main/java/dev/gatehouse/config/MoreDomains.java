package dev.gatehouse.config;

import static dev.gatehouse.config.Nodes.error;
import static dev.gatehouse.config.Nodes.text;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.IDN;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Parses {@code session.more-domains}: further registrable domains whose apps share the one
 * sign-in, each with the portal address on it that receives the cross-domain hand-off. Every
 * mistake names the entry and the field.
 */
final class MoreDomains {
  private static final Set<String> FIELDS = Set.of("domain", "portal-url");

  private MoreDomains() {}

  /** The entries of {@code node} (a list), checked against the primary cookie domain. */
  static List<GatehouseConfig.MoreDomain> parse(
      JsonNode node, URI publicUrl, Optional<String> cookieDomain) {
    String key = "session.more-domains";
    if (node.isNull() || node.isMissingNode()) {
      return List.of();
    }
    if (!node.isArray()) {
      throw error(key, node.toString(), "must be a list of {domain, portal-url}");
    }
    List<GatehouseConfig.MoreDomain> out = new ArrayList<>();
    for (int i = 0; i < node.size(); i++) {
      String where = key + "[" + i + "]";
      GatehouseConfig.MoreDomain entry = entry(where, node.get(i));
      String publicHost = publicUrl.getHost().toLowerCase(Locale.ROOT);
      if (within(publicHost, entry.domain())) {
        throw error(
            where + ".domain",
            entry.domain(),
            "holds the portal (" + publicHost + "): that is session.cookie-domain's job");
      }
      List<String> taken = new ArrayList<>();
      cookieDomain.ifPresent(taken::add);
      out.forEach(other -> taken.add(other.domain()));
      for (String other : taken) {
        if (within(entry.domain(), other) || within(other, entry.domain())) {
          throw error(
              where + ".domain",
              entry.domain(),
              "overlaps " + other + " (each domain may be named once, and none inside another)");
        }
      }
      out.add(entry);
    }
    return List.copyOf(out);
  }

  private static GatehouseConfig.MoreDomain entry(String where, JsonNode node) {
    if (!node.isObject()) {
      throw error(where, node.toString(), "must be a mapping with domain and portal-url");
    }
    for (Map.Entry<String, JsonNode> field : node.properties()) {
      if (!FIELDS.contains(field.getKey())) {
        throw ConfigException.unknownField(
            where + "." + field.getKey(), "use domain and portal-url");
      }
    }
    String domainText = text(node, "domain", "");
    String domain = domain(domainText);
    if (domain == null) {
      throw error(
          where + ".domain",
          domainText,
          "must be a domain name with at least two labels, such as example.org");
    }
    if (!registrable(domain)) {
      throw error(
          where + ".domain",
          domainText,
          "is an IP address or a public suffix (anyone can register names under it): name your own domain, such"
              + " as example.org");
    }
    String portalText = text(node, "portal-url", "");
    URI portal = portalUrl(portalText);
    if (portal == null) {
      throw error(
          where + ".portal-url",
          portalText,
          "must be an https origin, e.g. https://auth." + domain + " (no path, query or user)");
    }
    if (!within(portal.getHost(), domain)) {
      throw error(
          where + ".portal-url",
          portalText,
          "must be a host inside " + domain + " (the hand-off sets the cookie for " + domain + ")");
    }
    return new GatehouseConfig.MoreDomain(domain, portal);
  }

  /**
   * Whether {@code domain} is a registrable domain or lies under one, by the public suffix list
   * Guava carries ({@code co.uk}, {@code github.io} are not; an IP address is not a domain).
   */
  static boolean registrable(String domain) {
    try {
      com.google.common.net.InternetDomainName name =
          com.google.common.net.InternetDomainName.from(domain);
      return name.isUnderPublicSuffix();
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private static boolean within(String host, String domain) {
    return host.equals(domain) || host.endsWith("." + domain);
  }

  private static String domain(String text) {
    String value = text.startsWith(".") ? text.substring(1) : text;
    value = value.endsWith(".") ? value.substring(0, value.length() - 1) : value;
    if (value.isEmpty()) {
      return null;
    }
    try {
      String ascii = IDN.toASCII(value, IDN.USE_STD3_ASCII_RULES).toLowerCase(Locale.ROOT);
      return ascii.contains(".") && !ascii.endsWith(".") ? ascii : null;
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private static URI portalUrl(String text) {
    try {
      URI uri = new URI(text);
      String path = uri.getRawPath();
      if (!"https".equalsIgnoreCase(uri.getScheme())
          || uri.getHost() == null
          || uri.getRawUserInfo() != null
          || uri.getRawQuery() != null
          || uri.getRawFragment() != null
          || !(path == null || path.isEmpty() || path.equals("/"))) {
        return null;
      }
      String host = domain(uri.getHost());
      if (host == null) {
        return null;
      }
      return URI.create("https://" + host + (uri.getPort() < 0 ? "" : ":" + uri.getPort()));
    } catch (URISyntaxException e) {
      return null;
    }
  }
}
