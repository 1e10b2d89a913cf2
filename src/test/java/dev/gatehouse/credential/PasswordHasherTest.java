package dev.gatehouse.credential;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class PasswordHasherTest {
  private final PasswordHasher hasher = new PasswordHasher(19456, 2, 1, new SecureRandom());

  @Test
  void hashesAreArgon2idInPhcFormatWithAFreshSalt() {
    String a = hasher.hash("correct horse battery staple");
    String b = hasher.hash("correct horse battery staple");
    assertThat(a).startsWith("$argon2id$v=19$m=19456,t=2,p=1$");
    assertThat(a).isNotEqualTo(b);
    assertThat(hasher.verify("correct horse battery staple", a)).isTrue();
    assertThat(hasher.verify("correct horse battery stapler", a)).isFalse();
  }

  @Test
  void verifiesAKnownArgon2idVector() {
    // Made by the reference implementation (Debian package argon2):
    // echo -n "correct horse battery staple" | argon2 saltsaltsalt -id -t 2 -k 19456 -p 1 -l 32 -e
    String reference =
        "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$M4V33OpaHQ90v1pEEHfwJFMuTxXHE17jvhKePL/Sp8s";
    assertThat(hasher.verify("correct horse battery staple", reference)).isTrue();
    assertThat(hasher.verify("correct horse battery staplE", reference)).isFalse();
    // echo -n password | argon2 somesalt -id -t 2 -m 15 -p 1 -l 32 -e
    assertThat(
            hasher.verify(
                "password",
                "$argon2id$v=19$m=32768,t=2,p=1$c29tZXNhbHQ$XI8TkQ/K9Vf7vxfnzX73a5oi22rsz1dnaMYpfL+Ga8A"))
        .isTrue();
  }

  @Test
  void referenceVectorsStillVerifyWhenHashesOfTwoSizesReuseMemoryFromSeveralThreadsAtOnce()
      throws Exception {
    String small =
        "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$M4V33OpaHQ90v1pEEHfwJFMuTxXHE17jvhKePL/Sp8s";
    String large =
        "$argon2id$v=19$m=32768,t=2,p=1$c29tZXNhbHQ$XI8TkQ/K9Vf7vxfnzX73a5oi22rsz1dnaMYpfL+Ga8A";
    try (ExecutorService threads = Executors.newFixedThreadPool(4)) {
      List<Future<List<Boolean>>> results = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        results.add(
            threads.submit(
                () ->
                    List.of(
                        hasher.verify("correct horse battery staple", small),
                        hasher.verify("password", large),
                        hasher.verify("correct horse battery staplE", small),
                        hasher.verify("correct horse battery staple", small),
                        hasher.verify("passworD", large),
                        hasher.verify("password", large))));
      }
      for (Future<List<Boolean>> result : results) {
        assertThat(result.get()).containsExactly(true, true, false, true, false, true);
      }
    }
  }

  @Test
  void hashesWithOtherParametersAreMarkedForRehash() {
    PasswordHasher stronger = new PasswordHasher(19456, 3, 1, new SecureRandom());
    String old = hasher.hash("correct horse battery staple");
    assertThat(hasher.needsRehash(old)).isFalse();
    assertThat(stronger.needsRehash(old)).isTrue();
    assertThat(stronger.verify("correct horse battery staple", old)).isTrue();
  }

  @Test
  void malformedStoredHashesNeverVerify() {
    for (String stored :
        new String[] {
          "",
          "plain",
          "$argon2i$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
          "$argon2id$v=19$m=1,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"
        }) {
      assertThat(hasher.verify("x", stored)).as(stored).isFalse();
      assertThat(hasher.needsRehash(stored)).isTrue();
    }
  }

  @Test
  void theDummyVerificationNeverSucceeds() {
    assertThat(hasher.verifyDummy("anything")).isFalse();
  }

  @Test
  void policyNormalisesWithoutTrimmingAndRefusesOverlongInput() {
    PasswordPolicy policy = new PasswordPolicy(15, 64);
    assertThat(policy.normalise(" ﬁ ")).contains(" fi ");
    assertThat(policy.acceptNew("x".repeat(14))).isEmpty();
    String longest = "Kq7#vW2p!Lm9zR4tX8bN1cY6hJ3fD5gS0aE+uI@oP%eT&rZ^wQ*yU(iO)kH-jG=x";
    assertThat(policy.acceptNew(longest)).contains(longest);
    assertThat(policy.acceptNew("x".repeat(64))).as("a repetition is guessable").isEmpty();
    assertThat(policy.normalise("x".repeat(65))).isEmpty();
    assertThat(policy.normalise("")).isEmpty();
    assertThat(policy.acceptNew(" ".repeat(20))).isEmpty();
  }
}
