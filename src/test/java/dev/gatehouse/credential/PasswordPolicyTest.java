package dev.gatehouse.credential;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** New passwords: long enough, and not common, guessable or about the account (zxcvbn). */
class PasswordPolicyTest {
  private final PasswordPolicy policy = new PasswordPolicy(15, 256);
  private final List<String> alice = List.of("alice", "alice.liddell@example.com", "Alice Liddell");

  @ParameterizedTest
  @ValueSource(
      strings = {
        "passwordpassword",
        "aaaaaaaaaaaaaaaa",
        "1234567890123456",
        "qwertyuiopasdfgh",
        "alicealicealice1",
        "alice.liddell@example.com",
        "gatehousegatehouse",
        "iloveyouiloveyou"
      })
  void commonGuessableAndAccountSpecificPasswordsAreRefusedWithAReason(String password) {
    PasswordPolicy.Checked checked = policy.check(password, alice);
    assertThat(checked.accepted()).as(password).isEmpty();
    assertThat(checked.problem()).startsWith("This password is too easy to guess");
  }

  @Test
  void aPassphraseOfUnrelatedWordsIsAcceptedNormalised() {
    assertThat(policy.check("plaid nebula tractor sonnet", alice).accepted())
        .contains("plaid nebula tractor sonnet");
    assertThat(policy.check("ｐｌａｉｄ nebula tractor sonnet", alice).accepted())
        .as("NFKC")
        .contains("plaid nebula tractor sonnet");
  }

  @Test
  void lengthIsCheckedFirstAndSaysWhatWouldDo() {
    PasswordPolicy.Checked short_ = policy.check("Zq8#pL", alice);
    assertThat(short_.accepted()).isEmpty();
    assertThat(short_.problem()).contains("15 to 256 characters");
  }
}
