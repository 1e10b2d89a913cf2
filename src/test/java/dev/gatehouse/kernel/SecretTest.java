package dev.gatehouse.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SecretTest {
  @TempDir Path dir;

  @Test
  void aSecretFromAFileFollowsTheFileWhenItChanges() throws Exception {
    Path file = dir.resolve("smtp.password");
    Files.writeString(file, "first\n");
    Secret secret = Secret.fromFile(file);
    assertThat(secret.reveal()).isEqualTo("first");
    Files.writeString(file, "second");
    Files.setLastModifiedTime(file, FileTime.from(Instant.now().plusSeconds(5)));
    assertThat(secret.reveal()).isEqualTo("second");
    assertThat(secret.file()).contains(file);
  }

  @Test
  void aFileThatIsGoneForAMomentLeavesTheLastSecretInPlace() throws Exception {
    Path file = dir.resolve("db.password");
    Files.writeString(file, "kept");
    Secret secret = Secret.fromFile(file);
    Files.delete(file);
    assertThat(secret.reveal()).isEqualTo("kept");
  }

  @Test
  void aSecretNeverShowsInText() {
    assertThat(Secret.of("hunter2").toString()).doesNotContain("hunter2");
    assertThat(Secret.of("hunter2")).isEqualTo(Secret.of("hunter2"));
    assertThat(Secret.of("hunter2")).isNotEqualTo(Secret.of("hunter3"));
  }
}
