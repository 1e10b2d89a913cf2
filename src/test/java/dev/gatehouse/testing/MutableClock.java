package dev.gatehouse.testing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.atomic.AtomicReference;

/** A clock that tests move by hand; never sleeps. Thread-safe. */
public final class MutableClock extends Clock {
  private final AtomicReference<Instant> now;

  /** A clock at {@code start}. */
  public MutableClock(Instant start) {
    this.now = new AtomicReference<>(start);
  }

  /**
   * A clock at the start of the current minute of the real clock: fixed for the test that holds it,
   * yet never in the past of anything outside the process (a CLI run, a browser, a relying party,
   * certificate validity), so the suite passes on any date.
   */
  public static MutableClock atFixedInstant() {
    return new MutableClock(Instant.now().truncatedTo(ChronoUnit.MINUTES));
  }

  /** Moves the clock forward. */
  public void advance(Duration duration) {
    now.updateAndGet(i -> i.plus(duration));
  }

  @Override
  public Instant instant() {
    return now.get();
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    return this;
  }
}
