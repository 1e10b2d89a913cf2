package dev.gatehouse.kernel;

import java.time.Clock;
import java.util.function.LongSupplier;

/**
 * The time source for cache expiry. Caches that stand between a revocation and its effect must
 * expire on a monotonic clock: if the wall clock were stepped back an hour, entries read from it
 * would live an hour longer and revocations made elsewhere would go unseen. So the system clock
 * maps to {@link System#nanoTime()}; any other clock (a test's settable clock) is used as given.
 * Stateless.
 */
public final class CacheTicker {
  private static final Class<?> SYSTEM_CLOCK = Clock.systemUTC().getClass();

  private CacheTicker() {}

  /** Nanoseconds for cache expiry, following {@code clock} only when it is not the system clock. */
  public static LongSupplier forClock(Clock clock) {
    if (clock.getClass() == SYSTEM_CLOCK) {
      return System::nanoTime;
    }
    return () -> clock.millis() * 1_000_000L;
  }
}
