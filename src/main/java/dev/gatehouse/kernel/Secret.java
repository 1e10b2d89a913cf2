package dev.gatehouse.kernel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Objects;
import java.util.Optional;

/**
 * A secret value (password, token, key) whose {@code toString} never reveals it, so that it cannot
 * leak into a log line or an exception message by accident. One read from a file ({@link
 * #fromFile}) follows the file: {@link #reveal} sees a rotated secret as soon as the file changes,
 * without a restart, and the old value stops being the secret. Thread-safe.
 */
public final class Secret {
  private final String value;
  private final Path file;
  private volatile Loaded loaded;

  /** What the file held when it had this modification time and size. */
  private record Loaded(FileTime time, long size, String value) {}

  private Secret(String value, Path file, Loaded loaded) {
    this.value = value;
    this.file = file;
    this.loaded = loaded;
  }

  /** Wraps a secret value. */
  public static Secret of(String value) {
    return new Secret(Objects.requireNonNull(value, "value"), null, null);
  }

  /**
   * The secret in {@code file} (one trailing newline is not part of it), read now and again
   * whenever the file's modification time or size changes. Throws {@link UncheckedIOException} when
   * it cannot be read now.
   */
  public static Secret fromFile(Path file) {
    try {
      return new Secret("", file, read(file));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The secret itself; call only where it is used, never to log or display it. From a file: its
   * current content (a file that cannot be read for a moment — half-way through a rotation — leaves
   * the last value in place).
   */
  public String reveal() {
    if (file == null) {
      return value;
    }
    Loaded known = loaded;
    try {
      FileTime time = Files.getLastModifiedTime(file);
      long size = Files.size(file);
      if (!time.equals(known.time()) || size != known.size()) {
        known = read(file);
        loaded = known;
      }
    } catch (IOException e) {
      // Keep the last value read; the next call tries again.
    }
    return known.value();
  }

  /** The file it is read from, for a secret that has one. */
  public Optional<Path> file() {
    return Optional.ofNullable(file);
  }

  /** Whether the secret is the empty string. */
  public boolean isEmpty() {
    return reveal().isEmpty();
  }

  private static Loaded read(Path file) throws IOException {
    FileTime time = Files.getLastModifiedTime(file);
    long size = Files.size(file);
    String content = Files.readString(file, StandardCharsets.UTF_8);
    return new Loaded(
        time, size, content.endsWith("\n") ? content.substring(0, content.length() - 1) : content);
  }

  @Override
  public String toString() {
    return "[redacted]";
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof Secret that && Tokens.constantTimeEquals(reveal(), that.reveal());
  }

  @Override
  public int hashCode() {
    return 0; // Secrets are not meant as map keys; a constant keeps the contract without leaking.
  }
}
