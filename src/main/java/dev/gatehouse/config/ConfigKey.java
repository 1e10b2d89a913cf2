package dev.gatehouse.config;

import java.util.Locale;

/**
 * One configuration key: its dotted kebab-case name, default (as written in YAML), meaning, whether
 * it is a secret (then it can also be read from a {@code <key>-file}) and whether its value is a
 * YAML structure (a list of maps or a map) rather than a plain value or list. Immutable.
 */
public record ConfigKey(
    String name, String defaultValue, String description, boolean secret, boolean structured) {

  /** The environment variable that overrides this key: {@code GATEHOUSE_} + upper snake case. */
  public String environmentVariable() {
    return "GATEHOUSE_" + name.replace('.', '_').replace('-', '_').toUpperCase(Locale.ROOT);
  }

  /** The key naming a file whose contents are the secret value. */
  public String fileKey() {
    return name + "-file";
  }
}
