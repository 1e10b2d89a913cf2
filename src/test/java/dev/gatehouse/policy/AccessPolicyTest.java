package dev.gatehouse.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.kernel.Cidr;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AccessPolicyTest {
  private static final InetAddress LAN = address("192.168.1.20");
  private static final InetAddress WAN = address("203.0.113.7");

  private static InetAddress address(String text) {
    return Cidr.parseNumericAddress(text).orElseThrow();
  }

  private static Subject user(String name, Set<String> amr, String... groups) {
    return new Subject(
        Subject.Kind.USER,
        name,
        "",
        "",
        List.of(groups),
        Map.of(),
        amr,
        Optional.empty(),
        Set.of());
  }

  private static AccessRule rule(String host, String path, Policy policy, String... subjects) {
    return new AccessRule(
        host.isEmpty() ? List.of() : List.of(HostMatcher.parse(host).orElseThrow()),
        path.isEmpty() ? List.of() : List.of(PathMatcher.parse(path).orElseThrow()),
        Set.of(),
        List.of(),
        java.util.Arrays.stream(subjects).map(s -> SubjectMatcher.parse(s).orElseThrow()).toList(),
        policy);
  }

  @Test
  void pathRulesIgnoreLetterCaseByDefaultForEveryForm() {
    AccessPolicy policy =
        new AccessPolicy(
            List.of(
                rule("", "/admin", Policy.AUTHENTICATED, "group:admins"),
                rule("", "/admin", Policy.DENY),
                rule("", "/static/**", Policy.BYPASS),
                rule("", "^/api/v[0-9]+/internal(/.*)?$", Policy.DENY)),
            Policy.AUTHENTICATED);
    Optional<Subject> plain = Optional.of(user("bob", Set.of("pwd"), "users"));
    for (String path : List.of("/admin/x", "/Admin/x", "/ADMIN", "/aDmIn/users")) {
      assertThat(policy.decide("a", path, "GET", WAN, plain))
          .as(path)
          .isInstanceOf(Decision.Deny.class);
    }
    assertThat(policy.decide("a", "/Administrator", "GET", WAN, plain))
        .as("still a segment boundary")
        .isInstanceOf(Decision.Allow.class);
    assertThat(policy.decide("a", "/STATIC/css/x.css", "GET", WAN, Optional.empty()))
        .isInstanceOf(Decision.Allow.class);
    assertThat(policy.decide("a", "/API/V2/Internal/keys", "GET", WAN, plain))
        .isInstanceOf(Decision.Deny.class);
  }

  @Test
  void aSensitiveRuleComparesLettersExactly() {
    AccessRule sensitive =
        new AccessRule(
            List.of(),
            List.of(PathMatcher.parse("/Reports", PathMatcher.Case.SENSITIVE).orElseThrow()),
            Set.of(),
            List.of(),
            List.of(),
            Policy.DENY);
    AccessPolicy policy = new AccessPolicy(List.of(sensitive), Policy.BYPASS);
    assertThat(policy.decide("a", "/Reports/1", "GET", WAN, Optional.empty()))
        .isInstanceOf(Decision.Deny.class);
    assertThat(policy.decide("a", "/reports/1", "GET", WAN, Optional.empty()))
        .isInstanceOf(Decision.Allow.class);
  }

  @Test
  void anUnknownClientAddressMatchesNoNetworkRule() {
    AccessRule lanOnly =
        new AccessRule(
            List.of(),
            List.of(),
            Set.of(),
            List.of(Cidr.parse("0.0.0.0/0").orElseThrow(), Cidr.parse("::/0").orElseThrow()),
            List.of(),
            Policy.BYPASS);
    AccessPolicy policy = new AccessPolicy(List.of(lanOnly), Policy.AUTHENTICATED);
    assertThat(policy.decide("a", "/", "GET", LAN, Optional.empty()))
        .isInstanceOf(Decision.Allow.class);
    assertThat(policy.decideForUnknownClient("a", "/", "GET", Optional.empty()))
        .isInstanceOf(Decision.Challenge.class);
  }

  @Test
  void aSubjectRuleThatOthersFallThroughIntoALaterAllowIsReported() {
    AccessPolicy trap =
        new AccessPolicy(
            List.of(
                rule("app.example.com", "/admin", Policy.AUTHENTICATED, "group:admins"),
                rule("app.example.com", "", Policy.AUTHENTICATED, "group:users")),
            Policy.DENY);
    assertThat(trap.fallThroughWarnings())
        .singleElement()
        .asString()
        .contains(
            "access.rules[0]", "group:admins", "members of group:users", "rule 2", "policy: deny");

    AccessPolicy opensToAll =
        new AccessPolicy(
            List.of(
                rule("app.example.com", "/admin", Policy.AUTHENTICATED, "group:admins"),
                rule("*.example.com", "", Policy.AUTHENTICATED)),
            Policy.DENY);
    assertThat(opensToAll.fallThroughWarnings()).singleElement().asString().contains("anyone else");

    AccessPolicy byDefault =
        new AccessPolicy(
            List.of(rule("app.example.com", "/admin", Policy.AUTHENTICATED, "group:admins")),
            Policy.AUTHENTICATED);
    assertThat(byDefault.fallThroughWarnings())
        .singleElement()
        .asString()
        .contains("the default policy");
  }

  @Test
  void aDenyTwinThatCoversLessThanItsSubjectRuleDoesNotSilenceTheWarning() {
    AccessRule admins = rule("app.example.com", "/admin", Policy.AUTHENTICATED, "group:admins");
    AccessRule everyone = rule("app.example.com", "", Policy.AUTHENTICATED);
    List<AccessRule> partialTwins =
        List.of(
            new AccessRule(
                List.of(HostMatcher.parse("app.example.com").orElseThrow()),
                List.of(PathMatcher.parse("/admin", PathMatcher.Case.SENSITIVE).orElseThrow()),
                Set.of(),
                List.of(),
                List.of(),
                Policy.DENY),
            rule("app.example.com", "^/admin$", Policy.DENY),
            rule("app.example.com", "/admin/x", Policy.DENY),
            new AccessRule(
                List.of(HostMatcher.parse("app.example.com").orElseThrow()),
                List.of(PathMatcher.parse("/admin").orElseThrow()),
                Set.of("GET"),
                List.of(),
                List.of(),
                Policy.DENY),
            new AccessRule(
                List.of(HostMatcher.parse("app.example.com").orElseThrow()),
                List.of(PathMatcher.parse("/admin").orElseThrow()),
                Set.of(),
                List.of(Cidr.parse("10.0.0.0/8").orElseThrow()),
                List.of(),
                Policy.DENY));
    for (AccessRule twin : partialTwins) {
      assertThat(
              new AccessPolicy(List.of(admins, twin, everyone), Policy.DENY).fallThroughWarnings())
          .as("twin %s %s %s", twin.paths(), twin.methods(), twin.networks())
          .singleElement()
          .asString()
          .contains("access.rules[0]", "rule 3");
    }
  }

  @Test
  void regexRulesMatchFromTheStartAndAGlobSubtreeCoversItsBase() {
    AccessPolicy policy =
        new AccessPolicy(
            List.of(rule("", "^/rx/adm[i]n", Policy.DENY), rule("", "/gl/*/admin/**", Policy.DENY)),
            Policy.BYPASS);
    for (String path :
        List.of(
            "/rx/admin",
            "/rx/admin/",
            "/rx/admin/users",
            "/rx/adminx",
            "/gl/x/admin",
            "/GL/x/Admin",
            "/gl/x/admin/y")) {
      assertThat(policy.decide("a", path, "GET", WAN, Optional.empty()))
          .as(path)
          .isInstanceOf(Decision.Deny.class);
    }
    assertThat(policy.decide("a", "/x/rx/admin", "GET", WAN, Optional.empty()))
        .as("anchored at the start")
        .isInstanceOf(Decision.Allow.class);
    assertThat(policy.decide("a", "/gl/x/administrator", "GET", WAN, Optional.empty()))
        .isInstanceOf(Decision.Allow.class);
  }

  @Test
  void theSafePatternOfASubjectRuleFollowedByADenyIsQuiet() {
    AccessPolicy safe =
        new AccessPolicy(
            List.of(
                rule("app.example.com", "/admin", Policy.AUTHENTICATED, "group:admins"),
                rule("app.example.com", "/admin", Policy.DENY),
                rule("app.example.com", "", Policy.AUTHENTICATED, "group:users"),
                rule("other.example.com", "", Policy.BYPASS)),
            Policy.DENY);
    assertThat(safe.fallThroughWarnings()).isEmpty();
  }

  @Test
  void theFirstMatchingRuleDecides() {
    AccessPolicy policy =
        new AccessPolicy(
            List.of(
                rule("app.example.com", "/public", Policy.BYPASS),
                rule("app.example.com", "", Policy.DENY)),
            Policy.AUTHENTICATED);
    assertThat(policy.decide("app.example.com", "/public/x", "GET", WAN, Optional.empty()))
        .isEqualTo(new Decision.Allow(Optional.empty()));
    assertThat(policy.decide("app.example.com", "/private", "GET", WAN, Optional.empty()))
        .isInstanceOf(Decision.Deny.class);
    assertThat(policy.decide("other.example.com", "/x", "GET", WAN, Optional.empty()))
        .isInstanceOf(Decision.Challenge.class);
  }

  @Test
  void aRuleWithSubjectsAsksAnonymousUsersToSignIn() {
    AccessPolicy policy =
        new AccessPolicy(
            List.of(
                rule("", "/admin", Policy.AUTHENTICATED, "group:admins"),
                rule("", "/admin", Policy.BYPASS)),
            Policy.DENY);
    assertThat(policy.decide("a.example.com", "/admin", "GET", WAN, Optional.empty()))
        .as("an anonymous request must not fall through to the bypass")
        .isInstanceOf(Decision.Challenge.class);
    assertThat(
            policy.decide(
                "a.example.com",
                "/admin",
                "GET",
                WAN,
                Optional.of(user("root", Set.of("pwd"), "admins"))))
        .isInstanceOf(Decision.Allow.class);
    assertThat(
            policy.decide(
                "a.example.com", "/admin", "GET", WAN, Optional.of(user("bob", Set.of("pwd")))))
        .isInstanceOf(Decision.Allow.class); // the next rule (bypass) applies to bob
  }

  @Test
  void twoFactorIsSatisfiedOnlyByMfaSessions() {
    AccessPolicy policy = new AccessPolicy(List.of(), Policy.TWO_FACTOR);
    assertThat(policy.decide("a", "/", "GET", WAN, Optional.empty()))
        .isInstanceOf(Decision.Challenge.class);
    assertThat(policy.decide("a", "/", "GET", WAN, Optional.of(user("u", Set.of("pwd")))))
        .isInstanceOf(Decision.Deny.class);
    assertThat(
            policy.decide(
                "a", "/", "GET", WAN, Optional.of(user("u", Set.of("pwd", "otp", "mfa")))))
        .isInstanceOf(Decision.Allow.class);
  }

  @Test
  void networksAndMethodsNarrowARule() {
    AccessRule lanReads =
        new AccessRule(
            List.of(),
            List.of(),
            Set.of("GET", "HEAD"),
            List.of(Cidr.parse("192.168.0.0/16").orElseThrow()),
            List.of(),
            Policy.BYPASS);
    AccessPolicy policy = new AccessPolicy(List.of(lanReads), Policy.DENY);
    assertThat(policy.decide("a", "/", "GET", LAN, Optional.empty()))
        .isInstanceOf(Decision.Allow.class);
    assertThat(policy.decide("a", "/", "POST", LAN, Optional.empty()))
        .isInstanceOf(Decision.Deny.class);
    assertThat(policy.decide("a", "/", "GET", WAN, Optional.empty()))
        .isInstanceOf(Decision.Deny.class);
  }

  @Test
  void aScopedCredentialIsRefusedOnOtherHosts() {
    Subject scoped =
        new Subject(
            Subject.Kind.APPLICATION,
            "ci",
            "",
            "",
            List.of(),
            Map.of(),
            Set.of("apikey"),
            Optional.of(List.of(HostMatcher.parse("*.internal.example.com").orElseThrow())),
            Set.of());
    AccessPolicy policy = new AccessPolicy(List.of(), Policy.AUTHENTICATED);
    assertThat(policy.decide("git.internal.example.com", "/", "GET", WAN, Optional.of(scoped)))
        .isInstanceOf(Decision.Allow.class);
    assertThat(policy.decide("mail.example.com", "/", "GET", WAN, Optional.of(scoped)))
        .isInstanceOf(Decision.Deny.class);
  }

  @ParameterizedTest(name = "{0} matches {1}: {2}")
  @CsvSource({
    "/admin, /admin, true",
    "/admin, /admin/x, true",
    "/admin, /administrator, false",
    "/admin/, /admin, false",
    "/admin/, /admin/x, true",
    "/static/*.css, /static/a.css, true",
    "/static/*.css, /static/a/b.css, false",
    "/static/**, /static/a/b.css, true",
    "/f?o, /foo, true",
    "^/api/v[0-9]+/.*$, /api/v2/users, true",
    "^/api/v[0-9]+/.*$, /x/api/v2/users, false",
    "^/api, /api/x, true",
    "^/api$, /api/x, false",
    "/a.b, /aXb, false",
  })
  void pathMatchers(String pattern, String path, boolean matches) {
    assertThat(PathMatcher.parse(pattern).orElseThrow().matches(path)).isEqualTo(matches);
  }

  @ParameterizedTest(name = "{0} matches {1}: {2}")
  @CsvSource({
    "app.example.com, app.example.com, true",
    "app.example.com, APP.example.com, false",
    "*.example.com, a.example.com, true",
    "*.example.com, a.b.example.com, true",
    "*.example.com, example.com, false",
    "*.example.com, evil-example.com, false",
    "*.example.com, a.example.com.evil.net, false",
  })
  void hostMatchers(String pattern, String host, boolean matches) {
    assertThat(HostMatcher.parse(pattern).orElseThrow().matches(host)).isEqualTo(matches);
  }

  @Test
  void ambiguousPathPatternsAreRefused() {
    for (String bad : List.of("admin", "/a%2fb", "/a;b", "/a/../b", "//a", "/a\\b", "^(unclosed")) {
      assertThat(PathMatcher.parse(bad)).as(bad).isEmpty();
    }
  }
}
