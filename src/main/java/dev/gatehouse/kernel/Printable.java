package dev.gatehouse.kernel;

/**
 * User-supplied text made safe to show, store, log and mail: control characters (C0 and C1), format
 * characters (bidirectional overrides and isolates, zero-width characters), line and paragraph
 * separators and unpaired surrogates each become {@code ?}, so a name can neither forge a line nor
 * reorder one visually nor break an encoder. JDK only.
 */
public final class Printable {
  private Printable() {}

  /** {@code text} with every unprintable character replaced by {@code ?}. */
  public static String of(String text) {
    StringBuilder out = null;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      boolean bad;
      if (Character.isHighSurrogate(c)
          && i + 1 < text.length()
          && Character.isLowSurrogate(text.charAt(i + 1))) {
        int type = Character.getType(text.codePointAt(i));
        bad = type == Character.FORMAT || type == Character.CONTROL;
        if (bad) {
          out = out == null ? new StringBuilder(text.substring(0, i)) : out;
          out.append('?');
        } else if (out != null) {
          out.append(c).append(text.charAt(i + 1));
        }
        i++;
        continue;
      }
      int type = Character.getType(c);
      bad =
          type == Character.CONTROL
              || type == Character.FORMAT
              || type == Character.SURROGATE
              || type == Character.LINE_SEPARATOR
              || type == Character.PARAGRAPH_SEPARATOR;
      if (bad && out == null) {
        out = new StringBuilder(text.substring(0, i));
      }
      if (out != null) {
        out.append(bad ? '?' : c);
      }
    }
    return out == null ? text : out.toString();
  }

  /** {@link #of} cut to at most {@code maxCodePoints} code points (never inside a pair). */
  public static String of(String text, int maxCodePoints) {
    String clean = of(text);
    return clean.codePointCount(0, clean.length()) <= maxCodePoints
        ? clean
        : clean.substring(0, clean.offsetByCodePoints(0, maxCodePoints));
  }
}
