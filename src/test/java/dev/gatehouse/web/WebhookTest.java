package dev.gatehouse.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.gatehouse.identity.User;
import dev.gatehouse.testing.MutableClock;
import dev.gatehouse.testing.TestDatabases;
import dev.gatehouse.testing.TestGatehouse;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Security events reach a webhook as JSON, without a secret in them. */
class WebhookTest {
  @TempDir Path dir;

  @Test
  void signInsAndFailuresArePostedAsJson() throws Exception {
    BlockingQueue<String> received = new LinkedBlockingQueue<>();
    HttpServer hook =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
    hook.createContext(
        "/hook",
        exchange -> {
          received.add(
              new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
          exchange.sendResponseHeaders(204, -1);
          exchange.close();
        });
    hook.start();
    try (TestGatehouse gatehouse =
        TestGatehouse.start(
            TestDatabases.Kind.SQLITE,
            dir,
            MutableClock.atFixedInstant(),
            Map.of(
                "GATEHOUSE_AUDIT_WEBHOOK_URL",
                "http://127.0.0.1:" + hook.getAddress().getPort() + "/hook"))) {
      User user = gatehouse.app().directory().addUser("hank", Optional.empty(), "", false);
      gatehouse.app().accounts().setPassword(user, "hank's long passphrase");
      assertThat(received.poll(5, TimeUnit.SECONDS))
          .contains("\"event\":\"password.set\"", "\"username\":\"hank\"");
      gatehouse.browser().signIn("hank", "hank's long passphrase");
      assertThat(received.poll(5, TimeUnit.SECONDS))
          .contains("\"event\":\"signin.success\"", "\"detail\":\"pwd\"");
      gatehouse.browser().signIn("hank", "a wrong passphrase here");
      String failure = received.poll(5, TimeUnit.SECONDS);
      assertThat(failure)
          .contains("\"event\":\"signin.failure\"")
          .doesNotContain("wrong passphrase");
    } finally {
      hook.stop(0);
    }
  }
}
