package dev.gatehouse.bench;

import com.password4j.Argon2Function;
import de.mkammerer.argon2.Argon2;
import de.mkammerer.argon2.Argon2Factory;
import dev.gatehouse.credential.PasswordHasher;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One Argon2id verification of a hash Gatehouse made (m=19456 KiB, t=2, p=1), by three
 * implementations: Gatehouse's own (Bouncy Castle, pure Java), password4j (pure Java) and
 * argon2-jvm (the reference C library through JNA). Each must accept the same PHC string, or the
 * set-up fails: only compatible implementations are compared.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class Argon2ImplementationsBench {
  private static final String PASSWORD = "correct horse battery staple";

  private PasswordHasher bouncyCastle;
  private Argon2 reference;
  private Argon2Function password4j;
  private String hash;

  @Setup
  public void setUp() {
    bouncyCastle = new PasswordHasher(19456, 2, 1, new SecureRandom());
    hash = bouncyCastle.hash(PASSWORD);
    reference = Argon2Factory.create(Argon2Factory.Argon2Types.ARGON2id);
    // The parameters of the hash itself (password4j's plain check uses its configured ones).
    password4j = Argon2Function.getInstanceFromHash(hash);
    if (!bouncyCastle.verify(PASSWORD, hash)
        || !password4j.check(PASSWORD, hash)
        || !reference.verify(hash, PASSWORD.getBytes(StandardCharsets.UTF_8))
        || password4j.check(PASSWORD + "x", hash)
        || reference.verify(hash, (PASSWORD + "x").getBytes(StandardCharsets.UTF_8))) {
      throw new IllegalStateException("the implementations disagree on " + hash);
    }
  }

  @Benchmark
  public boolean bouncyCastle() {
    return bouncyCastle.verify(PASSWORD, hash);
  }

  @Benchmark
  public boolean password4j() {
    return password4j.check(PASSWORD, hash);
  }

  @Benchmark
  public boolean referenceC() {
    return reference.verify(hash, PASSWORD.getBytes(StandardCharsets.UTF_8));
  }
}
