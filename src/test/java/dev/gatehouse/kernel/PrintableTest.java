package dev.gatehouse.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Unprintable characters in user-supplied text become '?'; everything else stays. */
class PrintableTest {
  @ParameterizedTest(name = "{2}")
  @CsvSource(
      delimiter = '|',
      value = {
        "'Laptop\\n2026-11-29 INFO forged'|'Laptop?2026-11-29 INFO forged'|a newline",
        "'a\\u2028b\\u0085c'|'a?b?c'|line separators and NEL",
        "'evil\\u202Etxt.exe'|'evil?txt.exe'|a right-to-left override",
        "'zero\\u200Bwidth\\uFEFF'|'zero?width?'|zero-width characters",
        "'lone\\uD800surrogate'|'lone?surrogate'|an unpaired surrogate",
        "'Clé de Zoë 🔑'|'Clé de Zoë 🔑'|letters, accents and emoji stay",
      })
  void unprintableCharactersBecomeQuestionMarks(String input, String expected, String what) {
    assertThat(Printable.of(unescape(input))).isEqualTo(unescape(expected));
  }

  @ParameterizedTest(name = "{0} code points")
  @CsvSource({"2,ab", "3,ab🔑", "4,ab🔑c"})
  void cuttingCountsCodePointsAndNeverSplitsAPair(int max, String expected) {
    assertThat(Printable.of("ab🔑cd", max)).isEqualTo(expected);
  }

  private static String unescape(String text) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < text.length(); i++) {
      if (text.startsWith("\\u", i)) {
        out.append((char) Integer.parseInt(text.substring(i + 2, i + 6), 16));
        i += 5;
      } else if (text.startsWith("\\n", i)) {
        out.append('\n');
        i++;
      } else {
        out.append(text.charAt(i));
      }
    }
    return out.toString();
  }
}
