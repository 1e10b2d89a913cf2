package dev.gatehouse.signin.magiclink;

import dev.gatehouse.kernel.Tokens;
import dev.gatehouse.kernel.UserId;
import dev.gatehouse.mail.Message;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Function;

/**
 * The one way an emailed link is made: a 256-bit token (only its hash stored), bound to a purpose
 * and a user, replacing the user's older unused links of that purpose, with its message queued in
 * the same transaction. Shared by sign-in links, resets and invitations. Thread-safe.
 */
final class LinkIssuer {
  private final MagicLinkRepository links;
  private final Clock clock;
  private final SecureRandom random;

  LinkIssuer(MagicLinkRepository links, Clock clock, SecureRandom random) {
    this.links = links;
    this.clock = clock;
    this.random = random;
  }

  /**
   * Issues a link {@code baseUrl + token} and queues the message {@code message} builds from it.
   *
   * @param browserBinding the pending-cookie value the link is bound to, or empty for none
   */
  void issue(
      MagicLinkRepository.Purpose purpose,
      UserId user,
      Optional<String> browserBinding,
      Duration lifetime,
      String baseUrl,
      Function<String, Message> message) {
    issue(purpose, user, browserBinding, "", lifetime, baseUrl, message);
  }

  /** As above, with a payload stored beside the link (the new address of an email change). */
  void issue(
      MagicLinkRepository.Purpose purpose,
      UserId user,
      Optional<String> browserBinding,
      String payload,
      Duration lifetime,
      String baseUrl,
      Function<String, Message> message) {
    String token = Tokens.newToken(random);
    Instant now = clock.instant();
    Instant expires = now.plus(lifetime);
    links.replaceAndQueue(
        new MagicLinkRepository.Link(
            Tokens.sha256Hex(token),
            purpose,
            user,
            browserBinding.map(Tokens::sha256Hex).orElse(""),
            now,
            expires,
            payload),
        Message.Queued.fresh(message.apply(baseUrl + token), expires, random),
        now);
  }
}
