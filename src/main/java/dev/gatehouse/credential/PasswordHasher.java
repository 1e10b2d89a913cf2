package dev.gatehouse.credential;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;

/**
 * Argon2id password hashing (Bouncy Castle) in the PHC string format {@code
 * $argon2id$v=19$m=19456,t=2,p=1$salt$hash}. Passwords arrive already normalised by {@link
 * PasswordPolicy}. Thread-safe.
 */
public final class PasswordHasher {
  private static final Pattern PHC =
      Pattern.compile(
          "\\$argon2id\\$v=19\\$m=(\\d{1,8}),t=(\\d{1,4}),p=(\\d{1,2})\\$([A-Za-z0-9+/]{11,64})\\$([A-Za-z0-9+/]{16,128})");
  private static final int SALT_BYTES = 16;
  private static final int HASH_BYTES = 32;

  private final int memoryKib;
  private final int iterations;
  private final int parallelism;
  private final SecureRandom random;
  private final String dummyHash;
  private final Semaphore permits;

  // Argon2id fills memoryKib of 1 KiB blocks per hash. Allocated afresh, every hash put ~19 MiB
  // through the young generation and, since a hash outlives several young collections, into the
  // old one: back-to-back sign-ins cost ~500 collections (96 full) in 22 s, more time than the
  // hashes (bench/RESULTS.md). So hashes pass their blocks on: a permit holder takes a set here
  // and puts it back, so there are never more sets than permits. Kept, they would cost the session
  // cache its heap, so they are dropped once no hash has started for a few seconds. Bouncy Castle
  // clears each block before it returns to a set.
  private static final Executor AFTER_A_BURST =
      CompletableFuture.delayedExecutor(3, TimeUnit.SECONDS);
  private final ConcurrentLinkedQueue<Argon2BytesGenerator.FixedBlockPool> blocks =
      new ConcurrentLinkedQueue<>();
  private final AtomicInteger hashing = new AtomicInteger();
  private final AtomicLong started = new AtomicLong();

  /** A hasher producing hashes with these Argon2id parameters. */
  public PasswordHasher(int memoryKib, int iterations, int parallelism, SecureRandom random) {
    this.memoryKib = memoryKib;
    this.iterations = iterations;
    this.parallelism = parallelism;
    this.random = random;
    // A well-formed hash of nothing anyone knows, at the current parameters: verifying against it
    // costs
    // exactly one real hash, so unknown accounts take as long as known ones. Built without hashing,
    // so
    // start-up does no Argon2 work.
    byte[] salt = new byte[SALT_BYTES];
    byte[] hash = new byte[HASH_BYTES];
    random.nextBytes(salt);
    random.nextBytes(hash);
    this.dummyHash = format(memoryKib, iterations, parallelism, salt, hash);
    // Each hash holds memoryKib of heap while it runs: bound how many run at once so that a burst
    // of
    // sign-ins from many addresses queues instead of exhausting the heap.
    this.permits =
        new Semaphore(Math.max(1, Math.min(Runtime.getRuntime().availableProcessors(), 4)), true);
  }

  /** Hashes a (normalised) password with a fresh salt. */
  public String hash(String password) {
    byte[] salt = new byte[SALT_BYTES];
    random.nextBytes(salt);
    byte[] hash = derive(password, salt, memoryKib, iterations, parallelism, HASH_BYTES);
    return format(memoryKib, iterations, parallelism, salt, hash);
  }

  /**
   * Verifies a password against a stored hash in constant time. A malformed hash never verifies
   * (fail closed) but still costs one hash at the current parameters.
   */
  public boolean verify(String password, String storedHash) {
    Optional<Parsed> parsed = parse(storedHash);
    if (parsed.isEmpty()) {
      verifyDummy(password);
      return false;
    }
    Parsed p = parsed.get();
    byte[] actual =
        derive(password, p.salt, p.memoryKib, p.iterations, p.parallelism, p.hash.length);
    return MessageDigest.isEqual(actual, p.hash);
  }

  /**
   * Spends the same work as a real verification; used for unknown accounts. The dummy hash is 256
   * random bits nobody knows a preimage of, so this is false in practice.
   */
  public boolean verifyDummy(String password) {
    Parsed p = parse(dummyHash).orElseThrow();
    byte[] actual =
        derive(password, p.salt, p.memoryKib, p.iterations, p.parallelism, p.hash.length);
    return MessageDigest.isEqual(actual, p.hash);
  }

  /** Whether a stored hash uses other parameters than the current ones and should be replaced. */
  public boolean needsRehash(String storedHash) {
    return parse(storedHash)
        .map(
            p ->
                p.memoryKib != memoryKib
                    || p.iterations != iterations
                    || p.parallelism != parallelism)
        .orElse(true);
  }

  private byte[] derive(
      String password, byte[] salt, int memoryKib, int iterations, int parallelism, int length) {
    permits.acquireUninterruptibly();
    hashing.incrementAndGet();
    started.incrementAndGet();
    Argon2BytesGenerator.FixedBlockPool pool = blocks.poll();
    if (pool == null) {
      // Keeps at most the current parameters' blocks: a hash of an older, larger one allocates
      // the rest afresh.
      pool = new Argon2BytesGenerator.FixedBlockPool(this.memoryKib);
    }
    try {
      return compute(password, salt, memoryKib, iterations, parallelism, length, pool);
    } finally {
      blocks.offer(pool);
      if (hashing.decrementAndGet() == 0) {
        long burst = started.get();
        AFTER_A_BURST.execute(
            () -> {
              if (started.get() == burst && hashing.get() == 0) {
                blocks.clear();
              }
            });
      }
      permits.release();
    }
  }

  private static byte[] compute(
      String password,
      byte[] salt,
      int memoryKib,
      int iterations,
      int parallelism,
      int length,
      Argon2BytesGenerator.FixedBlockPool pool) {
    Argon2Parameters parameters =
        new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
            .withVersion(Argon2Parameters.ARGON2_VERSION_13)
            .withMemoryAsKB(memoryKib)
            .withIterations(iterations)
            .withParallelism(parallelism)
            .withSalt(salt)
            .withBlockPool(pool)
            .build();
    Argon2BytesGenerator generator = new Argon2BytesGenerator();
    generator.init(parameters);
    byte[] out = new byte[length];
    byte[] passwordBytes = password.getBytes(StandardCharsets.UTF_8);
    try {
      generator.generateBytes(passwordBytes, out);
    } finally {
      Arrays.fill(passwordBytes, (byte) 0);
    }
    return out;
  }

  private static String format(int m, int t, int p, byte[] salt, byte[] hash) {
    Base64.Encoder b64 = Base64.getEncoder().withoutPadding();
    return "$argon2id$v=19$m="
        + m
        + ",t="
        + t
        + ",p="
        + p
        + "$"
        + b64.encodeToString(salt)
        + "$"
        + b64.encodeToString(hash);
  }

  @SuppressWarnings("ArrayRecordComponent") // Private, never compared or exposed.
  private record Parsed(int memoryKib, int iterations, int parallelism, byte[] salt, byte[] hash) {}

  private static Optional<Parsed> parse(String stored) {
    Matcher matcher = PHC.matcher(stored);
    if (!matcher.matches()) {
      return Optional.empty();
    }
    try {
      int m = Integer.parseInt(matcher.group(1));
      int t = Integer.parseInt(matcher.group(2));
      int p = Integer.parseInt(matcher.group(3));
      if (m < 8 * p || m > 4 * 1024 * 1024 || t < 1 || p < 1) {
        return Optional.empty();
      }
      Base64.Decoder b64 = Base64.getDecoder();
      return Optional.of(
          new Parsed(m, t, p, b64.decode(matcher.group(4)), b64.decode(matcher.group(5))));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }
}
