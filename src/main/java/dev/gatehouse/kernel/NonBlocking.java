package dev.gatehouse.kernel;

import java.util.Optional;
import java.util.function.Supplier;

/**
 * Work tried on a thread that must not wait: the HTTP server's selector thread, which answers a
 * verify request in place when everything it needs is in memory. Code about to wait (for a database
 * connection, for another thread's commit, for the console to take a log line) calls {@link
 * #mayBlock()} first; on such a thread that throws {@link WouldBlock} and marks the attempt as
 * failed, so {@link #attempt} answers empty and the caller hands the whole request to a thread that
 * may block, where it is decided again from the start.
 *
 * <p>The mark, not the exception, decides: a layer in between that catches the exception and turns
 * it into an empty result or a refusal cannot make a half-made answer count. Work run through
 * {@link #attempt} must therefore be safe to run twice (look-ups, cache fills, idempotent notes).
 *
 * <p>Concurrency: the state is per thread. Thread-safe.
 */
public final class NonBlocking {
  private static final ThreadLocal<State> STATE = ThreadLocal.withInitial(State::new);

  private NonBlocking() {}

  private static final class State {
    boolean active;
    boolean refused;
  }

  /**
   * Thrown where work would wait on a thread that must not; carries no stack trace (control flow,
   * cheap to make).
   */
  public static final class WouldBlock extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private WouldBlock() {
      super("would block on a thread that must not wait", null, false, false);
    }
  }

  /**
   * Runs {@code work} on this thread, forbidding it to wait; empty when it tried to (its result,
   * whatever it was, is discarded), else its result. An exception of {@code work} that is not about
   * waiting passes through.
   */
  public static <T> Optional<T> attempt(Supplier<T> work) {
    State state = STATE.get();
    if (state.active) {
      throw new IllegalStateException("attempts do not nest");
    }
    state.active = true;
    state.refused = false;
    try {
      T result = work.get();
      return state.refused ? Optional.empty() : Optional.of(result);
    } catch (RuntimeException e) {
      if (state.refused) {
        return Optional.empty();
      }
      throw e;
    } finally {
      state.active = false;
      state.refused = false;
    }
  }

  /**
   * Called before waiting: on a thread inside {@link #attempt}, marks the attempt as failed and
   * throws {@link WouldBlock}; elsewhere does nothing.
   */
  public static void mayBlock() {
    State state = STATE.get();
    if (state.active) {
      state.refused = true;
      throw new WouldBlock();
    }
  }

  /** Whether this thread is inside an {@link #attempt} that has already tried to wait. */
  public static boolean refused() {
    State state = STATE.get();
    return state.active && state.refused;
  }
}
