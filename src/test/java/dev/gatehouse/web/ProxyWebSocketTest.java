package dev.gatehouse.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.identity.User;
import dev.gatehouse.testing.MutableClock;
import dev.gatehouse.testing.RawHttp;
import dev.gatehouse.testing.TestBrowser;
import dev.gatehouse.testing.TestDatabases;
import dev.gatehouse.testing.TestGatehouse;
import dev.gatehouse.testing.WebSocketEcho;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * WebSocket routes of proxy mode, from outside: the JDK's own WebSocket client (an implementation
 * independent of Jetty's) talks through Gatehouse to a WebSocket app that records what it receives.
 * The routes' host is {@code localhost}, which the client can reach without overriding {@code
 * Host}.
 */
class ProxyWebSocketTest {
  private static final String PASSWORD = "correct horse battery staple";

  @TempDir Path dir;
  private WebSocketEcho app;
  private TestGatehouse gatehouse;
  private final HttpClient client = HttpClient.newHttpClient();

  @BeforeEach
  void start() throws Exception {
    app = WebSocketEcho.start();
    String to = "http://" + app.address();
    gatehouse =
        TestGatehouse.start(
            TestDatabases.Kind.SQLITE,
            dir.resolve("data"),
            new MutableClock(Clock.systemUTC().instant()),
            Map.of(
                "GATEHOUSE_PROXY_ROUTES",
                "[{from: 'https://localhost/live/', to: '"
                    + to
                    + "', auth: session-or-bearer, websockets: true,"
                    + " headers: {user: X-Hero-User, claims: X-Hero-Claims,"
                    + " context: X-Hero-Context}},"
                    + " {from: 'https://localhost/plain/', to: '"
                    + to
                    + "', auth: session}]",
                "GATEHOUSE_ACCESS_RULES",
                "[{hosts: [localhost], policy: authenticated}]",
                "GATEHOUSE_SERVER_TRUSTED_PROXIES",
                "10.9.9.9/32"));
    User alice = gatehouse.app().directory().addUser("alice", Optional.empty(), "Alice", false);
    gatehouse.app().accounts().setPassword(alice, PASSWORD);
  }

  @AfterEach
  void stop() {
    if (gatehouse != null) {
      gatehouse.close();
    }
    if (app != null) {
      app.close();
    }
  }

  @Test
  void aSignedInBrowsersSocketReachesTheAppAsThemselvesAndMessagesFlowBothWays() throws Exception {
    TestBrowser browser = signedIn();
    Recorder recorder = new Recorder();
    WebSocket socket =
        client
            .newWebSocketBuilder()
            .header("Cookie", "theme=dark; " + cookie(browser))
            .header("Origin", "https://localhost:" + gatehouse.port())
            .header("X-Hero-User", "root")
            .header("X-Hero-Context", "{\"credential\":\"forged\"}")
            .subprotocols("chat.v2", "chat.v1")
            .buildAsync(URI.create(url("/live/room?id=7")), recorder)
            .get(10, TimeUnit.SECONDS);
    assertThat(socket.getSubprotocol())
        .as("the app's choice reaches the browser")
        .isEqualTo("chat.v2");
    assertThat(recorder.next())
        .as("what the app says first is not lost")
        .isEqualTo("hello /live/room?id=7");
    socket.sendText("over the bridge", true).get(5, TimeUnit.SECONDS);
    assertThat(recorder.next()).isEqualTo("over the bridge");
    socket.sendBinary(ByteBuffer.wrap(new byte[] {1, 2, 3}), true).get(5, TimeUnit.SECONDS);
    assertThat(recorder.next()).isEqualTo("binary:3");

    WebSocketEcho.Handshake seen = app.nextHandshake();
    assertThat(seen.header("X-Hero-User")).isEqualTo("alice");
    assertThat(seen.header("Cookie"))
        .as("the SSO cookie stays with Gatehouse")
        .isEqualTo("theme=dark");
    assertThat(seen.header("Origin")).isEqualTo("https://localhost:" + gatehouse.port());
    assertThat(seen.header("X-Forwarded-Proto")).isEqualTo("https");
    JsonNode context = new ObjectMapper().readTree(seen.header("X-Hero-Context"));
    assertThat(context.get("credential").asText()).isEqualTo("session");
    assertThat(context.get("kind").asText()).isEqualTo("user");
    assertThat(context.get("route").asText()).isEqualTo("https://localhost/live/");
    assertThat(new ObjectMapper().readTree(seen.header("X-Hero-Claims")).isObject()).isTrue();
    socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(5, TimeUnit.SECONDS);
    assertThat(app.nextClose(10)).isEqualTo(1000);
  }

  @Test
  void signingOutClosesTheOpenSocketsOfThatSessionWithinSeconds() throws Exception {
    TestBrowser browser = signedIn();
    Recorder recorder = new Recorder();
    client
        .newWebSocketBuilder()
        .header("Cookie", cookie(browser))
        .buildAsync(URI.create(url("/live/feed")), recorder)
        .get(10, TimeUnit.SECONDS);
    assertThat(recorder.next()).isEqualTo("hello /live/feed");

    browser.get("/");
    assertThat(browser.post("/logout", Map.of()).statusCode()).isEqualTo(303);
    assertThat(recorder.closed.get(10, TimeUnit.SECONDS))
        .as("policy violation: the session that opened it has ended")
        .isEqualTo(1008);
    assertThat(app.nextClose(10)).as("and the app's side is closed too").isNotNull();
  }

  @Test
  void aRevokedApiKeysSocketIsClosed() throws Exception {
    var key =
        gatehouse
            .app()
            .apiKeys()
            .createApplication("feeder", "", List.of(), List.of(), Optional.empty());
    Recorder recorder = new Recorder();
    client
        .newWebSocketBuilder()
        .header("Authorization", "Bearer " + key.key())
        .buildAsync(URI.create(url("/live/feed")), recorder)
        .get(10, TimeUnit.SECONDS);
    assertThat(recorder.next()).isEqualTo("hello /live/feed");
    WebSocketEcho.Handshake seen = app.nextHandshake();
    assertThat(seen.header("X-Hero-User")).isEqualTo("feeder");
    assertThat(seen.header("Authorization")).as("Gatehouse's credential stays here").isNull();

    gatehouse.app().apiKeys().revoke(key.record().id());
    assertThat(recorder.closed.get(10, TimeUnit.SECONDS)).isEqualTo(1008);
  }

  @Test
  void anUpgradeWithoutACredentialIsRefusedAndNeverReachesTheApp() {
    assertThatThrownBy(
            () ->
                client
                    .newWebSocketBuilder()
                    .buildAsync(URI.create(url("/live/feed")), new Recorder())
                    .get(10, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOf(WebSocketHandshakeException.class)
        .satisfies(
            e ->
                assertThat(((WebSocketHandshakeException) e).getResponse().statusCode())
                    .isEqualTo(401));
    assertThat(app.sawNoHandshake()).isTrue();
  }

  @Test
  void aPageOfAnotherOriginCannotOpenASocketWithTheUsersCookie() throws Exception {
    TestBrowser browser = signedIn();
    for (String origin : List.of("https://evil.example", "https://app.localhost", "null")) {
      assertThatThrownBy(
              () ->
                  client
                      .newWebSocketBuilder()
                      .header("Cookie", cookie(browser))
                      .header("Origin", origin)
                      .buildAsync(URI.create(url("/live/feed")), new Recorder())
                      .get(10, TimeUnit.SECONDS))
          .as(origin)
          .cause()
          .isInstanceOf(WebSocketHandshakeException.class)
          .satisfies(
              e ->
                  assertThat(((WebSocketHandshakeException) e).getResponse().statusCode())
                      .isEqualTo(403));
    }
    assertThat(app.sawNoHandshake()).isTrue();
  }

  @Test
  void aRouteWithoutWebsocketsRefusesUpgradesButServesRequests() throws Exception {
    TestBrowser browser = signedIn();
    assertThatThrownBy(
            () ->
                client
                    .newWebSocketBuilder()
                    .header("Cookie", cookie(browser))
                    .buildAsync(URI.create(url("/plain/feed")), new Recorder())
                    .get(10, TimeUnit.SECONDS))
        .cause()
        .isInstanceOf(WebSocketHandshakeException.class);
    assertThat(app.sawNoHandshake()).isTrue();
    assertThat(
            RawHttp.send(
                    gatehouse.port(),
                    "GET /plain/feed HTTP/1.1",
                    "Host: localhost",
                    "Sec-WebSocket-Version: 13",
                    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
                    "Connection: Upgrade",
                    "Upgrade: websocket",
                    "Cookie: " + cookie(browser))
                .status())
        .isEqualTo(403);
  }

  private TestBrowser signedIn() throws Exception {
    TestBrowser browser = gatehouse.browser();
    browser.signIn("alice", PASSWORD);
    return browser;
  }

  private static String cookie(TestBrowser browser) {
    return TestGatehouse.SESSION_COOKIE + "=" + browser.sessionCookie().orElseThrow();
  }

  private String url(String path) {
    return "ws://localhost:" + gatehouse.port() + path;
  }

  /** Records what the browser side receives. */
  private static final class Recorder implements WebSocket.Listener {
    private final BlockingQueue<String> messages = new LinkedBlockingQueue<>();
    private final StringBuilder text = new StringBuilder();
    final CompletableFuture<Integer> closed = new CompletableFuture<>();

    String next() throws InterruptedException {
      return messages.poll(10, TimeUnit.SECONDS);
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      text.append(data);
      if (last) {
        messages.add(text.toString());
        text.setLength(0);
      }
      webSocket.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
      messages.add("binary:" + data.remaining());
      webSocket.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
      closed.complete(statusCode);
      return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
      closed.completeExceptionally(error);
    }
  }
}
