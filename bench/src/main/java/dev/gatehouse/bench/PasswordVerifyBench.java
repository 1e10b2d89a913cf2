package dev.gatehouse.bench;

import dev.gatehouse.credential.PasswordHasher;
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

/** One Argon2id verification at the default parameters (m=19 MiB, t=2, p=1). */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class PasswordVerifyBench {
  private PasswordHasher hasher;
  private String hash;

  @Setup
  public void setUp() {
    hasher = new PasswordHasher(19456, 2, 1, new SecureRandom());
    hash = hasher.hash("correct horse battery staple");
  }

  @Benchmark
  public boolean verifyArgon2id() {
    return hasher.verify("correct horse battery staple", hash);
  }

  @Benchmark
  public boolean verifyDummyForUnknownUser() {
    return hasher.verifyDummy("correct horse battery staple");
  }
}
