package dev.gatehouse.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

class DoorkeeperTest {
  private final Random random = new Random(20261130);

  private String hash() {
    byte[] bytes = new byte[32];
    random.nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }

  @Test
  void aSessionIsStillKnownAtItsNextLookUpAfterTensOfThousandsOfOtherSessionsWereSeen() {
    Doorkeeper doorkeeper = new Doorkeeper();
    String regular = hash();
    assertThat(doorkeeper.firstSight(regular)).isTrue();
    assertThat(doorkeeper.firstSight(regular)).isFalse();
    for (int i = 0; i < 50_000; i++) {
      doorkeeper.firstSight(hash());
    }
    assertThat(doorkeeper.firstSight(regular))
        .as("not pushed out by other sessions, or its next burst costs a second look-up")
        .isFalse();
  }

  @Test
  void fewSessionsSeenOnceAreTakenForSessionsSeenBeforeEvenWhenTheFilterIsNearlyFull() {
    Doorkeeper doorkeeper = new Doorkeeper();
    for (int i = 0; i < Doorkeeper.CAPACITY * 9 / 10; i++) {
      doorkeeper.firstSight(hash());
    }
    int taken = 0;
    for (int i = 0; i < 5_000; i++) {
      if (!doorkeeper.firstSight(hash())) {
        taken++;
      }
    }
    assertThat(taken).as("of 5 000 new sessions, taken as seen before").isLessThan(250);
  }

  @Test
  void itStaysAccurateAfterSeeingManyMoreSessionsThanItHolds() {
    Doorkeeper doorkeeper = new Doorkeeper();
    for (int i = 0; i < Doorkeeper.CAPACITY * 3; i++) {
      doorkeeper.firstSight(hash());
    }
    int taken = 0;
    for (int i = 0; i < 5_000; i++) {
      if (!doorkeeper.firstSight(hash())) {
        taken++;
      }
    }
    assertThat(taken).as("of 5 000 new sessions, taken as seen before").isLessThan(250);
  }
}
