package dev.gatehouse.web;

import dev.gatehouse.kernel.Cidr;
import java.net.InetAddress;
import java.util.List;
import java.util.Optional;

/**
 * Who the client is. {@code X-Forwarded-For} is believed only when the TCP peer lies inside the
 * configured trusted-proxy CIDRs (SECURITY.md §1); then the client is the right-most address of the
 * chain that is not itself a trusted proxy. An unparsable address in a chain from a trusted proxy
 * makes the client {@link #UNKNOWN}: it matches no {@code networks} rule (SECURITY.md §1).
 * Immutable and thread-safe.
 */
public final class ClientAddress {
  /** The client address when a trusted proxy forwarded one that does not parse. */
  public static final String UNKNOWN = "unknown";

  private final List<Cidr> trustedProxies;
  private final java.util.concurrent.ConcurrentMap<String, Boolean> trustedPeers =
      new java.util.concurrent.ConcurrentHashMap<>();

  /** Resolver trusting these proxy networks. */
  public ClientAddress(List<Cidr> trustedProxies) {
    this.trustedProxies = List.copyOf(trustedProxies);
  }

  /**
   * Whether {@code peer} is a trusted proxy. Answers are remembered for up to 1024 peers (proxies
   * are few and ask on every request); beyond that they are computed each time.
   */
  public boolean isTrusted(String peer) {
    Boolean known = trustedPeers.get(peer);
    if (known != null) {
      return known;
    }
    Optional<InetAddress> address = Cidr.parseNumericAddress(peer);
    boolean trusted =
        address.isPresent() && trustedProxies.stream().anyMatch(c -> c.contains(address.get()));
    if (trustedPeers.size() < 1024) {
      trustedPeers.put(peer, trusted);
    }
    return trusted;
  }

  /**
   * The client address for a request from {@code peer} with this {@code X-Forwarded-For}, if any.
   */
  public String resolve(String peer, Optional<String> forwardedFor) {
    if (forwardedFor.isEmpty() || !isTrusted(peer)) {
      return peer;
    }
    String[] hops = forwardedFor.get().split(",", -1);
    for (int i = hops.length - 1; i >= 0; i--) {
      String hop = hops[i].strip();
      Optional<InetAddress> address = Cidr.parseNumericAddress(hop);
      if (address.isEmpty()) {
        // Garbage in a trusted chain: the client is unknown. Falling back to the peer would put
        // the request inside the proxy's own network and open rules meant for it.
        return UNKNOWN;
      }
      if (!isTrusted(hop)) {
        return address.get().getHostAddress();
      }
    }
    return peer;
  }
}
