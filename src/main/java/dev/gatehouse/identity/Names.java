package dev.gatehouse.identity;

import dev.gatehouse.identity.DirectoryException.InvalidValueException;
import java.net.IDN;
import java.text.Normalizer;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Canonical forms and validation of usernames, email addresses, display names and group, role and
 * claim names. Values that reach identity headers must be unambiguous: no commas in names, never a
 * control character. Stateless.
 */
public final class Names {
  private static final Pattern USERNAME = Pattern.compile("[a-z0-9][a-z0-9._@-]{0,63}");
  private static final Pattern EMAIL_LOCAL = Pattern.compile("[a-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}");
  private static final Pattern CLAIM = Pattern.compile("[a-z][a-z0-9_.:-]{0,63}");

  private Names() {}

  /**
   * Canonical username: NFKC, lower case; 1–64 of a–z, 0–9, {@code . _ @ -}, starting alphanumeric.
   */
  public static String username(String input) {
    String canonical = Normalizer.normalize(input, Normalizer.Form.NFKC).toLowerCase(Locale.ROOT);
    if (!USERNAME.matcher(canonical).matches()) {
      throw new InvalidValueException(
          "username must be 1 to 64 characters: letters, digits, '.', '_', '@' or '-', starting with a"
              + " letter or digit");
    }
    return canonical;
  }

  /**
   * Canonical email: NFKC, lower case, domain in IDNA ASCII; one {@code @}; at most 254 characters.
   */
  public static String email(String input) {
    String canonical = Normalizer.normalize(input, Normalizer.Form.NFKC).toLowerCase(Locale.ROOT);
    int at = canonical.lastIndexOf('@');
    String invalid = "email must look like name@example.com";
    if (at <= 0 || at != canonical.indexOf('@') || canonical.length() > 254) {
      throw new InvalidValueException(invalid);
    }
    String local = canonical.substring(0, at);
    String domain;
    try {
      domain =
          IDN.toASCII(canonical.substring(at + 1), IDN.USE_STD3_ASCII_RULES)
              .toLowerCase(Locale.ROOT);
    } catch (IllegalArgumentException e) {
      throw new InvalidValueException(invalid);
    }
    if (!EMAIL_LOCAL.matcher(local).matches()
        || !domain.contains(".")
        || domain.endsWith(".")
        || domain.startsWith(".")) {
      throw new InvalidValueException(invalid);
    }
    return local + "@" + domain;
  }

  /** Display name: NFKC, stripped, at most 128 characters, no control characters. */
  public static String displayName(String input) {
    String canonical = Normalizer.normalize(input, Normalizer.Form.NFKC).strip();
    if (canonical.length() > 128 || hasControl(canonical)) {
      throw new InvalidValueException(
          "display name must be at most 128 characters without control characters");
    }
    return canonical;
  }

  /**
   * Group or role name: 1–64 characters, no comma (they are joined with commas in headers), no
   * control characters, no whitespace at either end.
   */
  public static String groupOrRole(String kind, String input) {
    String canonical = Normalizer.normalize(input, Normalizer.Form.NFKC);
    if (canonical.isEmpty()
        || canonical.length() > 64
        || canonical.indexOf(',') >= 0
        || hasControl(canonical)
        || !canonical.equals(canonical.strip())) {
      throw new InvalidValueException(
          kind
              + " name must be 1 to 64 characters without commas, control characters or spaces at"
              + " either end");
    }
    return canonical;
  }

  /** Claim name: lower-case letter then letters, digits, {@code _ . : -}; at most 64. */
  public static String claim(String input) {
    if (!CLAIM.matcher(input).matches()) {
      throw new InvalidValueException(
          "claim name must start with a lower-case letter and use only a-z, 0-9, '_', '.', ':' or '-'");
    }
    if (RESERVED_CLAIMS.contains(input)) {
      throw new InvalidValueException(
          "claim name " + input + " is one Gatehouse sets itself (in tokens and headers)");
    }
    return input;
  }

  /** Claims tokens, userinfo and identity headers carry from Gatehouse itself, never a role. */
  public static final java.util.Set<String> RESERVED_CLAIMS =
      java.util.Set.of(
          "iss",
          "sub",
          "aud",
          "exp",
          "iat",
          "nbf",
          "jti",
          "auth_time",
          "nonce",
          "acr",
          "amr",
          "azp",
          "at_hash",
          "c_hash",
          "sid",
          "name",
          "preferred_username",
          "email",
          "email_verified",
          "groups",
          "scope",
          "client_id");

  /** Claim value: at most 1024 characters, no commas, no control characters. */
  public static String claimValue(String input) {
    // Several values of one claim are joined with commas in an identity header: a comma inside a
    // value would make the header ambiguous.
    if (input.length() > 1024 || hasControl(input) || input.indexOf(',') >= 0) {
      throw new InvalidValueException(
          "claim value must be at most 1024 characters without commas or control characters");
    }
    return input;
  }

  static boolean hasControl(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
        return true;
      }
    }
    return false;
  }
}
