package dev.gatehouse.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.identity.User;
import dev.gatehouse.testing.TestChromium;
import dev.gatehouse.testing.TestGatehouse;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.virtualauthenticator.Credential;
import org.openqa.selenium.virtualauthenticator.VirtualAuthenticator;

/** Passkeys in a real Chromium with a virtual WebAuthn authenticator (user verification on). */
class PasskeyBrowserTest {
  static final String PASSWORD = "correct horse battery staple";

  @TempDir Path dir;

  @Test
  void registerAPasskeySignOutSignInWithoutAUsernameAndRemoveIt() throws Exception {
    ChromeDriver browser = TestChromium.start();
    try (TestGatehouse gatehouse = TestGatehouse.startForBrowser(dir)) {
      String origin = gatehouse.publicOrigin();
      User alice = gatehouse.app().directory().addUser("alice", Optional.empty(), "Alice", false);
      gatehouse.app().accounts().setPassword(alice, PASSWORD);
      VirtualAuthenticator authenticator = TestChromium.addPasskeyAuthenticator(browser);

      TestChromium.signInWithPassword(browser, origin, "alice", PASSWORD);
      browser.get(origin + "/account");
      browser.findElement(By.id("passkey-name")).sendKeys("Test laptop");
      browser.findElement(By.id("add-passkey")).click();
      TestChromium.awaitElement(browser, By.cssSelector("#passkeys .passkey-name"));
      assertThat(browser.findElement(By.cssSelector("#passkeys .passkey-name")).getText())
          .isEqualTo("Test laptop");
      assertThat(authenticator.getCredentials()).hasSize(1);
      assertThat(gatehouse.app().passkeys().list(alice.id())).hasSize(1);

      browser.get(origin + "/");
      browser.findElement(By.cssSelector("form[action='/logout'] button")).click();
      TestChromium.awaitUrl(browser, origin + "/login?signed_out=1");

      browser.findElement(By.id("passkey-signin")).click();
      TestChromium.awaitUrl(browser, origin + "/");
      assertThat(browser.findElement(By.id("signed-in-user")).getText()).isEqualTo("alice");
      assertThat(gatehouse.app().sessions().list(Optional.of(alice.id())))
          .anySatisfy(s -> assertThat(s.amr()).contains("hwk", "mfa"));

      browser.get(origin + "/account");
      browser.findElement(By.cssSelector("#passkeys form button")).click();
      TestChromium.awaitElement(browser, By.id("no-passkeys"));
      assertThat(gatehouse.app().passkeys().list(alice.id())).isEmpty();

      browser.get(origin + "/");
      browser.findElement(By.cssSelector("form[action='/logout'] button")).click();
      TestChromium.awaitUrl(browser, origin + "/login?signed_out=1");
      browser.findElement(By.id("passkey-signin")).click();
      TestChromium.awaitElement(browser, By.cssSelector("#passkey-error:not([hidden])"));
      assertThat(browser.getCurrentUrl()).isEqualTo(origin + "/login?signed_out=1");
    } finally {
      browser.quit();
    }
  }

  @Test
  void anotherUsersPasskeyCannotSignInAsThisUserEvenWithItsUserHandle() throws Exception {
    ChromeDriver browser = TestChromium.start();
    try (TestGatehouse gatehouse = TestGatehouse.startForBrowser(dir)) {
      String origin = gatehouse.publicOrigin();
      User alice = gatehouse.app().directory().addUser("alice", Optional.empty(), "", false);
      User bob = gatehouse.app().directory().addUser("bob", Optional.empty(), "", false);
      gatehouse.app().accounts().setPassword(bob, PASSWORD);
      VirtualAuthenticator authenticator = TestChromium.addPasskeyAuthenticator(browser);
      TestChromium.signInWithPassword(browser, origin, "bob", PASSWORD);
      browser.get(origin + "/account");
      browser.findElement(By.id("add-passkey")).click();
      TestChromium.awaitElement(browser, By.cssSelector("#passkeys .passkey-name"));

      // Bob's own key, relabelled with Alice's user handle: what a malicious authenticator could
      // send.
      Credential bobs = authenticator.getCredentials().get(0);
      authenticator.removeAllCredentials();
      authenticator.addCredential(
          Credential.createResidentCredential(
              bobs.getId(),
              "localhost",
              bobs.getPrivateKey(),
              HexFormat.of().parseHex(alice.id().value()),
              bobs.getSignCount() + 1));

      browser.get(origin + "/");
      browser.findElement(By.cssSelector("form[action='/logout'] button")).click();
      TestChromium.awaitUrl(browser, origin + "/login?signed_out=1");
      browser.findElement(By.id("passkey-signin")).click();
      TestChromium.awaitElement(browser, By.cssSelector("#passkey-error:not([hidden])"));
      assertThat(browser.getCurrentUrl()).isEqualTo(origin + "/login?signed_out=1");
      assertThat(gatehouse.app().sessions().list(Optional.of(alice.id()))).isEmpty();
    } finally {
      browser.quit();
    }
  }
}
