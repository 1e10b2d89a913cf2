package dev.gatehouse.policy;

import java.util.Optional;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Matches a canonical path (decoded once, dot segments resolved; never the query). Three forms:
 *
 * <ul>
 *   <li>{@code ^…} — a regular expression that must match the whole path;
 *   <li>a pattern with {@code *} — a glob: {@code *} and {@code ?} stay inside one segment, {@code
 *       **} crosses segments;
 *   <li>anything else — a prefix at a segment boundary: {@code /admin} matches {@code /admin} and
 *       {@code /admin/x}, not {@code /administrator}.
 * </ul>
 *
 * Matching is case-sensitive, exactly as the canonical path reads. Immutable.
 */
public final class PathMatcher {
  private final String text;
  private final Optional<Pattern> pattern;

  private PathMatcher(String text, Optional<Pattern> pattern) {
    this.text = text;
    this.pattern = pattern;
  }

  /** Parses an entry; empty with no explanation when it is neither a path, a glob nor a regex. */
  public static Optional<PathMatcher> parse(String text) {
    if (text.startsWith("^")) {
      try {
        return Optional.of(new PathMatcher(text, Optional.of(Pattern.compile(text))));
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
      return Optional.of(new PathMatcher(text, Optional.of(Pattern.compile(globToRegex(text)))));
    }
    return Optional.of(new PathMatcher(text, Optional.empty()));
  }

  private static String globToRegex(String glob) {
    StringBuilder regex = new StringBuilder();
    for (int i = 0; i < glob.length(); i++) {
      char c = glob.charAt(i);
      if (c == '*' && i + 1 < glob.length() && glob.charAt(i + 1) == '*') {
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
    return regex.toString();
  }

  /** Whether the canonical path matches. */
  public boolean matches(String path) {
    if (pattern.isPresent()) {
      return pattern.get().matcher(path).matches();
    }
    if (text.endsWith("/")) {
      return path.startsWith(text);
    }
    return path.equals(text) || path.startsWith(text + "/");
  }

  @Override
  public String toString() {
    return text;
  }
}
