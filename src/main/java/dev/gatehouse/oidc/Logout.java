package dev.gatehouse.oidc;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jwt.JWTClaimsSet;
import dev.gatehouse.session.Session;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logout everywhere: when a Gatehouse session ends by sign-out or revocation, the grants given in
 * it end too (except {@code offline_access} ones), and every client the user signed into in that
 * session that registered a back-channel logout URI gets a logout token (OIDC Back-Channel Logout
 * 1.0: {@code typ: logout+jwt}, {@code sid}, {@code sub}, the event, no {@code nonce}). Each notice
 * is queued durably ({@link LogoutQueue}) before the sign-out is answered, tried at once in the
 * background, then again with growing pauses (up to 5 minutes) for a day — across restarts, by
 * whichever node claims it first. The token is signed afresh at each try. Thread-safe.
 */
public final class Logout {
  private static final Logger LOG = LoggerFactory.getLogger(Logout.class);
  private static final String EVENT = "http://schemas.openid.net/event/backchannel-logout";
  private static final JOSEObjectType TYPE = new JOSEObjectType("logout+jwt");

  private final TokenRepository tokens;
  private final Clients clients;
  private final AccessTokens accessTokens;
  private final Clock clock;
  private final SecureRandom random;
  private final String issuer;

  /** Made at the first back-channel call: building it (TLS set-up) took ~130 ms of every start. */
  private HttpClient http;

  private final ExecutorService senders;
  private final LogoutQueue queue;
  private final java.util.concurrent.ScheduledExecutorService sweeper;

  /** How long a notice is tried before it is given up. */
  static final Duration GIVE_UP_AFTER = Duration.ofDays(1);

  /** Wires logout as {@code issuer}. */
  public Logout(
      TokenRepository tokens,
      Clients clients,
      AccessTokens accessTokens,
      Clock clock,
      SecureRandom random,
      String issuer,
      LogoutQueue queue) {
    this.queue = queue;
    this.sweeper =
        Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("gatehouse-backchannel-sweeper").daemon().factory());
    this.tokens = tokens;
    this.clients = clients;
    this.accessTokens = accessTokens;
    this.clock = clock;
    this.random = random;
    this.issuer = issuer;
    this.senders =
        Executors.newFixedThreadPool(
            2, Thread.ofPlatform().name("gatehouse-backchannel-logout-", 1).daemon().factory());
  }

  private synchronized HttpClient http() {
    if (http == null) {
      http =
          HttpClient.newBuilder()
              .connectTimeout(Duration.ofSeconds(5))
              .followRedirects(HttpClient.Redirect.NEVER)
              .build();
    }
    return http;
  }

  /** The user signed in again in the same browser: their grants carry on in the new session. */
  public void sessionReplaced(Session old, Session next) {
    tokens.moveSessionGrants(old.id(), next.id());
  }

  /** Ends what was given in these sessions and tells the clients (the sessions are ended). */
  public void sessionsEnded(List<Session> sessions) {
    Instant now = clock.instant();
    Map<String, TokenRepository.Grant> notify = new LinkedHashMap<>();
    for (Session session : sessions) {
      for (TokenRepository.Grant grant : tokens.revokeSessionGrants(session.id(), now)) {
        notify.putIfAbsent(grant.clientId() + " " + grant.sessionId(), grant);
      }
    }
    if (notify.isEmpty()) {
      return;
    }
    accessTokens.forgetCachedRecords();
    List<LogoutQueue.Notice> notices = new java.util.ArrayList<>();
    for (TokenRepository.Grant grant : notify.values()) {
      Optional<Client> client = clients.find(grant.clientId());
      if (client.isPresent() && client.get().backchannelLogoutUri().isPresent()) {
        byte[] id = new byte[16];
        random.nextBytes(id);
        notices.add(
            new LogoutQueue.Notice(
                HexFormat.of().formatHex(id),
                client.get().id(),
                grant.user().value(),
                grant.sessionId(),
                now,
                0));
      }
    }
    queue.add(notices, now);
    for (LogoutQueue.Notice notice : notices) {
      var unused = senders.submit(() -> attempt(notice));
    }
  }

  /** Starts trying queued notices that are due (after a failure, a restart, another node's). */
  public void start() {
    var unused = sweeper.scheduleWithFixedDelay(this::sweep, 2, 2, TimeUnit.SECONDS);
  }

  private void sweep() {
    try {
      for (LogoutQueue.Notice notice : queue.due(clock.instant(), 50)) {
        var unused = senders.submit(() -> attempt(notice));
      }
    } catch (RuntimeException e) {
      LOG.warn("back-channel logout queue could not be read; will retry: {}", e.toString());
    }
  }

  /** One try of one notice, when this process can claim it. */
  private void attempt(LogoutQueue.Notice notice) {
    Instant now = clock.instant();
    if (!queue.claim(notice.id(), now, now.plus(Duration.ofMinutes(1)))) {
      return;
    }
    Optional<Client> client = clients.find(notice.clientId());
    if (client.isEmpty() || client.get().backchannelLogoutUri().isEmpty()) {
      queue.remove(notice.id()); // the client is gone, or no longer wants notices
      return;
    }
    String token = logoutToken(client.get(), notice.userId(), notice.sessionId(), now);
    URI target = URI.create(client.get().backchannelLogoutUri().get());
    if (deliver(client.get().id(), target, token, notice.attempts() + 1)) {
      queue.remove(notice.id());
    } else if (!now.isBefore(notice.createdAt().plus(GIVE_UP_AFTER))) {
      LOG.error(
          "back-channel logout to client {} given up after {} tries over {}",
          notice.clientId(),
          notice.attempts() + 1,
          GIVE_UP_AFTER);
      queue.remove(notice.id());
    } else {
      long pause = Math.min(300, 1L << Math.min(notice.attempts(), 8));
      queue.retryAt(notice.id(), now.plusSeconds(pause));
    }
  }

  private String logoutToken(Client client, String userId, String sessionId, Instant now) {
    byte[] id = new byte[16];
    random.nextBytes(id);
    JWTClaimsSet claims =
        new JWTClaimsSet.Builder()
            .issuer(issuer)
            .audience(client.id())
            .issueTime(Date.from(now))
            .expirationTime(Date.from(now.plus(Duration.ofMinutes(2))))
            .jwtID(HexFormat.of().formatHex(id))
            .subject(userId)
            .claim("sid", sessionId)
            .claim("events", Map.of(EVENT, Map.of()))
            .build();
    return accessTokens.sign(claims, JWSAlgorithm.parse(client.signingAlg()), TYPE);
  }

  /** One POST of a logout token; whether the client took it (200 or 204). */
  private boolean deliver(String clientId, URI target, String token, int attempt) {
    HttpRequest request =
        HttpRequest.newBuilder(target)
            .timeout(Duration.ofSeconds(5))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    "logout_token=" + URLEncoder.encode(token, StandardCharsets.UTF_8)))
            .build();
    try {
      HttpResponse<Void> response = http().send(request, HttpResponse.BodyHandlers.discarding());
      if (response.statusCode() == 200 || response.statusCode() == 204) {
        return true;
      }
      LOG.warn(
          "back-channel logout to client {} answered {} (try {})",
          clientId,
          response.statusCode(),
          attempt);
    } catch (java.io.IOException e) {
      LOG.warn(
          "back-channel logout to client {} failed (try {}): {}", clientId, attempt, e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return false;
  }

  /** Waits up to {@code timeout} for notices still being sent (a CLI process about to exit). */
  public void drain(Duration timeout) {
    sweeper.shutdownNow();
    senders.shutdown();
    try {
      senders.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
