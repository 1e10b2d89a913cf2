package dev.gatehouse.session;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Admits a session to the look-up cache only the second time it is looked up: a session seen once
 * (one request of a visitor, a cookie replayed by a scanner, a random token) costs the cache
 * nothing. Without it, thousands of distinct sessions a second each left a cached entry that lived
 * its full second, long enough for the collector to copy and promote it; the young and full
 * collections this caused set the p99 of a cold cache (bench/RESULTS.md).
 *
 * <p>A fixed table of 64-bit fingerprints (the first 16 hex digits of the token's SHA-256), one per
 * slot: no objects, no clock. Two sessions sharing a slot may push each other out, which only costs
 * a store look-up; the table never decides whether a session is valid. Thread-safe.
 */
final class Doorkeeper {
  private static final int SLOTS = 1 << 14;

  private final AtomicLongArray seen = new AtomicLongArray(SLOTS);

  /**
   * Notes {@code tokenHash} (64 lowercase hex digits) and answers whether it was the first sight:
   * true unless it was the last fingerprint noted in its slot.
   */
  boolean firstSight(String tokenHash) {
    long fingerprint = Long.parseUnsignedLong(tokenHash, 0, 16, 16);
    int slot = (int) (fingerprint ^ (fingerprint >>> 32)) & (SLOTS - 1);
    return seen.getAndSet(slot, fingerprint) != fingerprint;
  }
}
