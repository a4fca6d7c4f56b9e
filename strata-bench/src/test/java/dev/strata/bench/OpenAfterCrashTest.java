package dev.strata.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.Options;
import dev.strata.StrataDB;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fill of {@link OpenAfterCrash} leaves a full memtable and nothing flushed. */
class OpenAfterCrashTest {
  @TempDir Path dir;

  @Test
  void fillToFull_stopsAtTheShareOfTheMemtable_beforeAnySwitch() {
    long memtable = 8 << 20;
    Options options =
        Options.builder().memtableSizeBytes(memtable).backgroundCompaction(false).jmx(false).build();
    try (StrataDB db = StrataDB.open(dir, options)) {
      long written = OpenAfterCrash.fillStrata(db, memtable, -1, new SplittableRandom(1));
      long active = Long.parseLong(db.getProperty("strata.cur-size-active-mem-table"));
      assertThat(active).isGreaterThanOrEqualTo(memtable * OpenAfterCrash.FULL_PERCENT / 100);
      assertThat(db.getProperty("strata.num-immutable-memtables")).isEqualTo("0");
      assertThat(db.getProperty("strata.num-files-at-level0")).isEqualTo("0");
      assertThat(written).isPositive();
      // A few hundred more entries would switch it: the fill stopped close to full.
      assertThat(active).isLessThan(memtable);
    }
  }

  @Test
  void fixedCount_writesExactlyThatMany() {
    try (StrataDB db = StrataDB.open(dir, Options.builder().jmx(false).build())) {
      assertThat(OpenAfterCrash.fillStrata(db, 64L << 20, 1234, new SplittableRandom(1)))
          .isEqualTo(1234);
      int keys = 0;
      try (dev.strata.DBIterator it = db.newIterator()) {
        for (it.seekToFirst(); it.isValid(); it.next()) {
          keys++;
        }
      }
      assertThat(keys).as("1,234 distinct random keys").isEqualTo(1234);
    }
  }
}
