package dev.gatehouse.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class ActivityWriterTest {
  private final List<Map<String, Long>> written = new CopyOnWriteArrayList<>();

  @Test
  void theLatestActivityPerKeyIsWrittenInOneBatchAndVisibleUntilThen() {
    ActivityWriter writer = new ActivityWriter("test", written::add, false);
    writer.note("a", 5);
    writer.note("a", 3); // an older time never wins
    writer.note("b", 7);
    assertThat(writer.pending("a")).hasValue(5);
    assertThat(written).isEmpty();
    writer.flush();
    assertThat(written).containsExactly(Map.of("a", 5L, "b", 7L));
    assertThat(writer.pending("a")).isEmpty();
  }

  @Test
  void whenTheWriterFallsBehindTheCallerWritesSoWaitingKeysStayBounded() {
    ActivityWriter writer = new ActivityWriter("test", written::add, false);
    for (int i = 0; i < ActivityWriter.MAX_PENDING + 10; i++) {
      writer.note("key" + i, i);
      assertThat(writer.waiting()).isLessThan(ActivityWriter.MAX_PENDING);
    }
    assertThat(written).hasSize(1);
    assertThat(written.get(0)).hasSize(ActivityWriter.MAX_PENDING);
  }

  @Test
  void aFailedWriteIsKeptForTheNextTryAndCloseWritesWhatIsLeft() {
    Map<String, Long> stored = new HashMap<>();
    boolean[] down = {true};
    ActivityWriter writer =
        new ActivityWriter(
            "test",
            batch -> {
              if (down[0]) {
                throw new IllegalStateException("database down");
              }
              stored.putAll(batch);
            },
            false);
    writer.note("a", 1);
    assertThatThrownBy(writer::flush).hasMessageContaining("down");
    assertThat(writer.pending("a")).hasValue(1);
    writer.note("a", 2);
    down[0] = false;
    writer.close();
    assertThat(stored).containsExactly(Map.entry("a", 2L));
  }
}
