package dev.gatehouse.bench;

import dev.gatehouse.identity.Directory;
import dev.gatehouse.identity.User;
import dev.gatehouse.kernel.Secret;
import dev.gatehouse.session.Session;
import dev.gatehouse.session.SessionService;
import dev.gatehouse.store.Database;
import dev.gatehouse.store.JdbcGroups;
import dev.gatehouse.store.JdbcRoles;
import dev.gatehouse.store.JdbcSessions;
import dev.gatehouse.store.JdbcUsers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Resolving a session cookie: the cached path (token check, SHA-256, Caffeine hit, expiry checks) and,
 * for comparison, the uncached path through SQLite. The clock is fixed so the cache never expires in
 * the cached benchmark.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class SessionLookupBench {
  private Database database;
  private SessionService cached;
  private JdbcSessions store;
  private String token;
  private String tokenHash;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    Path dir = Files.createTempDirectory("gatehouse-bench");
    database = Database.open(Optional.empty(), "", Secret.of(""), 4, dir);
    Clock clock = Clock.fixed(Instant.parse("2026-11-23T08:00:00Z"), ZoneOffset.UTC);
    Directory directory =
        new Directory(new JdbcUsers(database), new JdbcGroups(database), new JdbcRoles(database), clock, new SecureRandom());
    User user = directory.addUser("bench", Optional.empty(), "", false);
    store = new JdbcSessions(database);
    cached = new SessionService(store, clock, new SecureRandom(), Duration.ofHours(1), Duration.ofHours(24));
    SessionService.Issued issued = cached.issue(user.id(), Set.of("pwd"), "bench", "127.0.0.1");
    token = issued.token();
    tokenHash = issued.session().tokenHash();
    cached.resolve(token).orElseThrow();
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    database.close();
  }

  @Benchmark
  @Threads(2)
  public Optional<Session> cachedLookup() {
    return cached.resolve(token);
  }

  @Benchmark
  public Optional<Session> uncachedSqliteLookup() {
    return store.findActive(tokenHash);
  }
}
