package dev.gatehouse.policy;

import dev.gatehouse.kernel.Cidr;
import java.net.InetAddress;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * One access rule. Every non-empty condition must hold (an empty list means "any"); within a list
 * any entry may match. Immutable.
 *
 * @param scopes scopes an access token must all carry to pass (other credentials carry none)
 * @param audiences audiences an access token must carry one of (default: one on the request host)
 * @param identityJwt whether an allowed request also gets a signed identity JWT for the upstream
 */
public record AccessRule(
    List<HostMatcher> hosts,
    List<PathMatcher> paths,
    Set<String> methods,
    List<Cidr> networks,
    List<SubjectMatcher> subjects,
    Policy policy,
    Set<String> scopes,
    Set<String> audiences,
    boolean identityJwt) {

  /** A rule without token conditions. */
  public AccessRule(
      List<HostMatcher> hosts,
      List<PathMatcher> paths,
      Set<String> methods,
      List<Cidr> networks,
      List<SubjectMatcher> subjects,
      Policy policy) {
    this(hosts, paths, methods, networks, subjects, policy, Set.of(), Set.of(), false);
  }

  /** Whether everything but the subject matches. */
  boolean matchesRequest(String host, String path, String method, Optional<InetAddress> client) {
    // Loops, not streams: every verify request walks the rules.
    return (hosts.isEmpty() || anyHost(host))
        && (paths.isEmpty() || anyPath(path))
        && (methods.isEmpty() || methods.contains(method))
        // An unknown client address lies in no network: it neither gains nor escapes a rule by it.
        && (networks.isEmpty() || (client.isPresent() && anyNetwork(client.get())));
  }

  private boolean anyHost(String host) {
    for (HostMatcher matcher : hosts) {
      if (matcher.matches(host)) {
        return true;
      }
    }
    return false;
  }

  private boolean anyPath(String path) {
    for (PathMatcher matcher : paths) {
      if (matcher.matches(path)) {
        return true;
      }
    }
    return false;
  }

  private boolean anyNetwork(InetAddress client) {
    for (dev.gatehouse.kernel.Cidr network : networks) {
      if (network.contains(client)) {
        return true;
      }
    }
    return false;
  }

  /** Whether the subject condition holds for {@code subject}. */
  boolean matchesSubject(Subject subject) {
    return subjects.isEmpty() || subjects.stream().anyMatch(s -> s.matches(subject));
  }
}
