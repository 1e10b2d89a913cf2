package dev.gatehouse.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Debian's headless Chromium driven through Debian's chromedriver (never a downloaded browser).
 * Skipped with a message when they are not installed, unless {@code
 * GATEHOUSE_TEST_BROWSER=required} (CI).
 */
public final class TestChromium {
  private static final File CHROMIUM = new File("/usr/bin/chromium");
  private static final File DRIVER = new File("/usr/bin/chromedriver");

  private TestChromium() {}

  /** A fresh headless browser with an empty profile. */
  public static ChromeDriver start() throws IOException {
    return start(new String[0]);
  }

  /**
   * A fresh headless browser that resolves every host name to 127.0.0.1 and accepts the self-signed
   * certificate Gatehouse makes: sites on several real-looking domains ({@code auth.example.com},
   * {@code app.example.org}) on one loopback port.
   */
  public static ChromeDriver startForDomains() throws IOException {
    return start("--host-resolver-rules=MAP * 127.0.0.1", "--ignore-certificate-errors");
  }

  private static ChromeDriver start(String... extra) throws IOException {
    boolean present = CHROMIUM.canExecute() && DRIVER.canExecute();
    if (!present && "required".equals(System.getenv("GATEHOUSE_TEST_BROWSER"))) {
      throw new IllegalStateException(
          "Chromium is required but /usr/bin/chromium or /usr/bin/chromedriver is missing");
    }
    if (!present) {
      System.err.println("SKIPPED browser test: install chromium and chromium-driver");
    }
    assumeTrue(present, "chromium and chromium-driver are not installed");
    Path profile = Files.createTempDirectory("gatehouse-chromium");
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM);
    options.addArguments(
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=420,900",
        "--user-data-dir=" + profile);
    options.addArguments(extra);
    ChromeDriverService service =
        new ChromeDriverService.Builder().usingDriverExecutable(DRIVER).usingAnyFreePort().build();
    return new ChromeDriver(service, options);
  }

  /** Waits (up to 10 s) for the navigation a click started to land on {@code url}. */
  public static void awaitUrl(ChromeDriver browser, String url) throws InterruptedException {
    for (int i = 0; i < 100 && !url.equals(browser.getCurrentUrl()); i++) {
      Thread.sleep(100);
    }
    org.assertj.core.api.Assertions.assertThat(browser.getCurrentUrl()).isEqualTo(url);
  }

  /** Waits (up to 10 s) for an element to appear. */
  public static void awaitElement(ChromeDriver browser, org.openqa.selenium.By selector)
      throws InterruptedException {
    for (int i = 0; i < 100 && browser.findElements(selector).isEmpty(); i++) {
      Thread.sleep(100);
    }
    org.assertj.core.api.Assertions.assertThat(browser.findElements(selector))
        .as("%s on %s", selector, browser.getCurrentUrl())
        .isNotEmpty();
  }

  /** A virtual platform authenticator that holds passkeys and verifies the user. */
  public static org.openqa.selenium.virtualauthenticator.VirtualAuthenticator
      addPasskeyAuthenticator(ChromeDriver browser) {
    return browser.addVirtualAuthenticator(
        new org.openqa.selenium.virtualauthenticator.VirtualAuthenticatorOptions()
            .setProtocol(
                org.openqa.selenium.virtualauthenticator.VirtualAuthenticatorOptions.Protocol.CTAP2)
            .setTransport(
                org.openqa.selenium.virtualauthenticator.VirtualAuthenticatorOptions.Transport
                    .INTERNAL)
            .setHasResidentKey(true)
            .setHasUserVerification(true)
            .setIsUserVerified(true)
            .setIsUserConsenting(true));
  }

  /** Signs in through the portal's password form and waits for the start page. */
  public static void signInWithPassword(
      ChromeDriver browser, String origin, String username, String password)
      throws InterruptedException {
    browser.get(origin + "/login");
    browser.findElement(org.openqa.selenium.By.id("username")).sendKeys(username);
    browser.findElement(org.openqa.selenium.By.id("password")).sendKeys(password);
    browser
        .findElement(
            org.openqa.selenium.By.cssSelector("form[action='/login'] button[type=submit]"))
        .click();
    awaitUrl(browser, origin + "/");
  }
}
