package dev.gatehouse.policy;

import java.net.InetAddress;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The ordered access rules and the default policy. The first rule whose request conditions match
 * decides. A rule with subject conditions cannot be judged for an anonymous request, so it asks for
 * a sign-in (a later rule could otherwise widen access by accident). Pure: no I/O. Immutable and
 * thread-safe.
 */
public final class AccessPolicy {
  private final List<AccessRule> rules;
  private final Policy defaultPolicy;

  /** The rules in order, and what applies when none matches. */
  public AccessPolicy(List<AccessRule> rules, Policy defaultPolicy) {
    this.rules = List.copyOf(rules);
    this.defaultPolicy = defaultPolicy;
  }

  /** The rules, in the order they are tried. */
  public List<AccessRule> rules() {
    return rules;
  }

  /** What applies when no rule matches. */
  public Policy defaultPolicy() {
    return defaultPolicy;
  }

  /**
   * Decides for a canonical host and path (never the query), the request method and the client
   * address, with the subject if a credential established one.
   */
  public Decision decide(
      String host, String path, String method, InetAddress client, Optional<Subject> subject) {
    return decideFor(host, path, method, Optional.of(client), subject);
  }

  /**
   * Decides for a request whose client address is unknown (a trusted proxy forwarded an unparsable
   * one): it matches no rule with {@code networks}, whatever those rules say.
   */
  public Decision decideForUnknownClient(
      String host, String path, String method, Optional<Subject> subject) {
    return decideFor(host, path, method, Optional.empty(), subject);
  }

  private Decision decideFor(
      String host,
      String path,
      String method,
      Optional<InetAddress> client,
      Optional<Subject> subject) {
    if (subject.isPresent() && !subject.get().mayAccess(host)) {
      return new Decision.Deny("credential is not scoped to " + host);
    }
    for (int i = 0; i < rules.size(); i++) {
      AccessRule rule = rules.get(i);
      if (!rule.matchesRequest(host, path, method, client)) {
        continue;
      }
      if (!rule.subjects().isEmpty()) {
        if (subject.isEmpty()) {
          return new Decision.Challenge();
        }
        if (!rule.matchesSubject(subject.get())) {
          continue;
        }
      }
      Decision decision =
          apply(rule.policy(), subject, "rule " + (i + 1), host, rule.scopes(), rule.audiences());
      return decision instanceof Decision.Allow allow && rule.identityJwt()
          ? new Decision.Allow(allow.subject(), true)
          : decision;
    }
    return apply(defaultPolicy, subject, "default policy", host, Set.of(), Set.of());
  }

  private static Decision apply(
      Policy policy,
      Optional<Subject> subject,
      String source,
      String host,
      Set<String> scopes,
      Set<String> audiences) {
    if (policy != Policy.BYPASS && policy != Policy.DENY && subject.isPresent()) {
      if (!subject.get().meantFor(host, audiences)) {
        return new Decision.Deny("the access token is not meant for " + host);
      }
      if (!subject.get().scopes().containsAll(scopes)) {
        return new Decision.Deny(source + " requires scopes " + String.join(" ", scopes));
      }
    }
    return switch (policy) {
      case BYPASS -> new Decision.Allow(subject);
      case DENY -> new Decision.Deny(source + " denies");
      case AUTHENTICATED ->
          subject.isPresent() ? new Decision.Allow(subject) : new Decision.Challenge();
      case TWO_FACTOR -> {
        if (subject.isEmpty()) {
          yield new Decision.Challenge();
        }
        yield subject.get().hasTwoFactors()
            ? new Decision.Allow(subject)
            : new Decision.Deny(source + " requires two factors", true);
      }
    };
  }

  /**
   * Rules with subjects whose other users fall through to a later rule (or the default policy) that
   * lets them into the same paths: one sentence each, for {@code config check} and start-up.
   */
  public List<String> fallThroughWarnings() {
    return FallThroughCheck.warnings(rules, defaultPolicy);
  }

  /** Number of rules (for start-up logging). */
  public int size() {
    return rules.size();
  }
}
