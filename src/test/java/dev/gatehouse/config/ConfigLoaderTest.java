package dev.gatehouse.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatehouse.signin.magiclink.Registrations;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConfigLoaderTest {
  @TempDir Path dir;

  @Test
  void defaultsNeedNothing() {
    GatehouseConfig config = ConfigLoader.load(Optional.empty(), Map.of());
    assertThat(config.dataDir()).isEqualTo(Path.of("./data"));
    assertThat(config.server().listenHost()).isEqualTo("127.0.0.1");
    assertThat(config.server().listenPort()).isEqualTo(9091);
    assertThat(config.server().publicOrigin()).isEqualTo("http://localhost:9091");
    assertThat(config.server().trustedProxies()).hasSize(2);
    assertThat(config.database().url()).isEmpty();
    assertThat(config.session().idleTimeout()).isEqualTo(Duration.ofHours(1));
    assertThat(config.session().absoluteTimeout()).isEqualTo(Duration.ofHours(24));
    assertThat(config.password().argon2MemoryKib()).isGreaterThanOrEqualTo(19456);
    assertThat(config.password().argon2Iterations()).isGreaterThanOrEqualTo(2);
  }

  @Test
  void yamlNestedKeysAreRead() throws IOException {
    Path file = dir.resolve("gatehouse.yml");
    Files.writeString(
        file,
        """
        server:
          public-url: https://auth.example.com
          trusted-proxies: [10.0.0.0/8, 192.168.1.1]
        session:
          cookie-domain: example.com
          idle-timeout: 30m
        """);
    GatehouseConfig config = ConfigLoader.load(Optional.of(file), Map.of());
    assertThat(config.server().publicOrigin()).isEqualTo("https://auth.example.com");
    assertThat(config.server().secure()).isTrue();
    assertThat(config.server().trustedProxies())
        .extracting(Object::toString)
        .containsExactly("10.0.0.0/8", "192.168.1.1");
    assertThat(config.session().cookieDomain()).contains("example.com");
    assertThat(config.session().idleTimeout()).isEqualTo(Duration.ofMinutes(30));
  }

  @Test
  void environmentOverridesTheFile() throws IOException {
    Path file = dir.resolve("gatehouse.yml");
    Files.writeString(file, "session:\n  idle-timeout: 30m\n");
    GatehouseConfig config =
        ConfigLoader.load(
            Optional.of(file),
            Map.of(
                "GATEHOUSE_SESSION_IDLE_TIMEOUT",
                "2h",
                "GATEHOUSE_SERVER_TRUSTED_PROXIES",
                "10.1.0.0/16, ::1"));
    assertThat(config.session().idleTimeout()).isEqualTo(Duration.ofHours(2));
    assertThat(config.server().trustedProxies())
        .extracting(Object::toString)
        .containsExactly("10.1.0.0/16", "::1");
  }

  @Test
  void secretsCanComeFromFilesAndNeverShowInMessages() throws IOException {
    Path secret = dir.resolve("db-password");
    Files.writeString(secret, "s3cret-value\n");
    GatehouseConfig config =
        ConfigLoader.load(
            Optional.empty(), Map.of("GATEHOUSE_DATABASE_PASSWORD_FILE", secret.toString()));
    assertThat(config.database().password().reveal()).isEqualTo("s3cret-value");
    assertThat(config.database().password().toString()).doesNotContain("s3cret");
    assertThat(config.toString()).doesNotContain("s3cret");

    assertThatThrownBy(
            () ->
                ConfigLoader.load(
                    Optional.empty(),
                    Map.of(
                        "GATEHOUSE_DATABASE_PASSWORD",
                        "x",
                        "GATEHOUSE_DATABASE_PASSWORD_FILE",
                        secret.toString())))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("database.password-file");
  }

  @ParameterizedTest(name = "{0}={1} is refused naming the key")
  @CsvSource(
      delimiter = '|',
      value = {
        "GATEHOUSE_SERVER_LISTEN|localhost|server.listen",
        "GATEHOUSE_SERVER_LISTEN|127.0.0.1:99999|server.listen",
        "GATEHOUSE_SERVER_PUBLIC_URL|http://auth.example.com|server.public-url",
        "GATEHOUSE_SERVER_PUBLIC_URL|https://auth.example.com/path|server.public-url",
        "GATEHOUSE_SERVER_PUBLIC_URL|https://user@auth.example.com|server.public-url",
        "GATEHOUSE_SERVER_TRUSTED_PROXIES|10.0.0.0/33|server.trusted-proxies",
        "GATEHOUSE_SERVER_TRUSTED_PROXIES|proxy.example.com|server.trusted-proxies",
        "GATEHOUSE_SESSION_IDLE_TIMEOUT|forever|session.idle-timeout",
        "GATEHOUSE_SESSION_ABSOLUTE_TIMEOUT|30m|session.absolute-timeout",
        "GATEHOUSE_SESSION_COOKIE_DOMAIN|other.org|session.cookie-domain",
        "GATEHOUSE_SESSION_COOKIE_NAME|bad name|session.cookie-name",
        "GATEHOUSE_PASSWORD_ARGON2_MEMORY_KIB|1024|password.argon2-memory-kib",
        "GATEHOUSE_PASSWORD_ARGON2_ITERATIONS|1|password.argon2-iterations",
        "GATEHOUSE_PASSWORD_MIN_LENGTH|4|password.min-length",
        "GATEHOUSE_DATABASE_URL|mysql://x|database.url",
        "GATEHOUSE_DATABASE_POOL_SIZE|0|database.pool-size",
        "GATEHOUSE_LOG_FORMAT|xml|log.format",
        "GATEHOUSE_LOG_LEVEL|loud|log.level",
        "GATEHOUSE_REGISTRATION_POLICY|everyone|registration.policy",
        "GATEHOUSE_REGISTRATION_DOMAINS|not a domain|registration.domains",
        "GATEHOUSE_SERVER_TLS|sometimes|server.tls",
        "GATEHOUSE_SERVER_TLS_CERT_FILE|/nonexistent/tls.crt|server.tls-cert-file",
        "GATEHOUSE_SERVER_HTTP_REDIRECT_LISTEN|80|server.http-redirect-listen",
      })
  void badValuesNameTheKeyTheValueAndWhatIsAllowed(String variable, String value, String key) {
    assertThatThrownBy(() -> ConfigLoader.load(Optional.empty(), Map.of(variable, value)))
        .isInstanceOf(ConfigException.class)
        .satisfies(e -> assertThat(((ConfigException) e).key()).isEqualTo(key))
        .hasMessageContaining(key)
        .hasMessageContaining(value)
        .hasMessageContaining("must");
  }

  @ParameterizedTest(name = "more-domains {0} is refused: {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "[{domain: example.org, portal-url: 'http://auth.example.org'}]|https origin",
        "[{domain: example.org, portal-url: 'https://auth.example.net'}]|must be a host inside",
        "[{domain: example.org, portal-url: 'https://auth.example.org/x'}]|https origin",
        "[{domain: example.org}]|https origin",
        "[{domain: org, portal-url: 'https://auth.org'}]|at least two labels",
        "[{domain: example.com, portal-url: 'https://a.example.com'}]|holds the portal",
        "[{domain: example.org, portal-url: 'https://a.example.org'},"
            + " {domain: example.org, portal-url: 'https://b.example.org'}]|overlaps",
        "[{domain: sub.example.org, portal-url: 'https://a.sub.example.org'},"
            + " {domain: example.org, portal-url: 'https://a.example.org'}]|overlaps",
        "[{domain: example.org, portal-url: 'https://a.example.org', cookie: x}]|unknown field",
        "[{domain: co.uk, portal-url: 'https://auth.co.uk'}]|public suffix",
        "[{domain: github.io, portal-url: 'https://me.github.io'}]|public suffix",
        "[{domain: 10.0.0.1, portal-url: 'https://10.0.0.1'}]|public suffix",
      })
  void furtherCookieDomainsMustBeDistinctWithAnHttpsPortalInside(String value, String why) {
    Map<String, String> env =
        Map.of(
            "GATEHOUSE_SERVER_PUBLIC_URL",
            "https://auth.example.com",
            "GATEHOUSE_SESSION_MORE_DOMAINS",
            value);
    assertThatThrownBy(() -> ConfigLoader.load(Optional.empty(), env))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("session.more-domains")
        .hasMessageContaining(why);
  }

  @Test
  void aMisspeltFieldIsNamedButItsValueNeverShownForItMayBeASecret() {
    assertThatThrownBy(
            () ->
                ConfigLoader.load(
                    Optional.empty(),
                    Map.of(
                        "GATEHOUSE_OIDC_CLIENTS",
                        "[{id: app, secret: hunter2hunter2supersecret,"
                            + " redirect-uris: ['https://app.example.com/cb']}]")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("unknown field oidc.clients[0].secret")
        .hasMessageContaining("secret-file")
        .hasMessageNotContaining("hunter2");
  }

  @Test
  void theEffectiveSettingsShowNoSecretButEverythingElse() {
    String hash = "ab".repeat(32);
    GatehouseConfig config =
        ConfigLoader.load(
            Optional.empty(),
            Map.of(
                "GATEHOUSE_SERVER_PUBLIC_URL", "https://auth.example.com",
                "GATEHOUSE_DATABASE_URL",
                    "jdbc:postgresql://db.example.com/gh?user=gh&password=hunter2hunter2",
                "GATEHOUSE_DATABASE_PASSWORD", "swordfish-swordfish",
                "GATEHOUSE_AUDIT_WEBHOOK_URL",
                    "https://hooks.example.com/services/T0/B0/PATHSECRET?sig=SIGSECRET",
                "GATEHOUSE_OIDC_CLIENTS",
                    "[{id: app, secret-sha256: '"
                        + hash
                        + "', access-token-lifetime: 5m,"
                        + " redirect-uris: ['https://app.example.com/cb']}]"));
    Map<String, GatehouseConfig.Setting> settings = new java.util.HashMap<>();
    config.settings().forEach(setting -> settings.put(setting.key(), setting));
    assertThat(config.settings().toString())
        .doesNotContain("hunter2")
        .doesNotContain("swordfish")
        .doesNotContain(hash)
        .doesNotContain("PATHSECRET")
        .doesNotContain("SIGSECRET");
    assertThat(settings.get("database.password").value()).isEqualTo("set");
    assertThat(settings.get("audit.webhook-url").value()).isEqualTo("set");
    assertThat(config.auditWebhook())
        .hasValueSatisfying(u -> assertThat(u).hasPath("/services/T0/B0/PATHSECRET"));
    assertThat(settings.get("oidc.clients").value()).contains("\"access-token-lifetime\":\"5m\"");
    assertThat(settings.get("session.idle-timeout").changed()).isFalse();
    assertThat(settings).hasSize(ConfigKeys.ALL.size());
  }

  @Test
  void furtherCookieDomainsAreReadAndTheirPortalsCannotBeProxyRoutes() {
    Map<String, String> env =
        Map.of(
            "GATEHOUSE_SERVER_PUBLIC_URL", "https://auth.example.com",
            "GATEHOUSE_SESSION_COOKIE_DOMAIN", "example.com",
            "GATEHOUSE_SESSION_MORE_DOMAINS",
                "[{domain: .Example.ORG, portal-url: 'https://Auth.Example.org'}]");
    GatehouseConfig config = ConfigLoader.load(Optional.empty(), env);
    assertThat(config.session().moreDomains())
        .containsExactly(
            new GatehouseConfig.MoreDomain(
                "example.org", java.net.URI.create("https://auth.example.org")));
    assertThat(config.session().moreDomainOf("app.example.org")).isPresent();
    assertThat(config.session().moreDomainOf("app.example.org.evil.net")).isEmpty();
    assertThat(config.session().moreDomainOf("badexample.org")).isEmpty();
    Map<String, String> clash = new java.util.HashMap<>(env);
    clash.put(
        "GATEHOUSE_PROXY_ROUTES",
        "[{from: 'https://auth.example.org', to: 'http://127.0.0.1:3000', auth: session}]");
    assertThatThrownBy(() -> ConfigLoader.load(Optional.empty(), clash))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("portal address of example.org");
    Map<String, String> overlapping = new java.util.HashMap<>(env);
    overlapping.put(
        "GATEHOUSE_SESSION_MORE_DOMAINS",
        "[{domain: www.example.com.example.org, portal-url: 'https://www.example.com.example.org'},"
            + " {domain: shop.example.com, portal-url: 'https://shop.example.com'}]");
    assertThatThrownBy(() -> ConfigLoader.load(Optional.empty(), overlapping))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("overlaps example.com");
  }

  @Test
  void httpsIsServedWhenThePublicUrlPointsAtGatehouseItselfOrWhenAskedAndNeverOverPlainUrls() {
    Map<String, String> behindProxy =
        Map.of(
            "GATEHOUSE_SERVER_PUBLIC_URL", "https://auth.example.com",
            "GATEHOUSE_SERVER_LISTEN", "0.0.0.0:9091");
    assertThat(ConfigLoader.load(Optional.empty(), behindProxy).server().tls())
        .as("a proxy in front terminates TLS")
        .isInstanceOf(GatehouseConfig.Tls.Off.class);
    Map<String, String> direct =
        Map.of(
            "GATEHOUSE_SERVER_PUBLIC_URL", "https://tool.example.com:9443",
            "GATEHOUSE_SERVER_LISTEN", "0.0.0.0:9443");
    assertThat(ConfigLoader.load(Optional.empty(), direct).server().tls())
        .as("users reach Gatehouse itself")
        .isInstanceOf(GatehouseConfig.Tls.SelfSigned.class);
    Map<String, String> forcedOff = new java.util.HashMap<>(direct);
    forcedOff.put("GATEHOUSE_SERVER_TLS", "off");
    assertThat(ConfigLoader.load(Optional.empty(), forcedOff).server().tls())
        .isInstanceOf(GatehouseConfig.Tls.Off.class);
    assertThat(ConfigLoader.load(Optional.empty(), Map.of()).server().tls())
        .as("the localhost default")
        .isInstanceOf(GatehouseConfig.Tls.Off.class);
    assertThatThrownBy(
            () -> ConfigLoader.load(Optional.empty(), Map.of("GATEHOUSE_SERVER_TLS", "on")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("server.public-url")
        .hasMessageContaining("https");
  }

  @ParameterizedTest(name = "{0} is refused at {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "[{from: 'https://app.example.com', to: 'http://127.0.0.1:3000'}]|proxy.routes[0].auth",
        "[{from: 'https://auth.example.com', to: 'http://127.0.0.1:3000', auth: none}]"
            + "|proxy.routes[0].from",
        "[{from: 'https://app.example.com/a?b', to: 'http://127.0.0.1:3000', auth: none}]"
            + "|proxy.routes[0].from",
        "[{from: 'https://app.example.com', to: 'http://127.0.0.1:3000/x', auth: none}]"
            + "|proxy.routes[0].to",
        "[{from: 'https://app.example.com', to: 'http://127.0.0.1:3000', auth: none,"
            + " timeout: forever}]|proxy.routes[0].timeout",
        "[{from: 'https://app.example.com', to: 'http://127.0.0.1:3000', auth: none,"
            + " websockets: maybe}]|proxy.routes[0].websockets",
        "[{from: 'https://app.example.com/a/', to: 'http://127.0.0.1:3000', auth: none,"
            + " strip-prefix: true, rewrite-prefix: /b/}]|proxy.routes[0].rewrite-prefix",
        "[{from: 'https://app.example.com/a/', to: 'http://127.0.0.1:3000', auth: none,"
            + " rewrite-prefix: '/b/../c/'}]|proxy.routes[0].rewrite-prefix",
        "[{from: 'https://app.example.com', to: 'http://127.0.0.1:3000', auth: none,"
            + " headers: {user: Host}}]|proxy.routes[0].headers.user",
        "[{from: 'https://app.example.com', to: 'http://127.0.0.1:3000', auth: none,"
            + " headers: {user: X_Hero_User}}]|proxy.routes[0].headers.user",
        "[{from: 'https://app.example.com', to: 'http://127.0.0.1:3000', auth: none,"
            + " headers: {user: X-Hero, context: x-hero}}]|proxy.routes[0].headers.context",
        "[{from: 'https://app.example.com', to: 'http://127.0.0.1:3000', auth: none,"
            + " headers: {colour: X-Hero}}]|proxy.routes[0].headers.colour",
        "[{from: 'https://app.example.com', to: 'http://127.0.0.1:3000', auth: none,"
            + " headers: {claim-headers: {Dept: X-Dept}}}]|proxy.routes[0].headers.claim-headers",
      })
  void aProxyRouteMistakeNamesTheRouteAndTheField(String routes, String key) {
    assertThatThrownBy(
            () ->
                ConfigLoader.load(
                    Optional.empty(),
                    Map.of(
                        "GATEHOUSE_SERVER_PUBLIC_URL",
                        "https://auth.example.com",
                        "GATEHOUSE_PROXY_ROUTES",
                        routes)))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(key)
        .hasMessageContaining("must");
  }

  @Test
  void aCertificateWithoutItsKeyIsRefused(@org.junit.jupiter.api.io.TempDir Path dir)
      throws IOException {
    Path cert = Files.writeString(dir.resolve("tls.crt"), "x");
    assertThatThrownBy(
            () ->
                ConfigLoader.load(
                    Optional.empty(),
                    Map.of(
                        "GATEHOUSE_SERVER_PUBLIC_URL",
                        "https://auth.example.com",
                        "GATEHOUSE_SERVER_TLS_CERT_FILE",
                        cert.toString())))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("server.tls-key-file")
        .hasMessageContaining("set both or neither");
  }

  @Test
  void domainSignUpNeedsDomainsAndDomainsNeedThatPolicy() {
    assertThatThrownBy(
            () ->
                ConfigLoader.load(
                    Optional.empty(), Map.of("GATEHOUSE_REGISTRATION_POLICY", "domains")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("registration.domains")
        .hasMessageContaining("at least one domain");
    assertThatThrownBy(
            () ->
                ConfigLoader.load(
                    Optional.empty(), Map.of("GATEHOUSE_REGISTRATION_DOMAINS", "example.com")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("registration.policy");
    GatehouseConfig config =
        ConfigLoader.load(
            Optional.empty(),
            Map.of(
                "GATEHOUSE_REGISTRATION_POLICY", "Domains",
                "GATEHOUSE_REGISTRATION_DOMAINS", "Example.COM, corp.example"));
    assertThat(config.registration().policy()).isEqualTo(Registrations.Policy.DOMAINS);
    assertThat(config.registration().domains()).containsExactly("example.com", "corp.example");
  }

  @Test
  void unknownKeysInTheFileAreRefused() throws IOException {
    Path file = dir.resolve("gatehouse.yml");
    Files.writeString(file, "session:\n  idle-timout: 30m\n");
    assertThatThrownBy(() -> ConfigLoader.load(Optional.of(file), Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("session.idle-timout");
  }

  @Test
  void malformedYamlIsRefusedWithTheLine() throws IOException {
    Path file = dir.resolve("gatehouse.yml");
    Files.writeString(file, "server:\n  listen: [unclosed\n");
    assertThatThrownBy(() -> ConfigLoader.load(Optional.of(file), Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("line");
  }

  @Test
  void everyKeyHasAnEnvironmentVariable() {
    assertThat(ConfigKeys.ALL)
        .allSatisfy(key -> assertThat(key.environmentVariable()).matches("GATEHOUSE_[A-Z0-9_]+"));
  }

  @Test
  void accessRulesAreReadFromTheFile() throws IOException {
    Path file = dir.resolve("gatehouse.yml");
    Files.writeString(
        file,
        """
        access:
          default-policy: authenticated
          rules:
            - hosts: [app.example.com]
              paths: [/public, "/static/**", "^/api/v[0-9]+$"]
              methods: [get]
              networks: [10.0.0.0/8]
              policy: bypass
            - subjects: ["group:admins", "user:root", "app:ci"]
              policy: two-factor
        forward-auth:
          header-user: X-User
          claim-headers:
            grafana_role: X-Grafana-Role
        """);
    GatehouseConfig config = ConfigLoader.load(Optional.of(file), Map.of());
    assertThat(config.forwardAuth().access().size()).isEqualTo(2);
    assertThat(config.forwardAuth().headers().all())
        .containsExactly(
            "X-User",
            "Remote-Email",
            "Remote-Name",
            "Remote-Groups",
            "Remote-JWT",
            "X-Grafana-Role");
  }

  @ParameterizedTest(name = "rule {0} is refused naming {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "[{paths: [/a], policy: allow}]|access.rules[0].policy",
        "[{paths: [/a]}]|access.rules[0].policy",
        "[{policy: bypass}, {paths: [admin], policy: deny}]|access.rules[1].paths[0]",
        "[{paths: ['/a%2fb'], policy: deny}]|access.rules[0].paths[0]",
        "[{paths: ['^(x'], policy: deny}]|access.rules[0].paths[0]",
        "[{hosts: ['app example.com'], policy: deny}]|access.rules[0].hosts[0]",
        "[{methods: [FETCH], policy: deny}]|access.rules[0].methods[0]",
        "[{networks: [10.0.0.0/40], policy: deny}]|access.rules[0].networks[0]",
        "[{subjects: [admins], policy: deny}]|access.rules[0].subjects[0]",
        "[{path: [/a], policy: deny}]|access.rules[0].path",
        "{policy: deny}|access.rules",
      })
  void badRulesStopStartUpWithTheirPosition(String rules, String key) {
    assertThatThrownBy(
            () -> ConfigLoader.load(Optional.empty(), Map.of("GATEHOUSE_ACCESS_RULES", rules)))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(key);
  }

  @ParameterizedTest(name = "provider {0} is refused naming {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "{id: x}|identity-providers",
        "[{id: 'Bad Id', issuer: 'https://sso.example.com', client-id: g}]|identity-providers[0].id",
        "[{id: a, issuer: 'http://sso.example.com', client-id: g}]|identity-providers[0].issuer",
        "[{id: a, issuer: 'https://sso.example.com'}]|identity-providers[0].client-id",
        "[{id: a, issuer: 'https://sso.example.com', client-id: g}]"
            + "|identity-providers[0].client-secret-file",
        "[{id: a, type: saml, client-id: g}]|identity-providers[0].type",
        "[{id: a, type: oauth2, client-id: g, token-endpoint: 'https://t', userinfo-endpoint:"
            + " 'https://u'}]|identity-providers[0].authorization-endpoint",
        "[{id: a, issuer: 'https://sso.example.com', client-id: g, client-secret: s}]"
            + "|identity-providers[0].client-secret",
      })
  void badIdentityProvidersStopStartUpWithTheirPosition(String providers, String key) {
    assertThatThrownBy(
            () ->
                ConfigLoader.load(
                    Optional.empty(), Map.of("GATEHOUSE_IDENTITY_PROVIDERS", providers)))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(key);
  }

  @Test
  void identityHeaderNamesMustBeDistinctAndWithoutUnderscores() {
    assertThatThrownBy(
            () ->
                ConfigLoader.load(
                    Optional.empty(), Map.of("GATEHOUSE_FORWARD_AUTH_HEADER_USER", "Remote_User")))
        .hasMessageContaining("forward-auth.header-user");
    assertThatThrownBy(
            () ->
                ConfigLoader.load(
                    Optional.empty(), Map.of("GATEHOUSE_FORWARD_AUTH_HEADER_EMAIL", "remote-user")))
        .hasMessageContaining("already used");
  }

  @Test
  void theDefaultPolicyIsDeny() {
    GatehouseConfig config = ConfigLoader.load(Optional.empty(), Map.of());
    assertThat(
            config
                .forwardAuth()
                .access()
                .decide(
                    "a.example.com",
                    "/",
                    "GET",
                    java.net.InetAddress.getLoopbackAddress(),
                    Optional.empty()))
        .isInstanceOf(dev.gatehouse.policy.Decision.Deny.class);
  }
}
