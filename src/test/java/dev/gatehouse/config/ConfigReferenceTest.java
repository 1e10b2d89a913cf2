package dev.gatehouse.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ConfigReferenceTest {
  @Test
  void docsConfigurationMdMatchesTheKeysInCode() throws IOException {
    String committed = Files.readString(Path.of("docs/configuration.md"));
    assertThat(committed)
        .as(
            "docs/configuration.md is stale: regenerate it with ./gatehouse config docs > docs/configuration.md")
        .isEqualTo(ConfigLoader.reference());
  }

  @Test
  void everyKeyIsDocumented() {
    String reference = ConfigLoader.reference();
    assertThat(ConfigKeys.ALL)
        .allSatisfy(key -> assertThat(reference).contains("`" + key.name() + "`"));
  }
}
