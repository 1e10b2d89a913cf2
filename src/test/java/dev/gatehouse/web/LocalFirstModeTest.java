package dev.gatehouse.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.gatehouse.config.ConfigException;
import dev.gatehouse.config.ConfigLoader;
import dev.gatehouse.testing.EchoUpstream;
import dev.gatehouse.testing.MutableClock;
import dev.gatehouse.testing.RawHttp;
import dev.gatehouse.testing.TestDatabases;
import dev.gatehouse.testing.TestGatehouse;
import dev.gatehouse.testing.WebSocketEcho;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Local-first mode from outside: a tool's own UI behind a session route, reached from this machine
 * (a loopback socket) and from another address of it (a non-loopback socket, as a remote user would
 * arrive), with every header an attacker could use to look local.
 */
class LocalFirstModeTest {
  @TempDir Path dir;
  private EchoUpstream upstream;
  private WebSocketEcho sockets;
  private TestGatehouse gatehouse;

  @BeforeEach
  void start() throws Exception {
    upstream = EchoUpstream.start();
    sockets = WebSocketEcho.start();
    gatehouse =
        TestGatehouse.start(
            TestDatabases.Kind.SQLITE,
            dir.resolve("data"),
            new MutableClock(Clock.systemUTC().instant()),
            Map.of(
                "GATEHOUSE_SERVER_LISTEN",
                "0.0.0.0:0",
                "GATEHOUSE_SERVER_LOCALHOST_BYPASS",
                "true",
                "GATEHOUSE_SERVER_TRUSTED_PROXIES",
                "[]",
                "GATEHOUSE_PROXY_ROUTES",
                "[{from: 'https://tool.example.com', to: 'http://"
                    + upstream.address()
                    + "', auth: session-or-bearer, headers: {context: X-Tool-Context}},"
                    + " {from: 'https://localhost/live/', to: 'http://"
                    + sockets.address()
                    + "', auth: session, websockets: true}]",
                "GATEHOUSE_ACCESS_RULES",
                "[{hosts: [tool.example.com, localhost], policy: authenticated}]"));
  }

  @AfterEach
  void stop() {
    if (gatehouse != null) {
      gatehouse.close();
    }
    if (upstream != null) {
      upstream.close();
    }
    if (sockets != null) {
      sockets.close();
    }
  }

  @Test
  void thisMachinesOwnConnectionsNeedNoSignIn() throws Exception {
    RawHttp.Head head =
        RawHttp.send(
            gatehouse.port(),
            "GET /settings HTTP/1.1",
            "Host: tool.example.com",
            "Remote-User: admin");
    assertThat(head.status()).isEqualTo(200);
    EchoUpstream.Seen seen = upstream.last();
    assertThat(seen.header("Remote-User")).as("local is no identity").isNull();
    assertThat(seen.header("X-Tool-Context")).contains("\"credential\":\"localhost\"");
  }

  @Test
  void aLocalWebSocketStaysOpenWhileOpenSocketsAreDecidedOnAgain() throws Exception {
    java.util.concurrent.BlockingQueue<String> heard =
        new java.util.concurrent.LinkedBlockingQueue<>();
    java.util.concurrent.CompletableFuture<Integer> closed =
        new java.util.concurrent.CompletableFuture<>();
    java.net.http.WebSocket socket =
        java.net.http.HttpClient.newHttpClient()
            .newWebSocketBuilder()
            .buildAsync(
                java.net.URI.create("ws://localhost:" + gatehouse.port() + "/live/feed"),
                new java.net.http.WebSocket.Listener() {
                  @Override
                  public java.util.concurrent.CompletionStage<?> onText(
                      java.net.http.WebSocket ws, CharSequence data, boolean last) {
                    heard.add(data.toString());
                    ws.request(1);
                    return null;
                  }

                  @Override
                  public java.util.concurrent.CompletionStage<?> onClose(
                      java.net.http.WebSocket ws, int status, String reason) {
                    closed.complete(status);
                    return null;
                  }
                })
            .get(10, java.util.concurrent.TimeUnit.SECONDS);
    assertThat(heard.poll(10, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo("hello /live/feed");
    // Longer than two rounds of deciding open sockets again: nothing ends a local socket.
    Thread.sleep(5_000);
    assertThat(closed).isNotDone();
    socket.sendText("still here", true).get(5, java.util.concurrent.TimeUnit.SECONDS);
    assertThat(heard.poll(10, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo("still here");
  }

  @Test
  void aRemoteConnectionIsNeverLocalWhateverItsHeadersSay() throws Exception {
    InetAddress own = nonLoopbackAddress();
    for (String[] looksLocal :
        new String[][] {
          {"Host: tool.example.com", "X-Forwarded-For: 127.0.0.1"},
          {"Host: tool.example.com", "X-Real-IP: ::1", "Forwarded: for=127.0.0.1"},
          {"Host: tool.example.com", "X-Forwarded-For: ::1, 127.0.0.1"},
        }) {
      RawHttp.Head head =
          RawHttp.sendTo(own, gatehouse.port(), "GET /settings HTTP/1.1", looksLocal);
      assertThat(head.status()).as(String.join(" / ", looksLocal)).isEqualTo(401);
    }
    assertThat(upstream.seen()).isEmpty();
  }

  @Test
  void onlyThisMachinesOwnAddressIsLocalNotTheRestOfTheLoopbackRange() throws Exception {
    // A local proxy or container bridge may sit on 127.0.0.2, forwarding remote users.
    try (Socket socket = new Socket()) {
      socket.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.2"), 0));
      socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), gatehouse.port()));
      socket.setSoTimeout(10_000);
      socket
          .getOutputStream()
          .write(
              "GET /p HTTP/1.1\r\nHost: tool.example.com\r\nConnection: close\r\n\r\n"
                  .getBytes(StandardCharsets.ISO_8859_1));
      String head = new String(socket.getInputStream().readNBytes(12), StandardCharsets.ISO_8859_1);
      assertThat(head).endsWith("401");
    }
    assertThat(upstream.seen()).isEmpty();
    assertThatThrownBy(
            () ->
                ConfigLoader.load(
                    Optional.empty(),
                    Map.of(
                        "GATEHOUSE_SERVER_LOCALHOST_BYPASS", "true",
                        "GATEHOUSE_SERVER_TRUSTED_PROXIES", "127.0.0.2/32",
                        "GATEHOUSE_SERVER_PUBLIC_URL", "https://auth.example.com")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("server.trusted-proxies");
  }

  @Test
  void aPageOfAnotherSiteInThisMachinesBrowserGetsNothing() throws Exception {
    assertThat(
            RawHttp.send(
                    gatehouse.port(),
                    "POST /settings/delete HTTP/1.1",
                    "Host: tool.example.com",
                    "Origin: https://evil.example",
                    "Content-Length: 0")
                .status())
        .isEqualTo(403);
    assertThat(
            RawHttp.send(
                    gatehouse.port(),
                    "GET /api/secrets HTTP/1.1",
                    "Host: tool.example.com",
                    "Sec-Fetch-Site: cross-site",
                    "Sec-Fetch-Mode: cors",
                    "Origin: https://evil.example")
                .status())
        .isEqualTo(403);
    assertThat(
            RawHttp.send(
                    gatehouse.port(),
                    "GET /settings HTTP/1.1",
                    "Host: tool.example.com",
                    "Sec-Fetch-Site: cross-site",
                    "Sec-Fetch-Mode: navigate",
                    "Sec-Fetch-Dest: iframe")
                .status())
        .as("framed by another site: it would act with this machine's rights")
        .isEqualTo(403);
    assertThat(
            RawHttp.send(
                    gatehouse.port(),
                    "GET /socket HTTP/1.1",
                    "Host: tool.example.com",
                    "Origin: https://tool.example.com",
                    "Origin: https://evil.example")
                .status())
        .as("two origins are no origin")
        .isEqualTo(403);
    assertThat(upstream.seen()).isEmpty();
    // A link from elsewhere may still open the tool: a navigation carries no page's power.
    assertThat(
            RawHttp.send(
                    gatehouse.port(),
                    "GET /settings HTTP/1.1",
                    "Host: tool.example.com",
                    "Sec-Fetch-Site: cross-site",
                    "Sec-Fetch-Mode: navigate")
                .status())
        .isEqualTo(200);
  }

  @Test
  void aBootstrapTokenIsWrittenOnceForScriptsAndWorksFromAnywhere() throws Exception {
    Path file = gatehouse.dataDir().resolve("bootstrap-token");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-------");
    String token = Files.readString(file).strip();
    assertThat(token).startsWith("ghk_");
    RawHttp.Head head =
        RawHttp.sendTo(
            nonLoopbackAddress(),
            gatehouse.port(),
            "GET /status HTTP/1.1",
            "Host: tool.example.com",
            "Authorization: Bearer " + token);
    assertThat(head.status()).isEqualTo(200);
    assertThat(upstream.last().header("X-Tool-Context")).contains("\"credential\":\"api_key\"");

    gatehouse.restart();
    assertThat(Files.readString(file).strip()).as("kept across restarts").isEqualTo(token);
    Files.delete(file);
    gatehouse.restart();
    assertThat(Files.readString(file).strip()).isNotEqualTo(token);
    assertThat(
            RawHttp.sendTo(
                    nonLoopbackAddress(),
                    gatehouse.port(),
                    "GET /status HTTP/1.1",
                    "Host: tool.example.com",
                    "Authorization: Bearer " + token)
                .status())
        .as("a deleted token's key is revoked")
        .isEqualTo(401);
  }

  @Test
  void theBypassIsRefusedBesideALoopbackTrustedProxy() {
    assertThatThrownBy(
            () ->
                ConfigLoader.load(
                    Optional.empty(),
                    Map.of(
                        "GATEHOUSE_SERVER_LOCALHOST_BYPASS", "true",
                        "GATEHOUSE_SERVER_PUBLIC_URL", "https://auth.example.com")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("server.localhost-bypass")
        .hasMessageContaining("server.trusted-proxies");
  }

  /** An address of this machine that is not loopback, so its connections are not local. */
  private static InetAddress nonLoopbackAddress() throws Exception {
    for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
      if (!nic.isUp() || nic.isLoopback()) {
        continue;
      }
      for (InetAddress address : Collections.list(nic.getInetAddresses())) {
        if (address instanceof Inet4Address && !address.isLoopbackAddress()) {
          return address;
        }
      }
    }
    assumeThat(false).as("this machine has a non-loopback IPv4 address").isTrue();
    throw new AssertionError("unreachable");
  }
}
