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
 * 1.0: {@code typ: logout+jwt}, {@code sid}, {@code sub}, the event, no {@code nonce}), sent in the
 * background with three tries. Thread-safe.
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
  private final HttpClient http;
  private final ExecutorService senders;

  /** Wires logout as {@code issuer}. */
  public Logout(
      TokenRepository tokens,
      Clients clients,
      AccessTokens accessTokens,
      Clock clock,
      SecureRandom random,
      String issuer) {
    this.tokens = tokens;
    this.clients = clients;
    this.accessTokens = accessTokens;
    this.clock = clock;
    this.random = random;
    this.issuer = issuer;
    this.http =
        HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(5))
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
    this.senders =
        Executors.newFixedThreadPool(
            2,
            task -> {
              Thread thread = new Thread(task, "gatehouse-backchannel-logout");
              thread.setDaemon(true);
              return thread;
            });
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
    for (TokenRepository.Grant grant : notify.values()) {
      Optional<Client> client = clients.find(grant.clientId());
      if (client.isPresent() && client.get().backchannelLogoutUri().isPresent()) {
        String token = logoutToken(client.get(), grant, now);
        URI target = URI.create(client.get().backchannelLogoutUri().get());
        var unused = senders.submit(() -> deliver(client.get().id(), target, token));
      }
    }
  }

  private String logoutToken(Client client, TokenRepository.Grant grant, Instant now) {
    byte[] id = new byte[16];
    random.nextBytes(id);
    JWTClaimsSet claims =
        new JWTClaimsSet.Builder()
            .issuer(issuer)
            .audience(client.id())
            .issueTime(Date.from(now))
            .expirationTime(Date.from(now.plus(Duration.ofMinutes(2))))
            .jwtID(HexFormat.of().formatHex(id))
            .subject(grant.user().value())
            .claim("sid", grant.sessionId())
            .claim("events", Map.of(EVENT, Map.of()))
            .build();
    return accessTokens.sign(claims, JWSAlgorithm.parse(client.signingAlg()), TYPE);
  }

  private void deliver(String clientId, URI target, String token) {
    HttpRequest request =
        HttpRequest.newBuilder(target)
            .timeout(Duration.ofSeconds(5))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    "logout_token=" + URLEncoder.encode(token, StandardCharsets.UTF_8)))
            .build();
    for (int attempt = 1; attempt <= 3; attempt++) {
      try {
        HttpResponse<Void> response = http.send(request, HttpResponse.BodyHandlers.discarding());
        if (response.statusCode() == 200 || response.statusCode() == 204) {
          return;
        }
        LOG.warn(
            "back-channel logout to client {} answered {} (try {})",
            clientId,
            response.statusCode(),
            attempt);
      } catch (java.io.IOException e) {
        LOG.warn(
            "back-channel logout to client {} failed (try {}): {}",
            clientId,
            attempt,
            e.toString());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      try {
        Thread.sleep(1000L * attempt);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /** Waits up to {@code timeout} for notices still being sent (a CLI process about to exit). */
  public void drain(Duration timeout) {
    senders.shutdown();
    try {
      senders.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
