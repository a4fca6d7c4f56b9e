package dev.strata.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.StrataDB;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code strata.compaction-micros} counts the time of compactions that rewrite data, and {@code
 * strata.memtable-hit-ratio} the point reads a memtable answered.
 */
class CompactionTimeTest {
  @TempDir Path dir;

  @Test
  void compactRange_overOverlappingTables_addsCompactionTime() {
    try (StrataDB db = StrataDB.open(dir)) {
      assertThat(db.getProperty("strata.compaction-micros")).isEqualTo("0");
      for (int round = 0; round < 3; round++) {
        for (int i = 0; i < 2_000; i++) {
          db.put(("k" + i).getBytes(), ("v" + round).getBytes());
        }
        db.flush();
      }
      db.compactRange(null, null);
      assertThat(Long.parseLong(db.getProperty("strata.compaction-micros"))).isPositive();
      db.put("fresh".getBytes(), "v".getBytes());
      db.get("fresh".getBytes());
      db.get("k1".getBytes());
      assertThat(db.getProperty("strata.memtable-hit-ratio")).isEqualTo("0.5");
    }
  }
}
