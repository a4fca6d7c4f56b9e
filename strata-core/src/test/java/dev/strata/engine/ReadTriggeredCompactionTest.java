package dev.strata.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.Compression;
import dev.strata.DBIterator;
import dev.strata.Options;
import dev.strata.ReadOptions;
import dev.strata.StrataDB;
import dev.strata.testing.ManualExecutor;
import dev.strata.version.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Read-triggered compaction end to end: scans over overlapping level-0 files that stay below the
 * size trigger make the engine compact them, and the data reads the same before and after. The
 * background work runs on a {@link ManualExecutor}, so the test decides when it runs.
 */
class ReadTriggeredCompactionTest {
  private static final int KEYS = 2000;

  /**
   * Eight times the scans the samples need: about 370 (measured 362 to 378), each sampling about
   * 1.5 of its 6000 entries, to charge 100 samples to each of the newest few level-0 files.
   */
  private static final int MAX_SCANS = 3000;

  @TempDir Path dir;

  private final ManualExecutor background = new ManualExecutor();

  private Options options(boolean readTriggered) {
    return Options.builder()
        .backgroundExecutor(background).flushOnClose(false)
        .readTriggeredCompaction(readTriggered)
        .memtableSizeBytes(64 << 10)
        .memtableShards(2)
        .compression(Compression.NONE)
        // No write waits on background work: it runs only when the test runs it.
        .maxImmutableMemtables(64)
        .level0CompactionTrigger(64)
        .level0SlowdownTrigger(64)
        .level0StopTrigger(64)
        .build();
  }

  private static byte[] key(int i) {
    return String.format("key%05d", i).getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] value(int round, int i) {
    byte[] v = new byte[100];
    Arrays.fill(v, (byte) (round * 31 + i));
    return v;
  }

  /** Three rounds over every key, flushed as they fill memtables: overlapping level-0 files. */
  private static void writeRounds(DbImpl db, ManualExecutor background) {
    for (int round = 0; round < 3; round++) {
      for (int i = 0; i < KEYS; i++) {
        db.put(key(i), value(round, i));
      }
      background.runPending();
    }
  }

  /** Scans every key, checking that each holds the last round's value. */
  private static void scanAndCheck(DbImpl db) {
    int i = 0;
    int wrong = 0;
    try (DBIterator it = db.newIterator(ReadOptions.DEFAULT)) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        if (!Arrays.equals(it.key(), key(i)) || !Arrays.equals(it.value(), value(2, i))) {
          wrong++;
        }
        i++;
      }
    }
    assertThat(wrong).as("entries with a wrong key or value").isZero();
    assertThat(i).isEqualTo(KEYS);
  }

  private static long sstBytes(DbImpl db) {
    return Long.parseLong(db.getProperty("strata.total-sst-bytes"));
  }

  @Test
  void scansOverOverlappingLevel0Files_compactThem_andReadTheSameAfter() {
    try (DbImpl db = (DbImpl) StrataDB.open(dir, options(true))) {
      writeRounds(db, background);
      Level[] before = db.levelsForProperties();
      assertThat(before[0].fileCount()).as("level-0 files after the writes").isGreaterThan(3);
      long bytesBefore = sstBytes(db);

      int scans = 0;
      while (db.stats.readTriggeredCompactions.sum() == 0) {
        assertThat(scans++).as("scans without a read-triggered compaction").isLessThan(MAX_SCANS);
        scanAndCheck(db);
        // Runs the compaction the scan's samples asked for, if they did.
        background.runPending();
      }

      Level[] after = db.levelsForProperties();
      assertThat(after[0].fileCount()).isLessThan(before[0].fileCount());
      int below = 0;
      for (int l = 1; l < after.length; l++) {
        below += after[l].fileCount();
        assertThat(after[l].isDisjoint()).isTrue();
      }
      assertThat(below).as("files below level 0").isPositive();
      // The compaction dropped the versions its newer inputs overwrote.
      assertThat(sstBytes(db)).isLessThan(bytesBefore);
      assertThat(db.getProperty("strata.stats")).contains("read-triggered compactions: 1");
      scanAndCheck(db);
      for (int i = 0; i < KEYS; i++) {
        assertThat(db.get(key(i))).isEqualTo(value(2, i));
      }
    }
  }

  @Test
  void backwardScans_alsoCountAsReads() {
    try (DbImpl db = (DbImpl) StrataDB.open(dir, options(true))) {
      writeRounds(db, background);
      int scans = 0;
      while (db.stats.readTriggeredCompactions.sum() == 0) {
        assertThat(scans++).as("scans without a read-triggered compaction").isLessThan(MAX_SCANS);
        int n = 0;
        try (DBIterator it = db.newIterator(ReadOptions.DEFAULT)) {
          for (it.seekToLast(); it.isValid(); it.prev()) {
            n++;
          }
        }
        assertThat(n).isEqualTo(KEYS);
        background.runPending();
      }
      assertThat(db.levelsForProperties()[0].fileCount()).isLessThan(
          db.stats.flushes.intValue());
    }
  }

  @Test
  void disabled_scansLeaveTheLevelsAsTheyAre() {
    try (DbImpl db = (DbImpl) StrataDB.open(dir, options(false))) {
      writeRounds(db, background);
      int level0 = db.levelsForProperties()[0].fileCount();
      long bytes = sstBytes(db);

      // More than twice the scans after which the enabled engine compacts.
      for (int scan = 0; scan < 1000; scan++) {
        scanAndCheck(db);
        background.runPending();
      }

      assertThat(db.stats.readTriggeredCompactions.sum()).isZero();
      assertThat(db.levelsForProperties()[0].fileCount()).isEqualTo(level0);
      assertThat(sstBytes(db)).isEqualTo(bytes);
      assertThat(db.getProperty("strata.compaction-pending")).isEqualTo("false");
    }
  }
}
