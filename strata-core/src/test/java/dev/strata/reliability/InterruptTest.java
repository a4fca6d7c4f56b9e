package dev.strata.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.Compression;
import dev.strata.DBIterator;
import dev.strata.MergeOperators;
import dev.strata.Options;
import dev.strata.StrataDB;
import dev.strata.WriteBatch;
import dev.strata.WriteOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Interrupted callers and interrupted background threads of a database on disk (the production
 * file system): a call made with its interrupt flag set completes and keeps the flag, and the
 * database stays fully usable by every other thread. Unit-level storms are in {@code
 * dev.strata.fs.NioFileSystemInterruptTest}; the contract is in {@code docs/design/interrupts.md}.
 */
class InterruptTest {
  private static final int KEYS = 2_000;

  @TempDir Path dir;

  private static Options options() {
    // No block cache, so that every get reads the table file.
    return Options.builder()
        .memtableSizeBytes(32 * 1024)
        .targetFileSizeBytes(32 * 1024)
        .level0CompactionTrigger(2)
        .blockCacheBytes(0)
        .compression(Compression.NONE)
        .build();
  }

  private static byte[] key(int i) {
    return String.format("key%06d", i).getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] value(int i, int version) {
    return ("value-" + i + "-" + version).getBytes(StandardCharsets.UTF_8);
  }

  private static void putAll(StrataDB db, int version) {
    for (int i = 0; i < KEYS; i++) {
      db.put(key(i), value(i, version));
    }
  }

  private static void assertAll(StrataDB db, int version) {
    for (int i = 0; i < KEYS; i++) {
      assertThat(db.get(key(i))).as("key %d", i).isEqualTo(value(i, version));
    }
  }

  // Failed before the fix: the interrupted get threw StrataException ("I/O error reading
  // 000NNN.sst ...", cause ClosedByInterruptException), and every later read of that table did too.
  @Test
  void get_withInterruptFlag_returnsValueKeepsFlagAndTablesStayReadable() {
    try (StrataDB db = StrataDB.open(dir, options())) {
      putAll(db, 1);
      db.flush();

      Thread.currentThread().interrupt();
      byte[] got;
      try {
        got = db.get(key(KEYS / 2));
      } finally {
        assertThat(Thread.interrupted()).as("interrupt status kept").isTrue();
      }
      assertThat(got).isEqualTo(value(KEYS / 2, 1));

      assertAll(db, 1);
      putAll(db, 2);
      db.flush();
      db.compactRange(null, null);
      assertAll(db, 2);
    }
  }

  // Failed before the fix: the interrupted SYNC put threw StrataException (cause
  // ClosedByInterruptException from the WAL append), and the closed WAL became a background error
  // that failed every later write.
  @Test
  void put_syncWithInterruptFlag_isDurableKeepsFlagAndLaterWritesWork() {
    try (StrataDB db = StrataDB.open(dir, options())) {
      Thread.currentThread().interrupt();
      try {
        db.put(key(0), value(0, 1), WriteOptions.SYNC);
      } finally {
        assertThat(Thread.interrupted()).as("interrupt status kept").isTrue();
      }
      putAll(db, 2);
      assertAll(db, 2);
    }
    try (StrataDB db = StrataDB.open(dir, options())) {
      assertAll(db, 2);
    }
  }

  /**
   * A range deletion and a merge made with the interrupt flag set complete (durably: both are
   * {@code SYNC}), keep the flag, and leave the database writable and readable by another thread;
   * after a reopen the deleted range is still gone and the operand still merged.
   */
  @Test
  void deleteRangeAndMerge_withInterruptFlag_completeKeepFlagAndStayUsable() throws Exception {
    Options o =
        options().toBuilder().mergeOperator(MergeOperators.stringAppend((byte) ',')).build();
    try (StrataDB db = StrataDB.open(dir, o)) {
      putAll(db, 1);
      db.flush();
      Thread.currentThread().interrupt();
      try {
        db.deleteRange(key(100), key(200), WriteOptions.SYNC);
      } finally {
        assertThat(Thread.interrupted()).as("interrupt status kept by deleteRange").isTrue();
      }
      Thread.currentThread().interrupt();
      try {
        db.merge(key(300), b("m1"), WriteOptions.SYNC);
      } finally {
        assertThat(Thread.interrupted()).as("interrupt status kept by merge").isTrue();
      }
      Thread.currentThread().interrupt();
      try {
        WriteBatch batch = new WriteBatch();
        batch.deleteRange(key(400), key(410));
        batch.merge(key(300), b("m2"));
        db.write(batch, WriteOptions.SYNC);
      } finally {
        assertThat(Thread.interrupted()).as("interrupt status kept by a batch").isTrue();
      }
      onAnotherThread(
          () -> {
            checkAfterRangeAndMerges(db);
            db.merge(key(300), b("m3"));
            db.flush();
            db.compactRange(null, null);
            assertThat(db.get(key(300))).isEqualTo(b("value-300-1,m1,m2,m3"));
          });
    }
    try (StrataDB db = StrataDB.open(dir, o)) {
      checkAfterRangeAndMerges(db);
    }
  }

  private static void checkAfterRangeAndMerges(StrataDB db) {
    for (int i = 0; i < KEYS; i++) {
      byte[] v = db.get(key(i));
      if ((i >= 100 && i < 200) || (i >= 400 && i < 410)) {
        assertThat(v).as("key %d deleted by a range", i).isNull();
      } else if (i == 300) {
        assertThat(new String(v, StandardCharsets.UTF_8)).startsWith("value-300-1,m1,m2");
      } else {
        assertThat(v).as("key %d", i).isEqualTo(value(i, 1));
      }
    }
  }

  /**
   * A get that must fold operands from three tables and the memtable (every table read from the
   * file: no block cache), a multiGet and an iterator over such keys, all with the interrupt flag
   * set: each returns the merged value and keeps the flag, and the tables stay readable by
   * another thread.
   */
  @Test
  void mergedReads_withInterruptFlag_returnMergedValuesKeepFlagAndTablesStayReadable()
      throws Exception {
    Options o =
        options().toBuilder().mergeOperator(MergeOperators.stringAppend((byte) ',')).build();
    try (StrataDB db = StrataDB.open(dir, o)) {
      putAll(db, 1);
      db.flush();
      for (int round = 1; round <= 3; round++) {
        for (int i = 0; i < KEYS; i += 10) {
          db.merge(key(i), b("op" + round));
        }
        if (round < 3) {
          db.flush();
        }
      }
      String want = new String(value(500, 1), StandardCharsets.UTF_8) + ",op1,op2,op3";
      Thread.currentThread().interrupt();
      try {
        assertThat(db.get(key(500))).isEqualTo(b(want));
        assertThat(Thread.currentThread().isInterrupted()).as("flag kept by get").isTrue();
        List<byte[]> got = db.multiGet(List.of(key(500), key(510), key(511)));
        assertThat(got.get(0)).isEqualTo(b(want));
        assertThat(got.get(1))
            .isEqualTo(b(new String(value(510, 1), StandardCharsets.UTF_8) + ",op1,op2,op3"));
        assertThat(got.get(2)).isEqualTo(value(511, 1));
        try (DBIterator it = db.newIterator()) {
          it.seek(key(500));
          assertThat(it.value()).isEqualTo(b(want));
        }
      } finally {
        assertThat(Thread.interrupted()).as("interrupt status kept").isTrue();
      }
      onAnotherThread(
          () -> {
            for (int i = 0; i < KEYS; i++) {
              String base = new String(value(i, 1), StandardCharsets.UTF_8);
              assertThat(db.get(key(i)))
                  .as("key %d", i)
                  .isEqualTo(b(i % 10 == 0 ? base + ",op1,op2,op3" : base));
            }
            db.compactRange(null, null);
            assertThat(db.get(key(500))).isEqualTo(b(want));
          });
    }
  }

  /** Runs {@code check} on a fresh thread and rethrows what it threw. */
  private static void onAnotherThread(Runnable check) throws Exception {
    java.util.concurrent.FutureTask<Void> task = new java.util.concurrent.FutureTask<>(check, null);
    Thread t = new Thread(task, "interrupt-test-other");
    t.start();
    try {
      task.get(2, TimeUnit.MINUTES);
    } catch (java.util.concurrent.ExecutionException e) {
      if (e.getCause() instanceof AssertionError a) {
        throw a;
      }
      throw e;
    }
  }

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  // Failed before the fix: the flush worker's force of a retired WAL on an interrupted pool
  // thread threw ClosedByInterruptException (RetiredWal.forceAndClose), and the next put failed
  // with "database refuses writes after an earlier failure".
  @Test
  void backgroundWork_onInterruptedPoolThreads_flushesAndCompacts() throws Exception {
    ThreadPoolExecutor pool = new InterruptingPool();
    try {
      Options o = options().toBuilder().backgroundExecutor(pool).build();
      try (StrataDB db = StrataDB.open(dir, o)) {
        for (int version = 1; version <= 3; version++) {
          putAll(db, version);
        }
        db.flush();
        db.compactRange(null, null);
        assertAll(db, 3);
        assertThat(db.getProperty("strata.num-files-at-level0")).isEqualTo("0");
      }
      assertThat(pool.getCompletedTaskCount()).as("background tasks run").isPositive();
    } finally {
      pool.shutdownNow();
      assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }
  }

  /**
   * A pool that interrupts its worker before every task, as a {@code shutdownNow} (or a task
   * cancelled with {@code cancel(true)}) racing with the database's background work would.
   */
  private static final class InterruptingPool extends ThreadPoolExecutor {
    InterruptingPool() {
      super(
          2,
          2,
          0,
          TimeUnit.MILLISECONDS,
          new LinkedBlockingQueue<>(),
          r -> new Thread(r, "interrupted-background"));
    }

    @Override
    protected void beforeExecute(Thread t, Runnable r) {
      t.interrupt();
    }
  }
}
