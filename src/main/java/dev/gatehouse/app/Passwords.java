package dev.gatehouse.app;

import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** Reads a password for the CLI: never from an argument (shell history), from stdin or a prompt. */
final class Passwords {
  private Passwords() {}

  @SuppressWarnings(
      "SystemConsoleNull") // Release 21 has no Console.isTerminal(); null still means none.
  static String read(boolean fromStdin) {
    if (fromStdin) {
      try {
        BufferedReader reader =
            new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line = reader.readLine();
        if (line == null) {
          throw new Main.CliException("no password on standard input");
        }
        return line;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    Console console = System.console();
    if (console == null) {
      throw new Main.CliException(
          "no terminal to ask for a password; pipe it in with --password-stdin");
    }
    char[] first = console.readPassword("New password: ");
    char[] second = console.readPassword("Repeat it: ");
    if (first == null || second == null || !Arrays.equals(first, second)) {
      throw new Main.CliException("the passwords differ");
    }
    return new String(first);
  }
}
