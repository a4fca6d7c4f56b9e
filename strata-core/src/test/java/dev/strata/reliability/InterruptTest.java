package dev.strata.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.Compression;
import dev.strata.Options;
import dev.strata.StrataDB;
import dev.strata.WriteOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
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
