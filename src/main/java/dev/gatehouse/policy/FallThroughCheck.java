package dev.gatehouse.policy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Finds the trap of ordered rules with subjects: a request whose subject a rule does not name falls
 * through to the next rules, so "{@code /admin} for group:admins" followed by "everything for
 * group:users" lets every user into {@code /admin}. The semantics stay (they are documented and
 * useful); this check makes the trap loud. For each rule with {@code subjects} that lets someone
 * in, it looks at the later rules that can match some of the same requests: the first one without
 * subjects ends the search (a {@code deny} there is the safe pattern; anything else opens the paths
 * to others), and one with other subjects that lets them in opens the paths to its members. When
 * nothing later covers the rule, the default policy does. Overlap is judged from the rules' text
 * and errs on the side of a warning. Pure; stateless.
 */
final class FallThroughCheck {
  private FallThroughCheck() {}

  static List<String> warnings(List<AccessRule> rules, Policy defaultPolicy) {
    List<String> warnings = new ArrayList<>();
    for (int i = 0; i < rules.size(); i++) {
      AccessRule guarded = rules.get(i);
      if (guarded.subjects().isEmpty() || guarded.policy() == Policy.DENY) {
        continue;
      }
      Optional<String> warning = Optional.empty();
      boolean closed = false;
      for (int j = i + 1; j < rules.size() && !closed && warning.isEmpty(); j++) {
        AccessRule later = rules.get(j);
        if (!overlaps(guarded, later)) {
          continue;
        }
        boolean opens =
            later.policy() != Policy.DENY
                && (later.subjects().isEmpty()
                    || !Set.copyOf(guarded.subjects()).containsAll(later.subjects()));
        if (opens) {
          warning =
              Optional.of(
                  message(
                      i,
                      guarded,
                      later.subjects().isEmpty() ? "anyone else" : "members of " + subjects(later),
                      "rule " + (j + 1),
                      later.policy()));
        } else if (later.subjects().isEmpty()
            && later.policy() == Policy.DENY
            && covers(later, guarded)) {
          closed = true; // the safe pattern: a deny twin for every request the rule matches
        }
      }
      if (warning.isEmpty() && !closed && defaultPolicy != Policy.DENY) {
        warning =
            Optional.of(message(i, guarded, "anyone else", "the default policy", defaultPolicy));
      }
      warning.ifPresent(warnings::add);
    }
    return Collections.unmodifiableList(warnings);
  }

  /**
   * Whether {@code twin} matches every request {@code guarded} matches, as far as the rules' text
   * proves it: a twin that narrows by method, network, token scopes or letter case, or whose path
   * form cannot be compared, does not count.
   */
  private static boolean covers(AccessRule twin, AccessRule guarded) {
    if (!twin.networks().isEmpty() || !twin.scopes().isEmpty() || !twin.audiences().isEmpty()) {
      return false;
    }
    if (!twin.methods().isEmpty()
        && (guarded.methods().isEmpty() || !twin.methods().containsAll(guarded.methods()))) {
      return false;
    }
    boolean hosts =
        twin.hosts().isEmpty()
            || (!guarded.hosts().isEmpty()
                && guarded.hosts().stream()
                    .allMatch(g -> twin.hosts().stream().anyMatch(t -> hostCovers(t, g))));
    boolean paths =
        twin.paths().isEmpty()
            || (!guarded.paths().isEmpty()
                && guarded.paths().stream()
                    .allMatch(g -> twin.paths().stream().anyMatch(t -> pathCovers(t, g))));
    return hosts && paths;
  }

  private static boolean hostCovers(HostMatcher twin, HostMatcher guarded) {
    String t = twin.pattern();
    String g = guarded.pattern();
    if (t.equals(g)) {
      return true;
    }
    return g.startsWith("*.") ? t.startsWith("*.") && g.endsWith(t.substring(1)) : twin.matches(g);
  }

  private static boolean pathCovers(PathMatcher twin, PathMatcher guarded) {
    if (twin.letterCase() == PathMatcher.Case.SENSITIVE
        && guarded.letterCase() == PathMatcher.Case.INSENSITIVE) {
      return false; // /ADMIN passes the guarded rule's test but not the twin's
    }
    String t = twin.toString();
    String g = guarded.toString();
    boolean literal = !t.startsWith("^") && !t.contains("*") && !t.contains("?");
    boolean guardedLiteral = !g.startsWith("^") && !g.contains("*") && !g.contains("?");
    if (literal && guardedLiteral) {
      return twin.matches(g); // a prefix at a segment boundary covers every longer one
    }
    return t.equals(g);
  }

  private static String message(
      int index, AccessRule guarded, String who, String source, Policy policy) {
    return "access.rules["
        + index
        + "] is for "
        + subjects(guarded)
        + ", but "
        + who
        + " falls through to "
        + source
        + " ("
        + policy.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-')
        + ") for the same requests; if only "
        + subjects(guarded)
        + " should pass, add right after it a rule with the same hosts and paths and policy: deny";
  }

  private static String subjects(AccessRule rule) {
    return String.join(", ", rule.subjects().stream().map(SubjectMatcher::toString).toList());
  }

  /** Whether some request could match both (judged from the patterns' text; errs towards yes). */
  private static boolean overlaps(AccessRule a, AccessRule b) {
    return anyPair(a.hosts(), b.hosts(), FallThroughCheck::hostsOverlap)
        && anyPair(a.paths(), b.paths(), FallThroughCheck::pathsOverlap)
        && (a.methods().isEmpty()
            || b.methods().isEmpty()
            || a.methods().stream().anyMatch(b.methods()::contains));
  }

  private static boolean hostsOverlap(HostMatcher x, HostMatcher y) {
    String xs = x.pattern();
    String ys = y.pattern();
    if (xs.startsWith("*.") && ys.startsWith("*.")) {
      return xs.endsWith(ys.substring(1)) || ys.endsWith(xs.substring(1));
    }
    return xs.equals(ys) || x.matches(ys) || y.matches(xs);
  }

  private static boolean pathsOverlap(PathMatcher x, PathMatcher y) {
    String xs = x.toString();
    String ys = y.toString();
    boolean xLiteral = !xs.startsWith("^");
    boolean yLiteral = !ys.startsWith("^");
    if (!xLiteral || !yLiteral || xs.contains("*") || ys.contains("*")) {
      return true; // A regex or glob: cannot tell from the text, so assume they meet.
    }
    return x.matches(ys) || y.matches(xs);
  }

  private static <T> boolean anyPair(
      List<T> a, List<T> b, java.util.function.BiPredicate<T, T> meet) {
    if (a.isEmpty() || b.isEmpty()) {
      return true;
    }
    for (T x : a) {
      for (T y : b) {
        if (meet.test(x, y)) {
          return true;
        }
      }
    }
    return false;
  }
}
