package dev.gatehouse.policy;

import java.util.Optional;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Matches a canonical path (decoded once, dot segments resolved; never the query). Three forms:
 *
 * <ul>
 *   <li>{@code ^…} — a regular expression anchored at the start of the path, matched as regular
 *       expressions are: {@code ^/admin} covers {@code /admin/x} and {@code /adminx}; add {@code $}
 *       to anchor the end;
 *   <li>a pattern with {@code *} — a glob: {@code *} and {@code ?} stay inside one segment, {@code
 *       **} crosses segments, and a trailing {@code /**} also covers its base ({@code /static/**}
 *       matches {@code /static});
 *   <li>anything else — a prefix at a segment boundary: {@code /admin} matches {@code /admin} and
 *       {@code /admin/x}, not {@code /administrator}.
 * </ul>
 *
 * <p>By default every form matches without regard to letter case ({@link Case#INSENSITIVE}): many
 * upstreams (Express, ASP.NET Core, IIS) serve {@code /Admin} as {@code /admin}, so a rule that
 * reads {@code /admin} must cover both or a deny rule could be walked around (SECURITY.md §1).
 * {@link Case#SENSITIVE} is the opt-in for upstreams that treat the two as different paths.
 * Immutable.
 */
public final class PathMatcher {
  /** How letters compare. */
  public enum Case {
    /** {@code /Admin} matches {@code /admin} (the default). */
    INSENSITIVE,
    /** Exactly as written. */
    SENSITIVE;

    /** {@code insensitive} or {@code sensitive}. */
    public static Optional<Case> parse(String text) {
      return switch (text.strip().toLowerCase(java.util.Locale.ROOT)) {
        case "insensitive" -> Optional.of(INSENSITIVE);
        case "sensitive" -> Optional.of(SENSITIVE);
        default -> Optional.empty();
      };
    }
  }

  private final String text;
  private final Optional<Pattern> pattern;
  private final Case letterCase;

  private PathMatcher(String text, Optional<Pattern> pattern, Case letterCase) {
    this.text = text;
    this.pattern = pattern;
    this.letterCase = letterCase;
  }

  /** Parses a case-insensitive entry (see {@link #parse(String, Case)}). */
  public static Optional<PathMatcher> parse(String text) {
    return parse(text, Case.INSENSITIVE);
  }

  /** Parses an entry; empty with no explanation when it is neither a path, a glob nor a regex. */
  public static Optional<PathMatcher> parse(String text, Case letterCase) {
    int flags =
        letterCase == Case.INSENSITIVE ? Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE : 0;
    if (text.startsWith("^")) {
      try {
        return Optional.of(
            new PathMatcher(text, Optional.of(Pattern.compile(text, flags)), letterCase));
      } catch (PatternSyntaxException e) {
        return Optional.empty();
      }
    }
    if (!text.startsWith("/")
        || text.contains("%")
        || text.contains("\\")
        || text.contains(";")
        || text.contains("/./")
        || text.contains("/../")
        || text.endsWith("/..")
        || text.contains("//")) {
      return Optional.empty();
    }
    if (text.contains("*") || text.contains("?")) {
      return Optional.of(
          new PathMatcher(
              text, Optional.of(Pattern.compile(globToRegex(text), flags)), letterCase));
    }
    return Optional.of(new PathMatcher(text, Optional.empty(), letterCase));
  }

  private static String globToRegex(String glob) {
    StringBuilder regex = new StringBuilder();
    String body = glob;
    boolean subtree = glob.endsWith("/**");
    if (subtree) {
      body = glob.substring(0, glob.length() - 3);
    }
    for (int i = 0; i < body.length(); i++) {
      char c = body.charAt(i);
      if (c == '*' && i + 1 < body.length() && body.charAt(i + 1) == '*') {
        regex.append(".*");
        i++;
      } else if (c == '*') {
        regex.append("[^/]*");
      } else if (c == '?') {
        regex.append("[^/]");
      } else {
        regex.append(Pattern.quote(String.valueOf(c)));
      }
    }
    if (subtree) {
      regex.append("(/.*)?");
    }
    return regex.toString();
  }

  /** Whether the canonical path matches. */
  public boolean matches(String path) {
    if (pattern.isPresent()) {
      // Regexes start with ^ and match like regexes (find); globs are whole-path patterns.
      return text.startsWith("^")
          ? pattern.get().matcher(path).find()
          : pattern.get().matcher(path).matches();
    }
    boolean ignoreCase = letterCase == Case.INSENSITIVE;
    if (!path.regionMatches(ignoreCase, 0, text, 0, text.length())) {
      return false;
    }
    // A prefix at a segment boundary: /admin matches /admin and /admin/x, not /administrator.
    return text.endsWith("/")
        || path.length() == text.length()
        || path.charAt(text.length()) == '/';
  }

  /** How this entry compares letters. */
  public Case letterCase() {
    return letterCase;
  }

  @Override
  public String toString() {
    return text;
  }
}
