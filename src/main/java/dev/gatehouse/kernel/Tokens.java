package dev.gatehouse.kernel;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/**
 * Bearer tokens: 256-bit random values in base64url, stored only as their SHA-256. Stateless and
 * thread-safe.
 */
public final class Tokens {
  /** Bytes of entropy in every token we issue (256 bits). */
  public static final int TOKEN_BYTES = 32;

  private Tokens() {}

  /** A fresh 256-bit token from {@code random}, base64url without padding (43 characters). */
  public static String newToken(SecureRandom random) {
    byte[] bytes = new byte[TOKEN_BYTES];
    random.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  private static final MessageDigest SHA256 = newSha256();

  private static MessageDigest newSha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required by every Java platform", e);
    }
  }

  /**
   * Lower-case hex SHA-256 of the UTF-8 bytes of {@code value}: what the store keeps of a token.
   */
  public static String sha256Hex(String value) {
    return HexFormat.of().formatHex(sha256(value.getBytes(StandardCharsets.UTF_8)));
  }

  /** SHA-256 of {@code bytes}. */
  public static byte[] sha256(byte[] bytes) {
    try {
      // A copy of a ready digest: looking the algorithm up among the providers cost more than
      // hashing a token (measured on the verify path).
      return ((MessageDigest) SHA256.clone()).digest(bytes);
    } catch (CloneNotSupportedException e) {
      throw new IllegalStateException("the JDK's SHA-256 can be copied", e);
    }
  }

  /** Compares two strings in time that depends only on their lengths, not on where they differ. */
  public static boolean constantTimeEquals(String a, String b) {
    return MessageDigest.isEqual(
        a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Whether {@code token} has the shape of a token we issue (43 base64url characters). Checked
   * before any lookup so that malformed input never reaches the store.
   */
  public static boolean looksLikeToken(String token) {
    if (token.length() != 43) {
      return false;
    }
    for (int i = 0; i < token.length(); i++) {
      if (!isBase64UrlChar(token.charAt(i))) {
        return false;
      }
    }
    return true;
  }

  /** Whether {@code c} is of the base64url alphabet (RFC 4648 §5), padding excluded. */
  public static boolean isBase64UrlChar(char c) {
    return (c >= 'a' && c <= 'z')
        || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9')
        || c == '-'
        || c == '_';
  }
}
