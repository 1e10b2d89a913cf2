package dev.gatehouse.kernel;

import java.security.SecureRandom;
import java.util.HexFormat;

/** A user's stable, opaque id (128 random bits, hex). Immutable. */
public record UserId(String value) {
  private static final java.util.regex.Pattern SHAPE =
      java.util.regex.Pattern.compile("[0-9a-f]{32}");

  /** Validates the shape. */
  public UserId {
    if (!SHAPE.matcher(value).matches()) {
      throw new IllegalArgumentException("malformed user id");
    }
  }

  /** A fresh random id. */
  public static UserId random(SecureRandom random) {
    byte[] bytes = new byte[16];
    random.nextBytes(bytes);
    return new UserId(HexFormat.of().formatHex(bytes));
  }

  @Override
  public String toString() {
    return value;
  }
}
