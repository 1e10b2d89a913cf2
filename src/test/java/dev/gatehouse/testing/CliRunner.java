package dev.gatehouse.testing;

import dev.gatehouse.app.Main;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;

/**
 * Runs the CLI in-process with a given environment, working directory, clock and standard input,
 * capturing its output. Nothing of the machine running the tests reaches the command: not its
 * {@code GATEHOUSE_…} variables, not a {@code gatehouse.yml} in the directory Maven runs in, not
 * the real clock when the server under test runs on a test clock.
 */
public final class CliRunner {
  /** What the command did: exit status and what it printed. */
  public record Result(int status, String out, String err) {}

  private final Map<String, String> environment;
  private final Path workingDirectory;
  private final Clock clock;

  /** A runner working in {@code workingDirectory}, reading {@code clock}. */
  public CliRunner(Map<String, String> environment, Path workingDirectory, Clock clock) {
    this.environment = Map.copyOf(environment);
    this.workingDirectory = workingDirectory;
    this.clock = clock;
  }

  /** Runs {@code args} with this standard input and extra environment. */
  public Result run(String stdin, Map<String, String> extraEnv, String... args) {
    Map<String, String> env = new HashMap<>(environment);
    env.putAll(extraEnv);
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    InputStream oldIn = System.in;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
      int status = Main.run(args, env, workingDirectory, clock);
      return new Result(
          status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
      System.setIn(oldIn);
    }
  }

  /** Runs {@code args}. */
  public Result run(String... args) {
    return run("", Map.of(), args);
  }
}
