package dev.gatehouse.signin.magiclink;

import dev.gatehouse.identity.Directory;
import dev.gatehouse.identity.User;
import dev.gatehouse.kernel.Cidr;
import dev.gatehouse.kernel.Tokens;
import dev.gatehouse.kernel.UserId;
import dev.gatehouse.mail.MailContent;
import dev.gatehouse.mail.Message;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Sign-in alerts: a sign-in from a browser or network the user has not used before (user agent and
 * /24 or /64 network, hashed) emails the user, with a "this wasn't me" link. The very first sign-in
 * of an account sends nothing. Opening the link only shows a button; pressing it ends every session
 * and API key of the user (the caller does that). Thread-safe.
 */
public final class SignInAlerts {
  /** How long the "this wasn't me" link works. */
  public static final Duration LIFETIME = Duration.ofDays(7);

  private final MagicLinkRepository links;
  private final Directory directory;
  private final Clock clock;
  private final SecureRandom random;
  private final String notMeUrl;

  /** Wires the alerts; links are built on {@code publicOrigin}. */
  public SignInAlerts(
      MagicLinkRepository links,
      Directory directory,
      Clock clock,
      SecureRandom random,
      String publicOrigin) {
    this.links = links;
    this.directory = directory;
    this.clock = clock;
    this.random = random;
    this.notMeUrl = publicOrigin + "/security/not-me?token=";
  }

  /** Called after every successful sign-in; true when an alert was queued. */
  public boolean onSignIn(UserId userId, String userAgent, String clientAddress) {
    Optional<User> user = directory.findById(userId);
    if (user.isEmpty()) {
      return false;
    }
    String fingerprint = Tokens.sha256Hex(userAgent + "|" + network(clientAddress));
    Instant now = clock.instant();
    boolean firstEver = !links.hasKnownDevices(userId);
    if (firstEver || user.get().email().isEmpty()) {
      links.rememberDevice(userId, fingerprint, now, Optional.empty(), Optional.empty());
      return false;
    }
    String token = Tokens.newToken(random);
    String link = notMeUrl + token;
    String device = userAgent.isEmpty() ? "an unknown browser" : clip(userAgent);
    Message message =
        MailContent.to(
                Optional.of(user.get().username()),
                "your account was just signed in from a browser or network it has not used"
                    + " before: "
                    + device
                    + ", from "
                    + clientAddress
                    + ", at "
                    + now
                    + ".",
                "If this was you, there is nothing to do.")
            .withAction(
                "It wasn't me: sign out everywhere",
                link,
                "Signs out every session and stops every API key of the account")
            .message(user.get().email().get(), "New sign-in to your Gatehouse account");
    return links.rememberDevice(
        userId,
        fingerprint,
        now,
        Optional.of(
            new MagicLinkRepository.Link(
                Tokens.sha256Hex(token),
                MagicLinkRepository.Purpose.ALERT,
                userId,
                "",
                now,
                now.plus(LIFETIME),
                "")),
        Optional.of(Message.Queued.fresh(message, now.plus(LIFETIME), random)));
  }

  /** Whether a "this wasn't me" link can still be used (does not consume it). */
  public boolean isUsable(String token) {
    return Tokens.looksLikeToken(token)
        && links
            .findUsable(Tokens.sha256Hex(token), MagicLinkRepository.Purpose.ALERT, clock.instant())
            .isPresent();
  }

  /** Consumes a "this wasn't me" link; the user whose sessions and keys must end. */
  public Optional<UserId> confirmNotMe(String token) {
    if (!Tokens.looksLikeToken(token)) {
      return Optional.empty();
    }
    String hash = Tokens.sha256Hex(token);
    Optional<MagicLinkRepository.Link> link =
        links.findUsable(hash, MagicLinkRepository.Purpose.ALERT, clock.instant());
    if (link.isEmpty()
        || !links.consume(hash, MagicLinkRepository.Purpose.ALERT, clock.instant())) {
      return Optional.empty();
    }
    return Optional.of(link.get().user());
  }

  private static String network(String address) {
    Optional<InetAddress> parsed = Cidr.parseNumericAddress(address);
    if (parsed.isEmpty()) {
      return address;
    }
    byte[] bytes = parsed.get().getAddress();
    int keep = parsed.get() instanceof Inet4Address ? 3 : 8; // /24 or /64
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < keep; i++) {
      out.append(bytes[i] & 0xff).append('.');
    }
    return out.toString();
  }

  private static String clip(String text) {
    String clean = text.replaceAll("\\p{Cntrl}", "?");
    return clean.length() > 200 ? clean.substring(0, 200) : clean;
  }
}
