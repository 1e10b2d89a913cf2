package dev.gatehouse.signin.totp;

import com.eatthepath.otp.TimeBasedOneTimePasswordGenerator;
import dev.gatehouse.identity.User;
import dev.gatehouse.kernel.Tokens;
import dev.gatehouse.kernel.UserId;
import dev.gatehouse.keys.AtRestCipher;
import dev.gatehouse.session.SessionService;
import dev.gatehouse.signin.Throttle;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import javax.crypto.spec.SecretKeySpec;

/**
 * TOTP (RFC 6238: HMAC-SHA1, 6 digits, 30 s, one step of clock drift either way) through {@code
 * java-otp}, with ten single-use recovery codes stored hashed. Every accepted code moves the user's
 * last accepted step forward, so a code cannot be replayed. Code attempts are throttled per user.
 * After a password, a user with TOTP gets a five-minute challenge instead of a session; the code
 * turns it into a session with {@code pwd otp mfa}. Thread-safe.
 */
public final class TotpService {
  private static final String PURPOSE = "totp-seed";
  private static final Duration STEP = Duration.ofSeconds(30);
  private static final Duration CHALLENGE_LIFETIME = Duration.ofMinutes(5);
  private static final char[] BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".toCharArray();

  /** A fresh enrolment to show: the secret in Base32 and the otpauth URI for the QR code. */
  public record Pending(String secretBase32, String otpauthUri) {}

  private final TotpRepository store;
  private final AtRestCipher cipher;
  private final Throttle throttle;
  private final SessionService sessions;
  private final Clock clock;
  private final SecureRandom random;
  private final String issuer;
  private final TimeBasedOneTimePasswordGenerator generator;

  /** Wires the service; {@code issuer} names Gatehouse in authenticator apps. */
  public TotpService(
      TotpRepository store,
      AtRestCipher cipher,
      Throttle throttle,
      SessionService sessions,
      Clock clock,
      SecureRandom random,
      String issuer) {
    this.store = store;
    this.cipher = cipher;
    this.throttle = throttle;
    this.sessions = sessions;
    this.clock = clock;
    this.random = random;
    this.issuer = issuer;
    this.generator = new TimeBasedOneTimePasswordGenerator(STEP, 6, "HmacSHA1");
  }

  /** Whether the user has confirmed TOTP. */
  public boolean isEnabled(UserId user) {
    return store.find(user).map(TotpRepository.Enrollment::confirmed).orElse(false);
  }

  /** Starts an enrolment (replacing an unconfirmed one). */
  public Pending startEnrollment(User user) {
    byte[] secret = new byte[20];
    random.nextBytes(secret);
    store.savePending(user.id(), cipher.encrypt(secret, PURPOSE), clock.instant());
    String base32 = base32(secret);
    String label =
        URLEncoder.encode(issuer + ":" + user.username(), StandardCharsets.UTF_8)
            .replace("+", "%20");
    String uri =
        "otpauth://totp/"
            + label
            + "?secret="
            + base32
            + "&issuer="
            + URLEncoder.encode(issuer, StandardCharsets.UTF_8).replace("+", "%20")
            + "&algorithm=SHA1&digits=6&period=30";
    return new Pending(base32, uri);
  }

  /** Confirms the pending enrolment with a current code; the recovery codes to show once. */
  public Optional<List<String>> confirmEnrollment(UserId user, String code) {
    Optional<TotpRepository.Enrollment> pending = store.find(user).filter(e -> !e.confirmed());
    if (pending.isEmpty() || !codeMatches(pending.get(), code)) {
      return Optional.empty();
    }
    List<String> codes = new ArrayList<>();
    List<String> hashes = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      String recovery = recoveryCode();
      codes.add(recovery);
      hashes.add(Tokens.sha256Hex(recovery));
    }
    store.confirm(user, hashes);
    return Optional.of(List.copyOf(codes));
  }

  /** Turns off TOTP for the user. */
  public void disable(UserId user) {
    store.delete(user);
  }

  /** Recovery codes left. */
  public int recoveryCodesLeft(UserId user) {
    return store.recoveryCodesLeft(user);
  }

  /** After a correct password: a challenge token for the code page (stored hashed). */
  public String challenge(UserId user) {
    String token = Tokens.newToken(random);
    store.saveChallenge(Tokens.sha256Hex(token), user, clock.instant().plus(CHALLENGE_LIFETIME));
    return token;
  }

  /** Outcome of the code page. */
  public sealed interface Second permits Completed, WrongCode, Expired, Throttled {}

  /** Both factors done: a new session. */
  public record Completed(UserId user, SessionService.Issued issued) implements Second {}

  /** The code (or recovery code) was wrong, used or late; try again. */
  public record WrongCode() implements Second {}

  /** The challenge is gone: start over with the password. */
  public record Expired() implements Second {}

  /** Too many wrong codes. */
  public record Throttled(Duration retryAfter) implements Second {}

  /** Checks a TOTP or recovery code against a challenge. */
  public Second complete(String challenge, String code, String userAgent, String clientAddress) {
    if (!Tokens.looksLikeToken(challenge)) {
      return new Expired();
    }
    String hash = Tokens.sha256Hex(challenge);
    Optional<UserId> user = store.findChallenge(hash, clock.instant());
    if (user.isEmpty()) {
      return new Expired();
    }
    if (throttle.attempt("totp:" + user.get().value(), 5) instanceof Throttle.Blocked blocked) {
      return new Throttled(blocked.retryAfter());
    }
    Optional<TotpRepository.Enrollment> enrollment =
        store.find(user.get()).filter(TotpRepository.Enrollment::confirmed);
    String clean = code.replace(" ", "").replace("-", "");
    boolean accepted =
        enrollment.isPresent()
            && (codeMatches(enrollment.get(), clean)
                || (clean.length() == 10
                    && store.useRecoveryCode(
                        user.get(), Tokens.sha256Hex(clean.toUpperCase(java.util.Locale.ROOT)))));
    if (!accepted) {
      return new WrongCode();
    }
    if (!store.deleteChallenge(hash)) {
      return new Expired();
    }
    throttle.reset("totp:" + user.get().value());
    return new Completed(
        user.get(),
        sessions.issue(user.get(), Set.of("pwd", "otp", "mfa"), userAgent, clientAddress));
  }

  private boolean codeMatches(TotpRepository.Enrollment enrollment, String code) {
    if (!code.matches("[0-9]{6}")) {
      return false;
    }
    Optional<byte[]> secret = cipher.decrypt(enrollment.sealedSecret(), PURPOSE);
    if (secret.isEmpty()) {
      return false; // Fail closed: a seed we cannot decrypt verifies nothing.
    }
    SecretKeySpec key = new SecretKeySpec(secret.get(), "HmacSHA1");
    Instant now = clock.instant();
    long current = now.getEpochSecond() / STEP.toSeconds();
    for (long step = current - 1; step <= current + 1; step++) {
      try {
        String expected =
            generator.generateOneTimePasswordString(
                key, Instant.ofEpochSecond(step * STEP.toSeconds()));
        if (Tokens.constantTimeEquals(expected, code)
            && store.acceptStep(enrollment.user(), step)) {
          return true;
        }
      } catch (InvalidKeyException e) {
        return false;
      }
    }
    return false;
  }

  private String recoveryCode() {
    byte[] bytes = new byte[10];
    random.nextBytes(bytes);
    StringBuilder out = new StringBuilder();
    for (byte b : bytes) {
      out.append(BASE32[(b & 0xff) % 32]);
    }
    return out.toString();
  }

  static String base32(byte[] data) {
    StringBuilder out = new StringBuilder();
    int buffer = 0;
    int bits = 0;
    for (byte b : data) {
      buffer = (buffer << 8) | (b & 0xff);
      bits += 8;
      while (bits >= 5) {
        out.append(BASE32[(buffer >> (bits - 5)) & 31]);
        bits -= 5;
      }
    }
    if (bits > 0) {
      out.append(BASE32[(buffer << (5 - bits)) & 31]);
    }
    return out.toString();
  }
}
