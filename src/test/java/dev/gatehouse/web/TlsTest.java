package dev.gatehouse.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.testing.EchoUpstream;
import dev.gatehouse.testing.MutableClock;
import dev.gatehouse.testing.RawHttp;
import dev.gatehouse.testing.TestDatabases;
import dev.gatehouse.testing.TestGatehouse;
import dev.gatehouse.testing.TestProxy;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Gatehouse serving HTTPS itself (server.tls): the self-signed certificate it makes (names, file
 * permissions, kept across restarts), the operator's PEM files made by openssl (served, and a
 * replacement picked up without a restart while a broken one is not), and the plain port that only
 * redirects to the public URL. Checked from outside with the JDK's TLS client.
 */
class TlsTest {
  @TempDir Path dir;
  private TestGatehouse gatehouse;

  @AfterEach
  void stop() {
    if (gatehouse != null) {
      gatehouse.close();
    }
  }

  @Test
  void aSelfSignedCertificateNamesThePublicHostAndLoopbackIsPrivateAndKeptAcrossRestarts()
      throws Exception {
    int port = TestProxy.freePort();
    gatehouse =
        start(
            port,
            "https://gatehouse.test:" + port,
            Map.of(
                "GATEHOUSE_PROXY_ROUTES",
                "[{from: 'https://app.gatehouse.test', to: 'http://127.0.0.1:9', auth: none}]"));
    Path tls = dir.resolve("data/tls");
    assertThat(Files.getPosixFilePermissions(tls))
        .isEqualTo(PosixFilePermissions.fromString("rwx------"));
    assertThat(Files.getPosixFilePermissions(tls.resolve("self-signed.key")))
        .isEqualTo(PosixFilePermissions.fromString("rw-------"));

    X509Certificate served = served(port, "localhost");
    List<String> names = new ArrayList<>();
    served.getSubjectAlternativeNames().forEach(n -> names.add(String.valueOf(n.get(1))));
    assertThat(names)
        .contains(
            "gatehouse.test", "app.gatehouse.test", "localhost", "127.0.0.1", "0:0:0:0:0:0:0:1");

    // A client that trusts exactly that certificate gets the portal, with HSTS.
    HttpResponse<String> login = trusting(served, "https://localhost:" + port + "/login");
    assertThat(login.statusCode()).isEqualTo(200);
    assertThat(login.headers().firstValue("Strict-Transport-Security")).isPresent();

    gatehouse.restart();
    assertThat(served(port, "localhost").getEncoded())
        .as("the same certificate after a restart")
        .isEqualTo(served.getEncoded());
  }

  @Test
  void anAppServedThroughProxyModeOverTlsGetsHsts() throws Exception {
    try (EchoUpstream upstream = EchoUpstream.start()) {
      int port = TestProxy.freePort();
      gatehouse =
          start(
              port,
              "https://gatehouse.test:" + port,
              Map.of(
                  "GATEHOUSE_PROXY_ROUTES",
                  "[{from: 'https://localhost', to: 'http://"
                      + upstream.address()
                      + "', auth: none}]",
                  "GATEHOUSE_ACCESS_RULES",
                  "[{hosts: [localhost], policy: bypass}]"));
      X509Certificate served = served(port, "localhost");
      HttpResponse<String> page = trusting(served, "https://localhost:" + port + "/page");
      assertThat(page.statusCode()).isEqualTo(200);
      assertThat(page.headers().firstValue("Strict-Transport-Security"))
          .hasValue("max-age=31536000");
      assertThat(upstream.last().header("X-Forwarded-Proto")).isEqualTo("https");
    }
  }

  @Test
  void theOperatorsPemFilesAreServedAndAReplacementTakesEffectWithoutARestart() throws Exception {
    Path cert = dir.resolve("tls.crt");
    Path key = dir.resolve("tls.key");
    openssl("one", cert, key);
    int port = TestProxy.freePort();
    gatehouse =
        start(
            port,
            "https://localhost:" + port,
            Map.of(
                "GATEHOUSE_SERVER_TLS_CERT_FILE", cert.toString(),
                "GATEHOUSE_SERVER_TLS_KEY_FILE", key.toString()));
    assertThat(served(port, "localhost").getSubjectX500Principal().getName()).isEqualTo("CN=one");
    assertThat(
            trusting(served(port, "localhost"), "https://localhost:" + port + "/login")
                .statusCode())
        .isEqualTo(200);

    // A broken replacement is not served; the working certificate stays.
    Files.writeString(cert, "-----BEGIN CERTIFICATE-----\nnot a certificate\n");
    Thread.sleep(3000);
    assertThat(served(port, "localhost").getSubjectX500Principal().getName()).isEqualTo("CN=one");

    // A renewed certificate is picked up within seconds.
    Path newCert = dir.resolve("new.crt");
    Path newKey = dir.resolve("new.key");
    openssl("two", newCert, newKey);
    Files.move(newKey, key, StandardCopyOption.REPLACE_EXISTING);
    Files.move(newCert, cert, StandardCopyOption.REPLACE_EXISTING);
    String subject = "";
    for (int i = 0; i < 50 && !subject.equals("CN=two"); i++) {
      Thread.sleep(200);
      subject = served(port, "localhost").getSubjectX500Principal().getName();
    }
    assertThat(subject).isEqualTo("CN=two");
  }

  @Test
  void thePlainPortOnlyRedirectsToThePublicUrlOrAProxiedAppsNeverAnotherHost() throws Exception {
    int port = TestProxy.freePort();
    gatehouse =
        start(
            port,
            "https://localhost:" + port,
            Map.of(
                "GATEHOUSE_SERVER_HTTP_REDIRECT_LISTEN",
                "127.0.0.1:0",
                "GATEHOUSE_PROXY_ROUTES",
                "[{from: 'https://app.gatehouse.test:"
                    + port
                    + "', to: 'http://127.0.0.1:9',"
                    + " auth: none}]"));
    RawHttp.Head toApp =
        RawHttp.send(
            gatehouse.redirectPort(), "GET /docs?x=1 HTTP/1.1", "Host: APP.gatehouse.test");
    assertThat(toApp.hasHeader("Location", "https://app.gatehouse.test:" + port + "/docs?x=1"))
        .as("a link to a proxied app keeps its app")
        .isTrue();
    RawHttp.Head head =
        RawHttp.send(
            gatehouse.redirectPort(), "GET /account?tab=sessions HTTP/1.1", "Host: evil.example");
    assertThat(head.status()).isEqualTo(308);
    assertThat(head.hasHeader("Location", "https://localhost:" + port + "/account?tab=sessions"))
        .as(head.text())
        .isTrue();
    RawHttp.Head post =
        RawHttp.send(
            gatehouse.redirectPort(),
            "POST /login HTTP/1.1",
            "Host: localhost",
            "Content-Length: 0");
    assertThat(post.status()).isEqualTo(308);
  }

  @Test
  void behindAProxyOnAnotherPortGatehouseStaysOnPlainHttp() throws Exception {
    // The default test set-up: public URL https://auth.example.com (port 443), listening elsewhere.
    gatehouse =
        TestGatehouse.start(
            TestDatabases.Kind.SQLITE,
            dir.resolve("data"),
            new MutableClock(Clock.systemUTC().instant()),
            Map.of());
    HttpResponse<String> plain =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(gatehouse.baseUrl() + "/login")).build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(plain.statusCode()).isEqualTo(200);
    assertThat(Files.exists(dir.resolve("data/tls"))).isFalse();
  }

  private TestGatehouse start(int port, String publicUrl, Map<String, String> extra)
      throws Exception {
    Map<String, String> settings = new HashMap<>(extra);
    settings.put("GATEHOUSE_SERVER_LISTEN", "127.0.0.1:" + port);
    settings.put("GATEHOUSE_SERVER_PUBLIC_URL", publicUrl);
    settings.put("GATEHOUSE_SESSION_COOKIE_DOMAIN", "");
    return TestGatehouse.start(
        TestDatabases.Kind.SQLITE,
        dir.resolve("data"),
        new MutableClock(Clock.systemUTC().instant()),
        settings);
  }

  /** The leaf certificate the server presents for {@code serverName}, trusting nothing. */
  private static X509Certificate served(int port, String serverName) throws Exception {
    X509Certificate[] seen = new X509Certificate[1];
    TrustManager recorder =
        new X509TrustManager() {
          @Override
          public void checkClientTrusted(X509Certificate[] chain, String authType) {
            throw new UnsupportedOperationException();
          }

          @Override
          public void checkServerTrusted(X509Certificate[] chain, String authType) {
            seen[0] = chain[0];
          }

          @Override
          public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
          }
        };
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, new TrustManager[] {recorder}, null);
    try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket(serverName, port)) {
      socket.startHandshake();
    }
    return seen[0];
  }

  /** GET {@code url} with a client that trusts {@code certificate} alone (and checks the name). */
  private static HttpResponse<String> trusting(X509Certificate certificate, String url)
      throws Exception {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("gatehouse", certificate);
    TrustManagerFactory factory =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    factory.init(trust);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, factory.getTrustManagers(), null);
    return HttpClient.newBuilder()
        .sslContext(context)
        .build()
        .send(
            HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** A P-256 certificate for localhost made by openssl, as an operator would. */
  private static void openssl(String name, Path cert, Path key) throws Exception {
    Process process =
        new ProcessBuilder(
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-nodes",
                "-keyout",
                key.toString(),
                "-out",
                cert.toString(),
                "-days",
                "2",
                "-subj",
                "/CN=" + name,
                "-addext",
                "subjectAltName=DNS:localhost,IP:127.0.0.1")
            .redirectErrorStream(true)
            .start();
    String output =
        new String(
            process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as(output).isZero();
    CertificateFactory.getInstance("X.509")
        .generateCertificate(new ByteArrayInputStream(Files.readAllBytes(cert)));
  }
}
