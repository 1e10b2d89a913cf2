package dev.gatehouse.url;

/**
 * A request target in canonical form: the one view of a request that access rules and redirect
 * validation share (SECURITY.md §1). Immutable.
 *
 * @param scheme {@code http} or {@code https}
 * @param host lower-case ASCII host (IDNA applied, one trailing dot removed); IPv6 in brackets
 * @param port explicit port, or -1 for the scheme's default
 * @param path percent-decoded once, dot segments resolved, {@code //} collapsed; never the query
 */
public record CanonicalTarget(String scheme, String host, int port, String path) {

  /** {@code host} or {@code host:port} when the port is not the default. */
  public String authority() {
    return port < 0 ? host : host + ":" + port;
  }
}
