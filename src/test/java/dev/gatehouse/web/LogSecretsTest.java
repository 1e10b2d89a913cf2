package dev.gatehouse.web;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import dev.gatehouse.testing.MutableClock;
import dev.gatehouse.testing.TestBrowser;
import dev.gatehouse.testing.TestDatabases;
import dev.gatehouse.testing.TestGatehouse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** No password, token, session id or CSRF value ever reaches a log line. */
class LogSecretsTest {
  @TempDir Path dir;

  @Test
  void aWholeFlowLogsNoSecret() throws Exception {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    ListAppender<ILoggingEvent> captured = new ListAppender<>();
    captured.setContext(context);
    captured.start();
    root.addAppender(captured);
    ch.qos.logback.classic.Level before = root.getLevel();
    root.setLevel(ch.qos.logback.classic.Level.TRACE);
    List<String> secrets = new ArrayList<>();
    String password = "a very secret passphrase 123";
    secrets.add(password);
    try (TestGatehouse gatehouse =
        TestGatehouse.start(
            TestDatabases.Kind.SQLITE, dir, MutableClock.atFixedInstant(), Map.of())) {
      String token = gatehouse.app().setup().issueIfNeeded().orElseThrow();
      secrets.add(token);
      TestBrowser browser = gatehouse.browser();
      browser.get("/setup?token=" + token);
      secrets.add(browser.csrf());
      browser.post("/setup", Map.of("token", token, "username", "root", "password", password));
      browser.signIn("root", "wrong " + password);
      browser.signIn("nobody", password);
      browser.signIn("root", password);
      secrets.add(browser.sessionCookie().orElseThrow());
      browser.get("/");
      secrets.add(browser.csrf());
      browser.postRaw(
          "/logout",
          Map.of("csrf", "forged-" + password),
          java.util.Optional.of("https://evil.example"));
      browser.post("/logout", Map.of());
      browser.get(
          "/login?rd="
              + java.net.URLEncoder.encode(
                  "https://evil.com/" + password, java.nio.charset.StandardCharsets.UTF_8));
    } finally {
      root.detachAppender(captured);
      root.setLevel(before);
    }
    assertThat(captured.list).isNotEmpty();
    for (ILoggingEvent event : captured.list) {
      String line =
          event.getFormattedMessage()
              + (event.getThrowableProxy() == null
                  ? ""
                  : ThrowableProxyUtil.asString(event.getThrowableProxy()));
      for (String secret : secrets) {
        assertThat(line).as("log line from %s", event.getLoggerName()).doesNotContain(secret);
      }
    }
  }
}
