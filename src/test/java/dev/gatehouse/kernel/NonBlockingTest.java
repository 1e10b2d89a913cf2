package dev.gatehouse.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class NonBlockingTest {

  @Test
  void workThatNeverWaitsGivesItsResult() {
    assertThat(NonBlocking.attempt(() -> "answer")).contains("answer");
  }

  @Test
  void workThatWouldWaitIsStoppedThereAndGivesNothing() {
    AtomicInteger after = new AtomicInteger();
    Optional<String> result =
        NonBlocking.attempt(
            () -> {
              NonBlocking.mayBlock();
              after.incrementAndGet();
              return "half-made";
            });
    assertThat(result).isEmpty();
    assertThat(after).hasValue(0);
  }

  @Test
  void aLayerThatSwallowsTheRefusalCannotMakeAHalfMadeResultCount() {
    Optional<String> result =
        NonBlocking.attempt(
            () -> {
              try {
                NonBlocking.mayBlock();
                return "from the store";
              } catch (RuntimeException e) {
                return "store unavailable: refuse"; // what a fail-closed layer would answer
              }
            });
    assertThat(result).isEmpty();
  }

  @Test
  void outsideAnAttemptWaitingIsAllowed() {
    NonBlocking.mayBlock();
    assertThat(NonBlocking.refused()).isFalse();
  }

  @Test
  void anAttemptLeavesTheThreadFreeToWaitAfterwards() {
    assertThat(NonBlocking.attempt(NonBlockingTest::waits)).isEmpty();
    assertThat(waits()).isEqualTo("waited");
    assertThat(NonBlocking.attempt(() -> "again")).contains("again");
  }

  @Test
  void otherFailuresOfTheWorkPassThrough() {
    assertThatThrownBy(
            () ->
                NonBlocking.attempt(
                    () -> {
                      throw new IllegalArgumentException("bad input");
                    }))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("bad input");
  }

  @Test
  void theRefusalIsKnownInsideTheAttemptOnceItHappened() {
    Optional<Boolean> seen =
        NonBlocking.attempt(
            () -> {
              boolean before = NonBlocking.refused();
              try {
                NonBlocking.mayBlock();
              } catch (NonBlocking.WouldBlock e) {
                assertThat(before).isFalse();
                assertThat(NonBlocking.refused()).isTrue();
              }
              return true;
            });
    assertThat(seen).isEmpty();
  }

  private static String waits() {
    NonBlocking.mayBlock();
    return "waited";
  }
}
