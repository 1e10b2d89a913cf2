package dev.gatehouse.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.identity.User;
import dev.gatehouse.testing.TestChromium;
import dev.gatehouse.testing.TestGatehouse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.virtualauthenticator.VirtualAuthenticator;

/** A real Chromium completes first-run setup, signs in and signs out. */
class FirstRunBrowserTest {
  @TempDir Path dir;

  @Test
  void setupSignInAndSignOutInChromium() throws Exception {
    ChromeDriver browser = TestChromium.start();
    try (TestGatehouse gatehouse = TestGatehouse.startForBrowser(dir)) {
      String origin = gatehouse.publicOrigin();
      String token = gatehouse.app().setup().issueIfNeeded().orElseThrow();

      browser.get(origin + "/setup?token=" + token);
      assertThat(browser.getTitle()).isEqualTo("Set up Gatehouse · Gatehouse");
      browser.findElement(By.id("username")).sendKeys("root");
      browser.findElement(By.id("display_name")).sendKeys("Root Admin");
      browser.findElement(By.id("password")).sendKeys("a long enough passphrase");
      screenshot(browser, "setup.png");
      browser.findElement(By.cssSelector("button[type=submit]")).click();

      TestChromium.awaitUrl(browser, origin + "/login?setup=done");
      assertThat(browser.findElement(By.cssSelector(".notice")).getText())
          .contains("administrator account is ready");
      browser.findElement(By.id("username")).sendKeys("root");
      browser.findElement(By.id("password")).sendKeys("a long enough passphrase");
      screenshot(browser, "login.png");
      browser.findElement(By.cssSelector("button[type=submit]")).click();

      TestChromium.awaitUrl(browser, origin + "/");
      assertThat(browser.findElement(By.id("signed-in-user")).getText()).isEqualTo("root");
      screenshot(browser, "home.png");
      browser.findElement(By.cssSelector("form[action='/logout'] button")).click();

      TestChromium.awaitUrl(browser, origin + "/login?signed_out=1");
      browser.get(origin + "/");
      assertThat(browser.getCurrentUrl()).isEqualTo(origin + "/login");
    } finally {
      browser.quit();
    }
  }

  @Test
  void theFirstAdministratorCanChooseAPasskeyAndNoPasswordAtSetup() throws Exception {
    ChromeDriver browser = TestChromium.start();
    try (TestGatehouse gatehouse = TestGatehouse.startForBrowser(dir)) {
      String origin = gatehouse.publicOrigin();
      String token = gatehouse.app().setup().issueIfNeeded().orElseThrow();
      VirtualAuthenticator authenticator = TestChromium.addPasskeyAuthenticator(browser);

      browser.get(origin + "/setup?token=" + token);
      browser.findElement(By.id("username")).sendKeys("root");
      browser.findElement(By.id("setup-passkey")).click();
      TestChromium.awaitUrl(browser, origin + "/account?done=setup-passkey");
      assertThat(browser.findElement(By.id("account-notice")).getText()).contains("passkey");
      browser.findElement(By.id("passkey-name")).sendKeys("Admin laptop");
      browser.findElement(By.id("add-passkey")).click();
      TestChromium.awaitElement(browser, By.cssSelector("#passkeys .passkey-name"));
      assertThat(authenticator.getCredentials()).hasSize(1);

      User root = gatehouse.app().directory().findByUsername("root").orElseThrow();
      assertThat(root.admin()).isTrue();
      assertThat(gatehouse.app().accounts().hasPassword(root.id())).isFalse();
      assertThat(gatehouse.app().setup().isUsable(token)).as("the link is used up").isFalse();

      browser.get(origin + "/");
      browser.findElement(By.cssSelector("form[action='/logout'] button")).click();
      TestChromium.awaitUrl(browser, origin + "/login?signed_out=1");
      browser.findElement(By.id("passkey-signin")).click();
      TestChromium.awaitUrl(browser, origin + "/");
      assertThat(browser.findElement(By.id("signed-in-user")).getText()).isEqualTo("root");
    } finally {
      browser.quit();
    }
  }

  private static void screenshot(ChromeDriver browser, String name) throws Exception {
    Path target = Path.of("target", "screenshots");
    Files.createDirectories(target);
    Files.move(
        browser.getScreenshotAs(OutputType.FILE).toPath(),
        target.resolve(name),
        StandardCopyOption.REPLACE_EXISTING);
  }
}
