package dev.strata.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.strata.DBIterator;
import dev.strata.Options;
import dev.strata.ReadOptions;
import dev.strata.Snapshot;
import dev.strata.StrataDB;
import dev.strata.StrataException;
import dev.strata.WriteBatch;
import dev.strata.sstable.TableProperties;
import dev.strata.testing.ModelChecks;
import dev.strata.testing.ModelDb;
import dev.strata.testing.TableFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.NavigableMap;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Range deletions through every layer: memtable, level 0, sorted levels cut into many files,
 * snapshots, reopen; every read path (get, multiGet, keyMayExist, iterators both ways with
 * bounds) agrees with a model; compaction drops what they hide and drops them at the bottom; and a
 * range deletion over many keys is one small write, not one per key.
 */
class RangeDeleteTest {
  @TempDir Path dir;

  private static Options smallTables() {
    return Options.builder()
        .memtableSizeBytes(64 * 1024)
        .blockSizeBytes(512)
        .targetFileSizeBytes(8 * 1024)
        .maxBytesForLevelBase(32 * 1024)
        .level0CompactionTrigger(2)
        .build();
  }

  private static byte[] key(int i) {
    return String.format("k%06d", i).getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] value(int i, int generation) {
    return ("v" + i + "." + generation + "-" + "x".repeat(40)).getBytes(StandardCharsets.UTF_8);
  }

  /** Every read path against the model, at the latest state or a snapshot. */
  private static void checkAll(
      StrataDB db, NavigableMap<byte[], byte[]> model, ReadOptions ro, int keySpace, String where) {
    ModelChecks.checkAll(db, model, ro, keySpace, RangeDeleteTest::key, where);
  }

  /** Range tombstones in the database's tables now, read from the files themselves. */
  private long tableRangeTombstones() throws IOException {
    return TableFiles.sum(dir, TableProperties::rangeTombstoneCount);
  }

  @Test
  void rangeDeletion_inEveryLayer_readsAsTheModelDoes() throws IOException {
    int keySpace = 3000;
    ModelDb model = new ModelDb();
    try (StrataDB db = StrataDB.open(dir, smallTables())) {
      for (int i = 0; i < keySpace; i++) {
        db.put(key(i), value(i, 0));
        model.put(key(i), value(i, 0));
      }
      db.compactRange(null, null);
      // A deletion over the sorted levels, cut into many files.
      db.deleteRange(key(100), key(900));
      model.deleteRange(key(100), key(900));
      checkAll(db, model.view(), ReadOptions.DEFAULT, keySpace, "memtable over levels");
      // Newer writes inside the range are visible again; an overlapping deletion hides part.
      for (int i = 500; i < 700; i += 3) {
        db.put(key(i), value(i, 1));
        model.put(key(i), value(i, 1));
      }
      db.flush();
      db.deleteRange(key(650), key(1200));
      model.deleteRange(key(650), key(1200));
      db.deleteRange(key(2000), key(2000));
      checkAll(db, model.view(), ReadOptions.DEFAULT, keySpace, "level 0 and memtable");
      db.flush();
      checkAll(db, model.view(), ReadOptions.DEFAULT, keySpace, "two level-0 files");
      db.compactRange(null, null);
      checkAll(db, model.view(), ReadOptions.DEFAULT, keySpace, "compacted");
      assertThat(tableRangeTombstones())
          .as("with no snapshot, compaction to the bottom drops the tombstones")
          .isZero();
    }
    try (StrataDB db = StrataDB.open(dir, smallTables())) {
      checkAll(db, model.view(), ReadOptions.DEFAULT, keySpace, "reopened");
    }
  }

  @Test
  void rangeDeletion_snapshotsKeepWhatTheySaw_throughFlushAndCompaction() throws IOException {
    int keySpace = 2000;
    ModelDb model = new ModelDb();
    try (StrataDB db = StrataDB.open(dir, smallTables())) {
      for (int i = 0; i < keySpace; i++) {
        db.put(key(i), value(i, 0));
        model.put(key(i), value(i, 0));
      }
      db.flush();
      Snapshot before = db.getSnapshot();
      NavigableMap<byte[], byte[]> beforeView = model.snapshot();
      db.deleteRange(key(0), key(1500));
      model.deleteRange(key(0), key(1500));
      for (int i = 0; i < 1500; i += 10) {
        db.put(key(i), value(i, 1));
        model.put(key(i), value(i, 1));
      }
      Snapshot middle = db.getSnapshot();
      NavigableMap<byte[], byte[]> middleView = model.snapshot();
      db.deleteRange(key(1000), key(keySpace));
      model.deleteRange(key(1000), key(keySpace));

      ReadOptions atBefore = ReadOptions.builder().snapshot(before).build();
      ReadOptions atMiddle = ReadOptions.builder().snapshot(middle).build();
      for (int round = 0; round < 2; round++) {
        String when = round == 0 ? "in memtables" : "compacted";
        checkAll(db, beforeView, atBefore, keySpace, when + ", snapshot before");
        checkAll(db, middleView, atMiddle, keySpace, when + ", snapshot in the middle");
        checkAll(db, model.view(), ReadOptions.DEFAULT, keySpace, when + ", latest");
        db.compactRange(null, null);
      }
      assertThat(tableRangeTombstones()).as("snapshots keep the tombstones").isPositive();
      before.close();
      middle.close();
      db.compactRange(null, null);
      checkAll(db, model.view(), ReadOptions.DEFAULT, keySpace, "snapshots released");
      assertThat(tableRangeTombstones()).isZero();
    }
  }

  @Test
  void writeBatch_laterOperationsWin_andTheBatchIsOneUnit() {
    try (StrataDB db = StrataDB.open(dir, smallTables())) {
      for (int i = 0; i < 10; i++) {
        db.put(key(i), value(i, 0));
      }
      WriteBatch b =
          new WriteBatch()
              .put(key(20), value(20, 0))
              .put(key(3), value(3, 1))
              .deleteRange(key(2), key(8))
              .put(key(5), value(5, 1))
              .deleteRange(key(19), key(21));
      db.write(b);
      assertThat(db.get(key(1))).isEqualTo(value(1, 0));
      assertThat(db.get(key(3))).as("put before the deletion in the batch").isNull();
      assertThat(db.get(key(5))).as("put after it").isEqualTo(value(5, 1));
      assertThat(db.get(key(7))).isNull();
      assertThat(db.get(key(8))).as("the end is exclusive").isEqualTo(value(8, 0));
      assertThat(db.get(key(20))).isNull();
    }
    try (StrataDB db = StrataDB.open(dir, smallTables())) {
      assertThat(db.get(key(3))).as("replayed from the WAL").isNull();
      assertThat(db.get(key(5))).isEqualTo(value(5, 1));
      assertThat(db.get(key(20))).isNull();
    }
  }

  @Test
  void deleteRange_overManyKeys_isOneSmallWrite() {
    try (StrataDB db = StrataDB.open(dir, Options.builder().memtableSizeBytes(64 << 20).build())) {
      WriteBatch b = new WriteBatch();
      for (int i = 0; i < 100_000; i++) {
        b.put(key(i), value(i, 0));
        if (b.count() == 1000) {
          db.write(b);
          b.clear();
        }
      }
      long walBefore = Long.parseLong(db.getProperty("strata.bytes-written-wal"));
      long entriesBefore = Long.parseLong(db.getProperty("strata.estimate-num-keys"));
      db.deleteRange(key(0), key(100_000));
      long walAfter = Long.parseLong(db.getProperty("strata.bytes-written-wal"));
      assertThat(walAfter - walBefore)
          .as("WAL bytes of a deletion of 100,000 keys: one record, not one per key")
          .isLessThan(100);
      assertThat(entriesBefore).isEqualTo(100_000);
      assertThat(db.get(key(0))).isNull();
      assertThat(db.get(key(99_999))).isNull();
      try (DBIterator it = db.newIterator()) {
        it.seekToFirst();
        assertThat(it.isValid()).isFalse();
      }
    }
  }

  @Test
  void badArguments_areRefusedAndChangeNothing() {
    try (StrataDB db = StrataDB.open(dir, smallTables())) {
      db.put(key(1), value(1, 0));
      assertThatThrownBy(() -> db.deleteRange(key(2), key(1)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("begins after its end");
      assertThatThrownBy(() -> db.deleteRange(null, key(1)))
          .isInstanceOf(NullPointerException.class);
      assertThatThrownBy(() -> db.deleteRange(key(1), null))
          .isInstanceOf(NullPointerException.class);
      byte[] huge = new byte[StrataDB.MAX_KEY_BYTES + 1];
      assertThatThrownBy(() -> db.deleteRange(key(0), huge))
          .isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> new WriteBatch().deleteRange(key(3), key(2)))
          .isInstanceOf(IllegalArgumentException.class);
      db.deleteRange(key(1), key(1));
      assertThat(db.get(key(1))).as("an empty range deletes nothing").isEqualTo(value(1, 0));
      // Bounds are copied: changing the caller's arrays afterwards changes nothing.
      byte[] begin = key(0);
      byte[] end = key(1);
      db.deleteRange(begin, end);
      end[end.length - 1] = '9';
      assertThat(db.get(key(1))).isEqualTo(value(1, 0));
    }
    StrataDB closed = StrataDB.open(dir, smallTables());
    closed.close();
    assertThatThrownBy(() -> closed.deleteRange(key(0), key(1)))
        .isInstanceOf(StrataException.class);
  }

  @Test
  void randomRangeDeletions_overClusteredKeys_withSmallFiles_matchTheModel() {
    Random rnd = new Random(7);
    int keySpace = 4000;
    ModelDb model = new ModelDb();
    Options o = smallTables().toBuilder().memtableSizeBytes(16 * 1024).build();
    try (StrataDB db = StrataDB.open(dir, o)) {
      for (int op = 0; op < 30_000; op++) {
        int r = rnd.nextInt(100);
        // Keys cluster around a slowly moving centre.
        int centre = (op / 50) % keySpace;
        int i = Math.floorMod(centre + (int) (rnd.nextGaussian() * 40), keySpace);
        if (r < 80) {
          db.put(key(i), value(i, op));
          model.put(key(i), value(i, op));
        } else if (r < 88) {
          db.delete(key(i));
          model.delete(key(i));
        } else if (r < 92) {
          int j = Math.min(keySpace, i + rnd.nextInt(200));
          db.deleteRange(key(i), key(j));
          model.deleteRange(key(i), key(j));
        } else if (r < 97) {
          byte[] k = key(rnd.nextInt(keySpace));
          assertThat(db.get(k)).as("op " + op).isEqualTo(model.get(k));
        } else if (r < 98) {
          int a = rnd.nextInt(keySpace);
          db.compactRange(key(a), key(Math.min(keySpace - 1, a + rnd.nextInt(500))));
        }
      }
      checkAll(db, model.view(), ReadOptions.DEFAULT, keySpace, "after the workload");
      db.compactRange(null, null);
      checkAll(db, model.view(), ReadOptions.DEFAULT, keySpace, "fully compacted");
    }
    try (StrataDB db = StrataDB.open(dir, o)) {
      checkAll(db, model.view(), ReadOptions.DEFAULT, keySpace, "reopened");
    }
  }
}
