package dev.strata.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.strata.Options;
import dev.strata.ReadOptions;
import dev.strata.Snapshot;
import dev.strata.StrataDB;
import dev.strata.WriteBatch;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code multiGet} answers as the same gets would, for keys in every layer (memtable, level 0,
 * sorted levels, overwritten and deleted in different layers, duplicated, absent), from one
 * consistent view while writers, flushes and compactions run; {@code keyMayExist} never says false
 * for a present key and reads no data block.
 */
class MultiGetTest {
  @TempDir Path dir;

  private static Options smallTables() {
    return Options.builder()
        .memtableSizeBytes(64 * 1024)
        .targetFileSizeBytes(16 * 1024)
        .maxBytesForLevelBase(64 * 1024)
        .level0CompactionTrigger(2)
        .build();
  }

  private static byte[] key(int i) {
    return String.format("key%06d", i).getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] value(int i, int generation) {
    return ("v" + i + "-" + generation + "-" + "x".repeat(i % 50))
        .getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void multiGet_answersAsGetsDo_acrossEveryLayer() {
    try (StrataDB db = StrataDB.open(dir, smallTables())) {
      // Generation 0 of 4,000 keys, pushed to the sorted levels.
      for (int i = 0; i < 4000; i++) {
        db.put(key(i), value(i, 0));
      }
      db.compactRange(null, null);
      // Generation 1 of every third key and deletions of every seventh, in level 0.
      for (int i = 0; i < 4000; i += 3) {
        db.put(key(i), value(i, 1));
      }
      for (int i = 0; i < 4000; i += 7) {
        db.delete(key(i));
      }
      db.flush();
      // Generation 2 of every fifth key and a few deletions, still in the memtable.
      for (int i = 0; i < 4000; i += 5) {
        db.put(key(i), value(i, 2));
      }
      for (int i = 1; i < 4000; i += 11) {
        db.delete(key(i));
      }

      Random rnd = new Random(42);
      for (int round = 0; round < 20; round++) {
        List<byte[]> keys = new ArrayList<>();
        int n = round == 0 ? 4500 : 1 + rnd.nextInt(300);
        for (int k = 0; k < n; k++) {
          // Some keys absent (beyond 4,000 or between keys), some repeated.
          int i = rnd.nextInt(4400);
          keys.add(
              rnd.nextInt(10) == 0
                  ? (new String(key(i), StandardCharsets.UTF_8) + "~")
                      .getBytes(StandardCharsets.UTF_8)
                  : key(i));
          if (rnd.nextInt(20) == 0) {
            keys.add(keys.get(rnd.nextInt(keys.size())));
          }
        }
        List<byte[]> values = db.multiGet(keys);
        assertThat(values).hasSize(keys.size());
        for (int k = 0; k < keys.size(); k++) {
          assertThat(values.get(k))
              .as("round %d, key %s", round, new String(keys.get(k), StandardCharsets.UTF_8))
              .isEqualTo(db.get(keys.get(k)));
        }
      }
      assertThat(db.multiGet(List.of())).isEmpty();
    }
  }

  @Test
  void multiGet_atASnapshot_seesTheSnapshotsValues() {
    try (StrataDB db = StrataDB.open(dir, smallTables())) {
      for (int i = 0; i < 2000; i++) {
        db.put(key(i), value(i, 0));
      }
      try (Snapshot s = db.getSnapshot()) {
        for (int i = 0; i < 2000; i++) {
          if (i % 2 == 0) {
            db.put(key(i), value(i, 1));
          } else {
            db.delete(key(i));
          }
        }
        db.compactRange(null, null);
        List<byte[]> keys = new ArrayList<>();
        for (int i = 1999; i >= 0; i--) {
          keys.add(key(i));
        }
        List<byte[]> old = db.multiGet(keys, ReadOptions.builder().snapshot(s).build());
        List<byte[]> now = db.multiGet(keys);
        for (int k = 0; k < keys.size(); k++) {
          int i = 1999 - k;
          assertThat(old.get(k)).as("key %d at the snapshot", i).isEqualTo(value(i, 0));
          assertThat(now.get(k)).as("key %d now", i).isEqualTo(i % 2 == 0 ? value(i, 1) : null);
        }
      }
    }
  }

  /**
   * A writer sets all 64 keys to the same generation in each batch while flushes and compactions
   * run; every multiGet must see one generation for all of them. Read key by key, at moving
   * sequences, they would mix generations.
   */
  @Test
  void multiGet_seesOneConsistentState_whileBatchesFlushesAndCompactionsRun() throws Exception {
    int keys = 64;
    ExecutorService pool = Executors.newFixedThreadPool(1);
    try (StrataDB db = StrataDB.open(dir, smallTables())) {
      WriteBatch first = new WriteBatch();
      for (int i = 0; i < keys; i++) {
        first.put(key(i), gen(0, 200));
      }
      db.write(first);
      AtomicBoolean stop = new AtomicBoolean();
      Future<?> writer =
          pool.submit(
              () -> {
                for (int g = 1; !stop.get(); g++) {
                  WriteBatch b = new WriteBatch();
                  for (int i = 0; i < keys; i++) {
                    b.put(key(i), gen(g, 200));
                  }
                  db.write(b);
                }
                return null;
              });
      List<byte[]> all = new ArrayList<>();
      for (int i = 0; i < keys; i++) {
        all.add(key(i));
      }
      Collections.shuffle(all, new Random(7));
      int lastGeneration = 0;
      long tableBytesBefore = tableBytes(db);
      int reads = 0;
      // Until the writer's batches have filled four 64 KiB memtables (so that reads met
      // flushes and compactions installing), and at least 500 reads.
      while (reads < 500 || tableBytes(db) < tableBytesBefore + 4 * 64 * 1024) {
        assertThat(reads).as("flushes did not happen").isLessThan(2_000_000);
        List<byte[]> values = db.multiGet(all);
        int g = generation(values.get(0));
        for (int k = 1; k < keys; k++) {
          assertThat(generation(values.get(k)))
              .as("read %d, key %s", reads, new String(all.get(k), StandardCharsets.UTF_8))
              .isEqualTo(g);
        }
        assertThat(g).as("generations never go back").isGreaterThanOrEqualTo(lastGeneration);
        lastGeneration = g;
        reads++;
      }
      stop.set(true);
      writer.get(60, TimeUnit.SECONDS);
    } finally {
      pool.shutdownNow();
    }
  }

  private static long tableBytes(StrataDB db) {
    return Long.parseLong(db.getProperty("strata.bytes-written-tables"));
  }

  private static byte[] gen(int g, int padding) {
    byte[] v = new byte[4 + padding];
    v[0] = (byte) (g >>> 24);
    v[1] = (byte) (g >>> 16);
    v[2] = (byte) (g >>> 8);
    v[3] = (byte) g;
    return v;
  }

  private static int generation(byte[] v) {
    assertThat(v).isNotNull();
    return ((v[0] & 0xFF) << 24) | ((v[1] & 0xFF) << 16) | ((v[2] & 0xFF) << 8) | (v[3] & 0xFF);
  }

  @Test
  void multiGet_refusesNullsAndUseAfterClose() {
    StrataDB db = StrataDB.open(dir, smallTables());
    db.put(key(1), value(1, 0));
    assertThatThrownBy(() -> db.multiGet(null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> db.multiGet(Arrays.asList(key(1), null)))
        .isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> db.multiGet(List.of(key(1)), null))
        .isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> db.keyMayExist(null)).isInstanceOf(NullPointerException.class);
    db.close();
    // As get does after close.
    assertThatThrownBy(() -> db.multiGet(List.of(key(1))))
        .isInstanceOf(dev.strata.StrataException.class)
        .hasMessageContaining("closed");
    assertThatThrownBy(() -> db.keyMayExist(key(1)))
        .isInstanceOf(dev.strata.StrataException.class)
        .hasMessageContaining("closed");
  }

  @Test
  void keyMayExist_isTrueForEveryPresentKey_falseForMostAbsentOnes_andReadsNoDataBlock() {
    // No background compaction: a compaction running during the loop reads data blocks through the
    // same cache and would count as keyMayExist's. compactRange then runs in this thread.
    Options options =
        Options.builder()
            .memtableSizeBytes(64 * 1024)
            .targetFileSizeBytes(16 * 1024)
            .maxBytesForLevelBase(64 * 1024)
            .level0CompactionTrigger(2)
            .backgroundCompaction(false)
            .build();
    try (StrataDB s = StrataDB.open(dir, options)) {
      DbImpl db = (DbImpl) s;
      for (int i = 0; i < 3000; i += 2) {
        db.put(key(i), value(i, 0));
      }
      db.compactRange(null, null);
      for (int i = 0; i < 3000; i += 6) {
        db.put(key(i), value(i, 1));
      }
      db.flush();
      db.put(key(10), value(10, 2));
      db.delete(key(12));

      long blockLookups = db.blockCache().hits() + db.blockCache().misses();
      int absentSaidMaybe = 0;
      for (int i = 0; i < 3000; i++) {
        if (i == 12) {
          // Its newest version, a deletion, is in the memtable: certainly absent.
          assertThat(db.keyMayExist(key(i))).as("deleted key 12").isFalse();
        } else if (i % 2 == 0) {
          assertThat(db.keyMayExist(key(i))).as("present key %d", i).isTrue();
        } else if (db.keyMayExist(key(i))) {
          absentSaidMaybe++;
        }
      }
      // Bloom filters of 10 bits per key: about 1% false positives per table consulted.
      assertThat(absentSaidMaybe).as("absent keys said to maybe exist").isLessThan(150);
      assertThat(db.blockCache().hits() + db.blockCache().misses())
          .as("data block lookups by keyMayExist")
          .isEqualTo(blockLookups);

      try (Snapshot snap = db.getSnapshot()) {
        db.delete(key(20));
        assertThat(db.keyMayExist(key(20))).isFalse();
        assertThat(db.keyMayExist(key(20), ReadOptions.builder().snapshot(snap).build()))
            .isTrue();
      }
    }
  }
}
