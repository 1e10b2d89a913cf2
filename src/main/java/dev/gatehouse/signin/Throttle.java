package dev.gatehouse.signin;

import dev.gatehouse.kernel.Tokens;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Back-off for sign-in attempts, per key (an account or a client address). Every attempt is counted
 * <em>before</em> the password is checked, atomically in the store, so a burst of parallel guesses
 * cannot all pass. The first {@code freeAttempts} are free; each further one doubles the wait, up
 * to {@code maxBackoff}. A key quiet for {@code window} after its last block ended starts over.
 * Back-off rather than a hard lock-out, so an attacker cannot lock a user out for long.
 * Thread-safe.
 */
public final class Throttle {
  /** The outcome of asking to attempt. */
  public sealed interface Verdict permits Allowed, Blocked {}

  /** The attempt may proceed; it has been counted. */
  public record Allowed() implements Verdict {}

  /** Refused; try again after {@code retryAfter}. */
  public record Blocked(Duration retryAfter) implements Verdict {}

  private final ThrottleStore store;
  private final Clock clock;
  private final Duration maxBackoff;
  private final Duration window;

  /** A throttle over {@code store}. */
  public Throttle(ThrottleStore store, Clock clock, Duration maxBackoff, Duration window) {
    this.store = store;
    this.clock = clock;
    this.maxBackoff = maxBackoff;
    this.window = window;
  }

  /**
   * Counts an attempt for {@code key} unless it is currently blocked.
   *
   * <p>The clock is read inside the step, once the store holds the key's lock: read before it, a
   * request that waited behind a parallel one would judge the other's fresh counter with an older
   * "now". An attempt under the limit leaves the block time where it was (in the past), so parallel
   * attempts under the limit never see one another as a block.
   */
  public Verdict attempt(String key, int freeAttempts) {
    return store.apply(
        storeKey(key),
        current -> {
          Instant now = clock.instant();
          // A key is forgotten only after a whole window of quiet after its last attempt and its
          // block, so waiting out the longest back-off does not also restore the free attempts.
          Optional<ThrottleStore.Counter> live =
              current.filter(c -> now.isBefore(latest(c).plus(window)));
          if (live.isPresent() && now.isBefore(live.get().blockedUntil())) {
            return new ThrottleStore.Step<>(
                live, new Blocked(roundUp(Duration.between(now, live.get().blockedUntil()))));
          }
          int failures = live.map(ThrottleStore.Counter::failures).orElse(0) + 1;
          Duration wait = backoff(failures - freeAttempts);
          Instant blockedUntil =
              wait.isZero()
                  ? live.map(ThrottleStore.Counter::blockedUntil).orElse(Instant.EPOCH)
                  : now.plus(wait);
          return new ThrottleStore.Step<>(
              Optional.of(new ThrottleStore.Counter(failures, now, blockedUntil)), new Allowed());
        });
  }

  private static Instant latest(ThrottleStore.Counter counter) {
    return counter.lastAttemptAt().isAfter(counter.blockedUntil())
        ? counter.lastAttemptAt()
        : counter.blockedUntil();
  }

  /**
   * Whole seconds, rounded up: told "3 s", a client retrying after 3 s must not still be refused at
   * 3.4 s (Retry-After carries whole seconds).
   */
  private static Duration roundUp(Duration wait) {
    long seconds = wait.toSeconds() + (wait.toNanosPart() > 0 ? 1 : 0);
    return Duration.ofSeconds(Math.max(1, seconds));
  }

  /** Takes back one counted attempt (it succeeded), keeping any block in force. */
  public void refund(String key) {
    store.apply(
        storeKey(key),
        current ->
            new ThrottleStore.Step<>(
                current.map(
                    c ->
                        new ThrottleStore.Counter(
                            Math.max(0, c.failures() - 1), c.lastAttemptAt(), c.blockedUntil())),
                Boolean.TRUE));
  }

  /** Deletes counters that the window has already made irrelevant; the number deleted. */
  public int purge() {
    // purge compares blocked_until: a counter under the limit keeps an old block time but a recent
    // last attempt, so the store must look at both (JdbcThrottle does).
    return store.purge(clock.instant().minus(window));
  }

  /** Forgets every attempt for {@code key}. */
  public void reset(String key) {
    store.delete(storeKey(key));
  }

  private Duration backoff(int excess) {
    if (excess <= 0) {
      return Duration.ZERO;
    }
    if (excess > 30) {
      return maxBackoff;
    }
    Duration wait = Duration.ofSeconds(1L << (excess - 1));
    return wait.compareTo(maxBackoff) > 0 ? maxBackoff : wait;
  }

  /** Keys are hashed so that stored rows never hold typed usernames or addresses verbatim. */
  private static String storeKey(String key) {
    return Tokens.sha256Hex(key);
  }
}
