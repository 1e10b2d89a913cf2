package dev.gatehouse.config;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gatehouse.kernel.Cidr;
import dev.gatehouse.policy.AccessRule;
import dev.gatehouse.policy.HostMatcher;
import dev.gatehouse.policy.PathMatcher;
import dev.gatehouse.policy.Policy;
import dev.gatehouse.policy.SubjectMatcher;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Parses {@code access.rules}. Every mistake names the rule and field ({@code
 * access.rules[2].paths[0]}), the value and what is allowed, so a bad rule stops start-up instead
 * of silently matching nothing.
 */
final class AccessRules {
  private static final Set<String> FIELDS =
      Set.of(
          "hosts",
          "paths",
          "methods",
          "networks",
          "subjects",
          "policy",
          "scopes",
          "audiences",
          "identity-jwt",
          "path-case");
  private static final Set<String> METHODS =
      Set.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT", "TRACE");

  private AccessRules() {}

  /** Parses the rules; {@code pathCase} applies to rules without their own {@code path-case}. */
  static List<AccessRule> parse(JsonNode rules, PathMatcher.Case pathCase) {
    if (rules.isNull() || rules.isMissingNode()) {
      return List.of();
    }
    if (!rules.isArray()) {
      throw error("access.rules", rules.toString(), "must be a list of rules");
    }
    List<AccessRule> parsed = new ArrayList<>();
    for (int i = 0; i < rules.size(); i++) {
      parsed.add(rule("access.rules[" + i + "]", rules.get(i), pathCase));
    }
    return List.copyOf(parsed);
  }

  private static AccessRule rule(String where, JsonNode node, PathMatcher.Case defaultCase) {
    if (!node.isObject()) {
      throw error(where, node.toString(), "must be a mapping with a policy");
    }
    for (Map.Entry<String, JsonNode> field : node.properties()) {
      if (!FIELDS.contains(field.getKey())) {
        throw ConfigException.unknownField(
            where + "." + field.getKey(),
            "use " + String.join(", ", new java.util.TreeSet<>(FIELDS)));
      }
    }
    JsonNode policyNode = node.get("policy");
    String policyText = policyNode == null ? "" : policyNode.asText();
    Policy policy =
        Policy.parse(policyText)
            .orElseThrow(
                () ->
                    error(
                        where + ".policy",
                        policyText,
                        "must be bypass, authenticated, two-factor or deny"));
    PathMatcher.Case pathCase = defaultCase;
    JsonNode caseNode = node.get("path-case");
    if (caseNode != null && !caseNode.isNull()) {
      pathCase =
          PathMatcher.Case.parse(caseNode.asText())
              .orElseThrow(
                  () ->
                      error(
                          where + ".path-case",
                          caseNode.asText(),
                          "must be insensitive or sensitive"));
    }
    PathMatcher.Case letterCase = pathCase;
    return new AccessRule(
        list(
            where,
            node,
            "hosts",
            HostMatcher::parse,
            "must be a host such as app.example.com or *.example.com"),
        list(
            where,
            node,
            "paths",
            text -> PathMatcher.parse(text, letterCase),
            "must be a canonical path prefix (/app), a glob (/static/**) or a regex starting with ^; no %-escapes, '\\\\', ';', '//' or dot segments"),
        Set.copyOf(
            new LinkedHashSet<>(
                list(
                    where,
                    node,
                    "methods",
                    m -> Optional.of(m.toUpperCase(Locale.ROOT)).filter(METHODS::contains),
                    "must be an HTTP method such as GET or POST"))),
        list(
            where,
            node,
            "networks",
            Cidr::parse,
            "must be an IP address or CIDR such as 10.0.0.0/8"),
        list(
            where,
            node,
            "subjects",
            SubjectMatcher::parse,
            "must be user:NAME, group:NAME or app:NAME"),
        policy,
        Set.copyOf(
            list(
                where,
                node,
                "scopes",
                v -> Optional.of(v).filter(x -> x.matches("[A-Za-z0-9:._/-]{1,64}")),
                "must be a scope such as backup:write")),
        Set.copyOf(
            list(
                where,
                node,
                "audiences",
                v -> Optional.of(v).filter(x -> !x.isBlank() && x.length() <= 256),
                "must be an audience such as https://api.example.com")),
        identityJwt(where, node));
  }

  private static boolean identityJwt(String where, JsonNode rule) {
    JsonNode node = rule.get("identity-jwt");
    if (node == null || node.isNull()) {
      return false;
    }
    String text = node.asText().toLowerCase(Locale.ROOT);
    if (!text.equals("true") && !text.equals("false")) {
      throw error(where + ".identity-jwt", text, "must be true or false");
    }
    return text.equals("true");
  }

  private static <T> List<T> list(
      String where,
      JsonNode rule,
      String field,
      Function<String, Optional<T>> parser,
      String allowed) {
    JsonNode node = rule.get(field);
    if (node == null || node.isNull()) {
      return List.of();
    }
    List<String> texts = new ArrayList<>();
    if (node.isArray()) {
      node.forEach(item -> texts.add(item.asText()));
    } else if (node.isValueNode()) {
      texts.add(node.asText());
    } else {
      throw error(where + "." + field, node.toString(), "must be a value or a list of values");
    }
    List<T> out = new ArrayList<>();
    for (int i = 0; i < texts.size(); i++) {
      String text = texts.get(i);
      String at = where + "." + field + "[" + i + "]";
      out.add(parser.apply(text).orElseThrow(() -> error(at, text, allowed)));
    }
    return List.copyOf(out);
  }

  private static ConfigException error(String key, String value, String allowed) {
    return new ConfigException(key, "invalid value \"" + value + "\" for " + key + ": " + allowed);
  }
}
