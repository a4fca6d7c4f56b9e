package dev.strata.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.Options;
import dev.strata.StrataDB;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * With background compaction off (a bulk load that compacts once at the end), level 0 grows
 * without a slowdown or a stop: only the immutable-memtable limit holds writes back.
 *
 * <p>Failed on 161ccc5: once level 0 held the stop trigger's 6 files every write stalled, and after
 * the stall timeout a put threw "write stalled longer than PT2S (level-0 files: 6, immutable
 * memtables: 0)".
 */
class CompactionOffTest {
  @TempDir Path dir;

  @Test
  void put_compactionOffPastTheStopTrigger_neverStalls() {
    Options o =
        Options.builder()
            .backgroundCompaction(false)
            .memtableSizeBytes(16 * 1024)
            .level0CompactionTrigger(2)
            .level0SlowdownTrigger(4)
            .level0StopTrigger(6)
            .writeStallTimeout(Duration.ofSeconds(2))
            .build();
    try (StrataDB db = StrataDB.open(dir, o)) {
      int n = 20_000;
      for (int i = 0; i < n; i++) {
        db.put(key(i), new byte[100]);
      }
      db.flush();

      assertThat(Integer.parseInt(db.getProperty("strata.num-files-at-level0"))).isGreaterThan(6);
      // Only the immutable-memtable limit may hold a write back while a flush catches up.
      assertThat(db.getProperty("strata.slowdown-count")).isEqualTo("0");
      db.compactRange(null, null);
      assertThat(db.getProperty("strata.num-files-at-level0")).isEqualTo("0");
      for (int i = 0; i < n; i += 97) {
        assertThat(db.get(key(i))).hasSize(100);
      }
    }
  }

  private static byte[] key(int i) {
    return String.format("key%08d", i).getBytes(StandardCharsets.UTF_8);
  }
}
