package dev.gatehouse.app;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/** Runs the CLI in-process with a given environment and standard input, capturing its output. */
final class CliRunner {
  record Result(int status, String out, String err) {}

  private final Map<String, String> environment;

  CliRunner(Map<String, String> environment) {
    this.environment = Map.copyOf(environment);
  }

  Result run(String stdin, Map<String, String> extraEnv, String... args) {
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
      int status = Main.run(args, env);
      return new Result(
          status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
      System.setIn(oldIn);
    }
  }

  Result run(String... args) {
    return run("", Map.of(), args);
  }
}
