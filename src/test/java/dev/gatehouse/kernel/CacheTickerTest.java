package dev.gatehouse.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.testing.MutableClock;
import java.time.Clock;
import java.time.Duration;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;

class CacheTickerTest {
  @Test
  void theSystemClockExpiresCachesOnTheMonotonicClockNotOnWallTime() {
    LongSupplier ticker = CacheTicker.forClock(Clock.systemUTC());
    long before = System.nanoTime();
    long read = ticker.getAsLong();
    assertThat(read).isBetween(before, System.nanoTime());
  }

  @Test
  void aSettableClockDrivesExpiryInTests() {
    MutableClock clock = MutableClock.atFixedInstant();
    LongSupplier ticker = CacheTicker.forClock(clock);
    long first = ticker.getAsLong();
    clock.advance(Duration.ofSeconds(2));
    assertThat(ticker.getAsLong() - first).isEqualTo(Duration.ofSeconds(2).toNanos());
  }
}
