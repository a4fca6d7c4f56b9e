package dev.strata.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.strata.DBIterator;
import dev.strata.MergeOperator;
import dev.strata.MergeOperators;
import dev.strata.Options;
import dev.strata.ReadOptions;
import dev.strata.Snapshot;
import dev.strata.StrataDB;
import dev.strata.StrataException;
import dev.strata.WriteBatch;
import dev.strata.sstable.TableProperties;
import dev.strata.testing.TableFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLongArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Merge operands through every layer and path: counters and appended lists across memtables,
 * level 0 and sorted levels, every read path, snapshots, reopen; a long chain folded by
 * compaction; no operator, an operator that throws; and concurrent merges while flushes and
 * compactions install (an operand must count exactly once).
 */
class MergeTest {
  @TempDir Path dir;

  private static final MergeOperator APPEND = MergeOperators.stringAppend((byte) ',');

  private static Options small(MergeOperator op) {
    return Options.builder()
        .mergeOperator(op)
        .memtableSizeBytes(32 * 1024)
        .blockSizeBytes(512)
        .targetFileSizeBytes(8 * 1024)
        .maxBytesForLevelBase(32 * 1024)
        .level0CompactionTrigger(2)
        .build();
  }

  private static byte[] key(int i) {
    return String.format("k%05d", i).getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String s(byte[] v) {
    return v == null ? null : new String(v, StandardCharsets.UTF_8);
  }

  /** get, multiGet and both scan directions against the expected map of counters. */
  private static void checkCounters(StrataDB db, Map<Integer, Long> expected, ReadOptions ro) {
    List<byte[]> keys = new ArrayList<>();
    for (int i = 0; i < 120; i++) {
      keys.add(key(i));
      byte[] v = db.get(key(i), ro);
      Long want = expected.get(i);
      if (want == null) {
        assertThat(v).as("get %d", i).isNull();
      } else {
        assertThat(MergeOperators.uint64(v)).as("get %d", i).isEqualTo(want);
      }
    }
    List<byte[]> got = db.multiGet(keys, ro);
    for (int i = 0; i < 120; i++) {
      Long want = expected.get(i);
      assertThat(got.get(i) == null ? null : MergeOperators.uint64(got.get(i)))
          .as("multiGet %d", i)
          .isEqualTo(want);
    }
    TreeMap<String, Long> forward = new TreeMap<>();
    List<String> backward = new ArrayList<>();
    try (DBIterator it = db.newIterator(ro)) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        forward.put(s(it.key()), MergeOperators.uint64(it.value()));
      }
      for (it.seekToLast(); it.isValid(); it.prev()) {
        backward.add(s(it.key()) + "=" + MergeOperators.uint64(it.value()));
      }
    }
    TreeMap<String, Long> want = new TreeMap<>();
    expected.forEach((i, v) -> want.put(s(key(i)), v));
    assertThat(forward).isEqualTo(want);
    List<String> wantBackward = new ArrayList<>();
    want.descendingMap().forEach((k, v) -> wantBackward.add(k + "=" + v));
    assertThat(backward).isEqualTo(wantBackward);
  }

  @Test
  void counters_acrossEveryLayer_snapshotsAndReopen() {
    Map<Integer, Long> expected = new TreeMap<>();
    Map<Integer, Long> atSnapshot;
    Options o = small(MergeOperators.uint64Add());
    try (StrataDB db = StrataDB.open(dir, o)) {
      for (int round = 0; round < 40; round++) {
        for (int i = 0; i < 100; i++) {
          if ((i + round) % 3 == 0) {
            db.merge(key(i), MergeOperators.uint64(round + 1));
            expected.merge(i, (long) round + 1, Long::sum);
          }
        }
        if (round == 10) {
          // A put resets some counters, a delete and a range deletion remove others.
          for (int i = 0; i < 100; i += 10) {
            db.put(key(i), MergeOperators.uint64(1000));
            expected.put(i, 1000L);
          }
          db.delete(key(5));
          expected.remove(5);
          db.deleteRange(key(20), key(30));
          for (int i = 20; i < 30; i++) {
            expected.remove(i);
          }
        }
        if (round % 7 == 3) {
          db.flush();
        }
        if (round == 25) {
          db.compactRange(null, null);
        }
      }
      atSnapshot = new TreeMap<>(expected);
      try (Snapshot snap = db.getSnapshot()) {
        for (int i = 100; i < 110; i++) {
          db.merge(key(i), MergeOperators.uint64(7));
          expected.merge(i, 7L, Long::sum);
        }
        for (int i = 0; i < 100; i += 2) {
          db.merge(key(i), MergeOperators.uint64(1));
          expected.merge(i, 1L, Long::sum);
        }
        checkCounters(db, expected, ReadOptions.DEFAULT);
        checkCounters(db, atSnapshot, ReadOptions.builder().snapshot(snap).build());
        db.compactRange(null, null);
        checkCounters(db, expected, ReadOptions.DEFAULT);
        checkCounters(db, atSnapshot, ReadOptions.builder().snapshot(snap).build());
      }
      db.compactRange(null, null);
      checkCounters(db, expected, ReadOptions.DEFAULT);
    }
    try (StrataDB db = StrataDB.open(dir, o)) {
      checkCounters(db, expected, ReadOptions.DEFAULT);
    }
  }

  @Test
  void stringAppend_onValuesDeletesAndRangeDeletions() {
    try (StrataDB db = StrataDB.open(dir, small(APPEND))) {
      db.put(b("a"), b("base"));
      db.merge(b("a"), b("x"));
      db.merge(b("b"), b("only"));
      db.put(b("c"), b("gone"));
      db.delete(b("c"));
      db.merge(b("c"), b("after-delete"));
      db.put(b("d"), b("hidden"));
      db.deleteRange(b("d"), b("e"));
      db.merge(b("d"), b("after-range"));
      WriteBatch batch = new WriteBatch().merge(b("a"), b("y")).put(b("e"), b("v")).merge(b("e"), b("w"));
      db.write(batch);
      for (int pass = 0; pass < 3; pass++) {
        assertThat(s(db.get(b("a")))).as("pass %d", pass).isEqualTo("base,x,y");
        assertThat(s(db.get(b("b")))).isEqualTo("only");
        assertThat(s(db.get(b("c")))).isEqualTo("after-delete");
        assertThat(s(db.get(b("d")))).isEqualTo("after-range");
        assertThat(s(db.get(b("e")))).isEqualTo("v,w");
        if (pass == 0) {
          db.flush();
        } else {
          db.compactRange(null, null);
        }
      }
    }
  }

  /** Entries in the database's tables now, read from the files themselves. */
  private long tableEntries() throws IOException {
    return TableFiles.sum(dir, TableProperties::entryCount);
  }

  @Test
  void chainOf10000Operands_compactsToOneEntry() throws IOException {
    try (StrataDB db = StrataDB.open(dir, small(MergeOperators.uint64Add()))) {
      for (int i = 1; i <= 10_000; i++) {
        db.merge(b("counter"), MergeOperators.uint64(i));
      }
      long sum = 10_000L * 10_001 / 2;
      assertThat(MergeOperators.uint64(db.get(b("counter")))).isEqualTo(sum);
      db.compactRange(null, null);
      assertThat(tableEntries()).as("the chain folded into one value").isEqualTo(1);
      assertThat(MergeOperators.uint64(db.get(b("counter")))).isEqualTo(sum);
    }
  }

  @Test
  void withoutAnOperator_mergesAreRefused_andOperandsWrittenBeforeAreKept() {
    try (StrataDB db = StrataDB.open(dir, Options.builder().build())) {
      assertThatThrownBy(() -> db.merge(b("k"), b("v")))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("merge operator");
      WriteBatch batch = new WriteBatch().put(b("p"), b("1")).merge(b("k"), b("v"));
      assertThatThrownBy(() -> db.write(batch)).isInstanceOf(IllegalStateException.class);
      assertThat(db.get(b("p"))).as("nothing of the refused batch applied").isNull();
    }
    // Left in the WAL: a flush with the operator would fold the operand into the value.
    try (StrataDB db =
        StrataDB.open(dir, small(APPEND).toBuilder().flushOnClose(false).build())) {
      db.put(b("k"), b("a"));
      db.merge(b("k"), b("b"));
      db.put(b("plain"), b("p"));
    }
    try (StrataDB db = StrataDB.open(dir, Options.builder().build())) {
      assertThatThrownBy(() -> db.get(b("k")))
          .isInstanceOf(StrataException.class)
          .hasMessageContaining("without a merge operator");
      assertThat(s(db.get(b("plain")))).isEqualTo("p");
      // Flushes and compactions without an operator keep the operands as written.
      db.compactRange(null, null);
      assertThat(s(db.get(b("plain")))).isEqualTo("p");
    }
    try (StrataDB db = StrataDB.open(dir, small(APPEND))) {
      assertThat(s(db.get(b("k")))).isEqualTo("a,b");
    }
  }

  @Test
  void aThrowingOperator_failsTheRead_andCompactionKeepsTheOperands() {
    MergeOperator failing =
        (key, existing, operands) -> {
          if (s(key).equals("bad")) {
            throw new IllegalStateException("operator refuses " + s(key));
          }
          return APPEND.fullMerge(key, existing, operands);
        };
    try (StrataDB db = StrataDB.open(dir, small(failing))) {
      db.put(b("bad"), b("a"));
      db.merge(b("bad"), b("b"));
      db.merge(b("good"), b("g"));
      assertThatThrownBy(() -> db.get(b("bad")))
          .isInstanceOf(StrataException.class)
          .hasMessageContaining("operator refuses bad");
      db.compactRange(null, null);
      assertThat(s(db.get(b("good")))).isEqualTo("g");
      db.put(b("later"), b("still writable"));
      assertThat(s(db.get(b("later")))).isEqualTo("still writable");
    }
    try (StrataDB db = StrataDB.open(dir, small(APPEND))) {
      assertThat(s(db.get(b("bad")))).as("operands kept as written").isEqualTo("a,b");
    }
  }

  /**
   * Writers add 1 to a few counters while flushes and compactions run, and readers check that a
   * counter never goes down and never exceeds what was added: an operand counted twice (a
   * memtable read beside the table its flush wrote, or a compaction's inputs beside its folded
   * outputs) shows as a counter too high.
   */
  @Test
  void concurrentMerges_whileFlushesAndCompactionsInstall_countEachOperandOnce()
      throws Exception {
    int keys = 4;
    int writers = 3;
    int perWriter = 4000;
    AtomicLongArray added = new AtomicLongArray(keys);
    Options o = small(MergeOperators.uint64Add()).toBuilder().memtableSizeBytes(8 * 1024).build();
    try (StrataDB db = StrataDB.open(dir, o)) {
      ExecutorService pool = Executors.newFixedThreadPool(writers + 2);
      AtomicBoolean done = new AtomicBoolean();
      List<Future<?>> futures = new ArrayList<>();
      for (int w = 0; w < writers; w++) {
        int id = w;
        futures.add(
            pool.submit(
                () -> {
                  for (int i = 0; i < perWriter; i++) {
                    int k = (i + id) % keys;
                    db.merge(key(k), MergeOperators.uint64(1));
                    added.incrementAndGet(k);
                  }
                  return null;
                }));
      }
      for (int r = 0; r < 2; r++) {
        boolean scan = r == 1;
        futures.add(
            pool.submit(
                () -> {
                  long[] last = new long[keys];
                  while (!done.get()) {
                    for (int k = 0; k < keys; k++) {
                      long ceiling = added.get(k) + writers;
                      byte[] v;
                      if (scan) {
                        try (DBIterator it = db.newIterator()) {
                          it.seek(key(k));
                          v = it.isValid() && s(it.key()).equals(s(key(k))) ? it.value() : null;
                        }
                      } else {
                        v = db.get(key(k));
                      }
                      long now = v == null ? 0 : MergeOperators.uint64(v);
                      long seenAdded = added.get(k) + writers;
                      assertThat(now).as("key %d never goes down", k).isGreaterThanOrEqualTo(last[k]);
                      assertThat(now)
                          .as("key %d counts each operand once", k)
                          .isLessThanOrEqualTo(Math.max(ceiling, seenAdded));
                      last[k] = now;
                    }
                  }
                  return null;
                }));
      }
      for (int i = 0; i < writers; i++) {
        futures.get(i).get(120, TimeUnit.SECONDS);
      }
      done.set(true);
      for (Future<?> f : futures) {
        f.get(120, TimeUnit.SECONDS);
      }
      pool.shutdown();
      for (int k = 0; k < keys; k++) {
        assertThat(MergeOperators.uint64(db.get(key(k)))).isEqualTo(added.get(k));
      }
      db.compactRange(null, null);
      for (int k = 0; k < keys; k++) {
        assertThat(MergeOperators.uint64(db.get(key(k)))).isEqualTo(added.get(k));
      }
    }
  }
}
