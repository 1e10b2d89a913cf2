package dev.gatehouse.testing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A clock that tests move by hand; never sleeps. Either fixed (it moves only when advanced) or
 * ticking (the real clock plus what was advanced), for the races that only real time shows.
 * Thread-safe.
 */
public final class MutableClock extends Clock {
  private final AtomicReference<Instant> now;
  private final boolean ticking;
  private final AtomicReference<Duration> offset = new AtomicReference<>(Duration.ZERO);

  /** A fixed clock at {@code start}. */
  public MutableClock(Instant start) {
    this(start, false);
  }

  private MutableClock(Instant start, boolean ticking) {
    this.now = new AtomicReference<>(start);
    this.ticking = ticking;
  }

  /**
   * A clock at the start of the current minute of the real clock: fixed for the test that holds it,
   * yet never in the past of anything outside the process (a CLI run, a browser, a relying party,
   * certificate validity), so the suite passes on any date.
   */
  public static MutableClock atFixedInstant() {
    return new MutableClock(Instant.now().truncatedTo(ChronoUnit.MINUTES));
  }

  /** A clock that follows the real one (and jumps ahead when advanced). */
  public static MutableClock ticking() {
    return new MutableClock(Instant.EPOCH, true);
  }

  /** Moves the clock forward. */
  public void advance(Duration duration) {
    if (ticking) {
      offset.updateAndGet(o -> o.plus(duration));
    } else {
      now.updateAndGet(i -> i.plus(duration));
    }
  }

  @Override
  public Instant instant() {
    return ticking ? Instant.now().plus(offset.get()) : now.get();
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
