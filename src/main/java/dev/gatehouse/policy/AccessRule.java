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
    return (hosts.isEmpty() || hosts.stream().anyMatch(h -> h.matches(host)))
        && (paths.isEmpty() || paths.stream().anyMatch(p -> p.matches(path)))
        && (methods.isEmpty() || methods.contains(method))
        // An unknown client address lies in no network: it neither gains nor escapes a rule by it.
        && (networks.isEmpty()
            || client.map(c -> networks.stream().anyMatch(n -> n.contains(c))).orElse(false));
  }

  /** Whether the subject condition holds for {@code subject}. */
  boolean matchesSubject(Subject subject) {
    return subjects.isEmpty() || subjects.stream().anyMatch(s -> s.matches(subject));
  }
}
