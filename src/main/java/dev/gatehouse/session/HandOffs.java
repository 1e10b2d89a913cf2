package dev.gatehouse.session;

import dev.gatehouse.kernel.Tokens;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cross-domain hand-off: how a browser signed in on the portal's domain gets a session cookie
 * on a further registrable domain ({@code session.more-domains}), where the portal's cookie cannot
 * reach. Thread-safe.
 *
 * <ol>
 *   <li>On the further domain's portal address the browser is given a random nonce in a host-only
 *       cookie and sent to the portal with only the nonce's SHA-256 (the binding).
 *   <li>The portal, where the browser is signed in, issues a code: random, stored as a hash, valid
 *       {@link #LIFETIME}, bound to the sign-in, the domain, the binding and the return URL.
 *   <li>Back on the further domain the code is taken (deleted, whatever happens next) and redeemed
 *       only together with the nonce whose hash it is bound to: a code seen in a log, a referrer or
 *       a link an attacker sends someone is worth nothing without that browser's cookie (no login
 *       CSRF, no session fixation). The session opened is a child of the sign-in and ends with it.
 * </ol>
 */
public final class HandOffs {
  private static final Logger LOG = LoggerFactory.getLogger(HandOffs.class);
  private static final Pattern HEX_SHA256 = Pattern.compile("[0-9a-f]{64}");

  /** How long a code may be redeemed. */
  public static final Duration LIFETIME = Duration.ofSeconds(60);

  private final HandOffRepository repository;
  private final SessionService sessions;
  private final Clock clock;
  private final SecureRandom random;

  /** Wires the hand-off. */
  public HandOffs(
      HandOffRepository repository, SessionService sessions, Clock clock, SecureRandom random) {
    this.repository = repository;
    this.sessions = sessions;
    this.clock = clock;
    this.random = random;
  }

  /** A fresh nonce for the browser's cookie (never sent anywhere else). */
  public String newNonce() {
    return Tokens.newToken(random);
  }

  /** The binding of {@code nonce}: what the portal may see of it. */
  public static String binding(String nonce) {
    return Tokens.sha256Hex(nonce);
  }

  /** Whether {@code binding} has the shape of one. */
  public static boolean looksLikeBinding(String binding) {
    return HEX_SHA256.matcher(binding).matches();
  }

  /**
   * A code for the sign-in {@code session} to open a session on {@code domain} in the browser
   * holding the nonce behind {@code binding}, then to return to {@code returnTo}.
   */
  public String issue(Session session, String domain, String binding, String returnTo) {
    if (!session.parentId().isEmpty() || !looksLikeBinding(binding)) {
      throw new IllegalArgumentException("a hand-off needs a root session and a binding");
    }
    String code = Tokens.newToken(random);
    repository.insert(
        new HandOffRepository.Code(
            Tokens.sha256Hex(code),
            session.id(),
            domain,
            binding,
            returnTo,
            clock.instant().plus(LIFETIME)));
    return code;
  }

  /** A redeemed code: the session opened and where the browser goes next. */
  public record Redeemed(SessionService.Issued issued, String domain, String returnTo) {
    @Override
    public String toString() {
      return "Redeemed[session=" + issued.session().id() + ", domain=" + domain + "]";
    }
  }

  /**
   * Redeems {@code code} in the browser that holds {@code nonce}: a session on the code's domain,
   * or empty (unknown, used, expired, another browser's, or the sign-in ended). The code is used up
   * either way.
   */
  public Optional<Redeemed> redeem(
      String code, Optional<String> nonce, String userAgent, String clientAddress) {
    if (!Tokens.looksLikeToken(code)) {
      return Optional.empty();
    }
    Optional<HandOffRepository.Code> taken = repository.take(Tokens.sha256Hex(code));
    if (taken.isEmpty()) {
      LOG.info("hand-off: unknown or already used code from {}", clientAddress);
      return Optional.empty();
    }
    HandOffRepository.Code found = taken.get();
    if (!clock.instant().isBefore(found.expiresAt())) {
      LOG.info("hand-off: expired code for {} from {}", found.domain(), clientAddress);
      return Optional.empty();
    }
    boolean bound =
        nonce.filter(Tokens::looksLikeToken).isPresent()
            && Tokens.constantTimeEquals(binding(nonce.get()), found.binding());
    if (!bound) {
      LOG.warn(
          "security event: a hand-off code for {} was presented by a browser that did not start"
              + " it (from {}); refused",
          found.domain(),
          clientAddress);
      return Optional.empty();
    }
    return sessions
        .issueChild(found.sessionId(), found.domain(), userAgent, clientAddress)
        .map(issued -> new Redeemed(issued, found.domain(), found.returnTo()));
  }

  /** Deletes codes that expired more than a minute ago. */
  public int purge() {
    return repository.purge(clock.instant().minus(Duration.ofMinutes(1)));
  }
}
