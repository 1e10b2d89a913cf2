package dev.gatehouse.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Reading the fields of structured settings ({@code oidc.clients}, {@code identity-providers}):
 * every mistake names the field by its path, the value and what is allowed.
 */
final class Nodes {
  private Nodes() {}

  /** A field's text, stripped; {@code fallback} when absent or null. */
  static String text(JsonNode node, String field, String fallback) {
    JsonNode value = node.get(field);
    return value == null || value.isNull() ? fallback : value.asText().strip();
  }

  /** A {@code true}/{@code false} field; {@code fallback} when absent. */
  static boolean bool(String where, JsonNode node, String field, boolean fallback) {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) {
      return fallback;
    }
    String text = value.asText().toLowerCase(Locale.ROOT);
    if (!text.equals("true") && !text.equals("false")) {
      throw error(where + "." + field, text, "must be true or false");
    }
    return text.equals("true");
  }

  /** A value or a list of values; {@code fallback} when absent. */
  static List<String> list(String where, JsonNode node, String field, List<String> fallback) {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) {
      return fallback;
    }
    List<String> out = new ArrayList<>();
    if (value.isArray()) {
      value.forEach(item -> out.add(item.asText().strip()));
    } else if (value.isValueNode()) {
      out.add(value.asText().strip());
    } else {
      throw error(where + "." + field, value.toString(), "must be a value or a list of values");
    }
    return List.copyOf(out);
  }

  /** The error for {@code key} holding {@code value}. */
  static ConfigException error(String key, String value, String allowed) {
    return new ConfigException(key, "invalid value \"" + value + "\" for " + key + ": " + allowed);
  }
}
