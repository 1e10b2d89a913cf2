package dev.gatehouse.session;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Admits a session to the look-up cache only the second time it is looked up: a session seen once
 * (one request of a visitor, a cookie replayed by a scanner, a random token) costs the cache
 * nothing. Without it, thousands of distinct sessions a second each left a cached entry that lived
 * its full second, long enough for the collector to copy and promote it; the young and full
 * collections this caused set the p99 of a cold cache (bench/RESULTS.md).
 *
 * <p>A Bloom filter of 2<sup>20</sup> bits (128 KiB, no objects): three bits per session, each
 * taken from 20 bits of the token's SHA-256. After {@link #CAPACITY} first sights it starts empty
 * again, so at most ~2 % of first sights pass for second ones (they are then cached, which costs
 * only memory), and a session forgotten by a reset costs one more store look-up. The filter never
 * decides whether a session is valid. A first version kept one fingerprint per slot in 16 384
 * slots: an outside review showed that with tens of thousands of active sessions, sessions pushed
 * each other out and a page's burst of requests cost two look-ups instead of one. Thread-safe.
 */
final class Doorkeeper {
  /** First sights remembered before the filter starts empty again. */
  static final int CAPACITY = 100_000;

  private static final int BITS = 1 << 20;
  private static final int HASHES = 3;
  private static final int HEX_DIGITS_PER_HASH = 5; // 20 bits: an index into BITS

  private final AtomicLongArray words = new AtomicLongArray(BITS / Long.SIZE);
  private final AtomicInteger firstSights = new AtomicInteger();

  /**
   * Notes {@code tokenHash} (64 lowercase hex digits) and answers whether it is a first sight: true
   * unless all its bits were set already.
   */
  boolean firstSight(String tokenHash) {
    boolean first = false;
    for (int i = 0; i < HASHES; i++) {
      int from = i * HEX_DIGITS_PER_HASH;
      int bit = Integer.parseInt(tokenHash, from, from + HEX_DIGITS_PER_HASH, 16);
      int word = bit >>> 6;
      long mask = 1L << (bit & 63);
      if ((words.get(word) & mask) == 0) {
        first |= (words.getAndAccumulate(word, mask, (a, b) -> a | b) & mask) == 0;
      }
    }
    if (first && firstSights.incrementAndGet() == CAPACITY) {
      for (int i = 0; i < words.length(); i++) {
        words.set(i, 0);
      }
      firstSights.set(0);
    }
    return first;
  }
}
