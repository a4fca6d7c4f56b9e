package dev.strata.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.strata.CorruptionException;
import dev.strata.EventListener;
import dev.strata.Options;
import dev.strata.StrataDB;
import dev.strata.StrataException;
import dev.strata.Ticker;
import dev.strata.fs.CrashPoint;
import dev.strata.testing.FaultInjectionFileSystem;
import dev.strata.testing.FaultInjectionFileSystem.Op;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A flush or compaction that cannot write its output (a disk with no space, an I/O error, the heap
 * running out) changes nothing: the caller that asked for it learns of it, writes go on, the job is
 * tried again by itself, and nothing is lost or invented. What a retry cannot mend (a corrupt
 * input, a failed manifest write, a failed WAL force) still makes the database refuse writes.
 * Before this, every such failure refused writes until the database was reopened.
 */
@Timeout(120)
class RetriedBackgroundFailureTest {
  private static final Path DIR = Path.of("/db");
  private static final long WAIT_SECONDS = 60;
  private static final Predicate<Path> TABLE = p -> p.getFileName().toString().endsWith(".sst");

  private final FaultInjectionFileSystem fs = new FaultInjectionFileSystem(7);
  private final Events events = new Events();

  /** The events a test waits for, in the order the event thread delivers them. */
  private static final class Events implements EventListener {
    final BlockingQueue<Object> queue = new LinkedBlockingQueue<>();

    @Override
    public void onBackgroundError(BackgroundErrorInfo info) {
      queue.add(info);
    }

    @Override
    public void onFlushCompleted(FlushInfo info) {
      queue.add(info);
    }

    @Override
    public void onCompactionCompleted(CompactionInfo info) {
      queue.add(info);
    }

    /** The next event of {@code type}, skipping others; fails after {@link #WAIT_SECONDS}. */
    <T> T next(Class<T> type) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
      while (true) {
        Object o = queue.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
        assertThat(o).as("an event of type %s", type.getSimpleName()).isNotNull();
        if (type.isInstance(o)) {
          return type.cast(o);
        }
      }
    }
  }

  private Options.Builder options() {
    return Options.builder().fileSystem(fs).jmx(false).listener(events).name("retry");
  }

  private static byte[] key(int i) {
    return String.format("key%06d", i).getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] value(int i, int version) {
    return ("value-" + i + "-" + version + "-" + "x".repeat(80)).getBytes(StandardCharsets.UTF_8);
  }

  private static void write(StrataDB db, int from, int to, int version) {
    for (int i = from; i < to; i++) {
      db.put(key(i), value(i, version));
    }
  }

  private static void assertHolds(StrataDB db, int from, int to, int version) {
    for (int i = from; i < to; i++) {
      assertThat(db.get(key(i))).as("key %d", i).isEqualTo(value(i, version));
    }
  }

  private long tables() throws IOException {
    return fs.list(DIR).stream().filter(n -> n.endsWith(".sst")).count();
  }

  private static long level0(StrataDB db) {
    return Long.parseLong(db.getProperty("strata.num-files-at-level0"));
  }

  @Test
  void aFlushWhoseTableFailsToSync_failsItsCaller_leavesNoFileBehind_andIsWrittenLater()
      throws Exception {
    try (StrataDB db = StrataDB.open(DIR, options().backgroundCompaction(false).build())) {
      write(db, 0, 500, 1);
      // Twice: the switch wakes the flush worker, whose attempt may fail before flush() asks for
      // one at once; the second failure is then the one flush() waits for.
      fs.failNext(Op.SYNC, TABLE);
      fs.failNext(Op.SYNC, TABLE);
      assertThatThrownBy(db::flush)
          .isInstanceOf(StrataException.class)
          .hasMessageContaining("nothing lost");
      fs.healthy();
      EventListener.BackgroundErrorInfo e = events.next(EventListener.BackgroundErrorInfo.class);
      assertThat(e.operation()).isEqualTo("flush");
      assertThat(e.writesAccepted()).isTrue();
      // Writes go on, and the memtable that failed to flush still answers reads.
      write(db, 500, 1000, 1);
      assertHolds(db, 0, 1000, 1);
      db.flush();
      assertThat(level0(db)).isEqualTo(2);
      assertThat(tables()).as("the tables whose sync failed are deleted").isEqualTo(2);
      assertThat(db.getProperty("strata.num-immutable-memtables")).isEqualTo("0");
      assertThat(db.getStatistics().tickerCount(Ticker.BACKGROUND_ERRORS)).isBetween(1L, 2L);
      assertHolds(db, 0, 1000, 1);
    }
    try (StrataDB again = StrataDB.open(DIR, options().build())) {
      assertHolds(again, 0, 1000, 1);
    }
  }

  @Test
  void aBackgroundFlushThatRunsOutOfHeap_isRetriedByItself_andNoWriteFails() throws Exception {
    AtomicBoolean fail = new AtomicBoolean(true);
    fs.onCrashPoint(
        p -> {
          if (p == CrashPoint.FLUSH_MID && fail.getAndSet(false)) {
            throw new OutOfMemoryError("injected: the heap ran out during a flush");
          }
        });
    try (StrataDB db =
        StrataDB.open(
            DIR, options().backgroundCompaction(false).memtableSizeBytes(64 << 10).build())) {
      write(db, 0, 3000, 1);
      EventListener.BackgroundErrorInfo e = events.next(EventListener.BackgroundErrorInfo.class);
      assertThat(e.operation()).isEqualTo("flush");
      assertThat(e.writesAccepted()).isTrue();
      assertThat(e.error()).hasRootCauseInstanceOf(OutOfMemoryError.class);
      // The flush worker tries again after its back-off, with nobody asking: wait for flushes
      // until none is left waiting.
      while (!db.getProperty("strata.num-immutable-memtables").equals("0")) {
        events.next(EventListener.FlushInfo.class);
      }
      assertThat(db.getStatistics().tickerCount(Ticker.BACKGROUND_ERRORS)).isEqualTo(1);
      write(db, 0, 3000, 2);
      assertHolds(db, 0, 3000, 2);
    }
    try (StrataDB again = StrataDB.open(DIR, options().build())) {
      assertHolds(again, 0, 3000, 2);
    }
  }

  @Test
  void aCompactRangeThatCannotCreateItsOutput_failsItsCaller_andChangesNothing()
      throws Exception {
    try (StrataDB db = StrataDB.open(DIR, options().backgroundCompaction(false).build())) {
      for (int t = 0; t < 3; t++) {
        write(db, t * 300, t * 300 + 600, t);
        db.flush();
      }
      long before = tables();
      fs.failNext(Op.CREATE, TABLE);
      assertThatThrownBy(() -> db.compactRange(null, null))
          .isInstanceOf(StrataException.class)
          .hasMessageContaining("nothing changed");
      assertThat(level0(db)).isEqualTo(3);
      assertThat(tables()).isEqualTo(before);
      write(db, 2000, 2100, 9);
      db.compactRange(null, null);
      assertThat(level0(db)).isZero();
      assertHolds(db, 0, 300, 0);
      assertHolds(db, 300, 600, 1);
      assertHolds(db, 600, 900, 2);
      assertHolds(db, 900, 1200, 2);
      assertHolds(db, 2000, 2100, 9);
      assertThat(db.get(key(1500))).isNull();
    }
  }

  @Test
  void aBackgroundCompactionWhoseReadFails_isRetriedByItself_whileWritesGoOn() throws Exception {
    AtomicBoolean fail = new AtomicBoolean(true);
    fs.onCrashPoint(
        p -> {
          if (p == CrashPoint.COMPACTION_MID && fail.getAndSet(false)) {
            throw new UncheckedIOException(new IOException("injected: a read of an input failed"));
          }
        });
    try (StrataDB db =
        StrataDB.open(
            DIR,
            options()
                .level0CompactionTrigger(2)
                .memtableSizeBytes(64 << 10)
                .build())) {
      write(db, 0, 2000, 1);
      db.flush();
      EventListener.BackgroundErrorInfo e = events.next(EventListener.BackgroundErrorInfo.class);
      assertThat(e.operation()).isEqualTo("compaction");
      assertThat(e.writesAccepted()).isTrue();
      write(db, 0, 2000, 2);
      db.flush();
      // Compactions are tried again after the back-off; bytes written count only once one
      // installed its outputs, and the first that wrote any failed.
      while (db.getStatistics().tickerCount(Ticker.COMPACTION_BYTES_WRITTEN) == 0) {
        events.next(EventListener.CompactionInfo.class);
      }
      assertThat(db.getStatistics().tickerCount(Ticker.BACKGROUND_ERRORS)).isEqualTo(1);
      assertHolds(db, 0, 2000, 2);
    }
    try (StrataDB again = StrataDB.open(DIR, options().build())) {
      assertHolds(again, 0, 2000, 2);
    }
  }

  @Test
  void aCorruptInputToACompaction_stillMakesTheDatabaseRefuseWrites() throws Exception {
    fs.onCrashPoint(
        p -> {
          if (p == CrashPoint.COMPACTION_MID) {
            throw new CorruptionException("000005.sst", 100, "injected");
          }
        });
    try (StrataDB db = StrataDB.open(DIR, options().backgroundCompaction(false).build())) {
      for (int t = 0; t < 2; t++) {
        write(db, 0, 300, t);
        db.flush();
      }
      assertThatThrownBy(() -> db.compactRange(null, null)).isInstanceOf(StrataException.class);
      EventListener.BackgroundErrorInfo e = events.next(EventListener.BackgroundErrorInfo.class);
      assertThat(e.writesAccepted()).isFalse();
      assertThatThrownBy(() -> db.put(key(1), value(1, 9)))
          .isInstanceOf(StrataException.class)
          .hasMessageContaining("refuses writes");
      assertHolds(db, 0, 300, 1);
    }
  }

  @Test
  void aFlushWhoseManifestWriteFails_stillMakesTheDatabaseRefuseWrites() throws Exception {
    try (StrataDB db = StrataDB.open(DIR, options().backgroundCompaction(false).build())) {
      write(db, 0, 300, 1);
      fs.failNext(Op.APPEND, p -> p.getFileName().toString().startsWith("MANIFEST"));
      assertThatThrownBy(db::flush).isInstanceOf(StrataException.class);
      EventListener.BackgroundErrorInfo e = events.next(EventListener.BackgroundErrorInfo.class);
      assertThat(e.operation()).isEqualTo("flush");
      assertThat(e.writesAccepted()).isFalse();
      assertThatThrownBy(() -> db.put(key(1), value(1, 9)))
          .isInstanceOf(StrataException.class)
          .hasMessageContaining("refuses writes");
    }
    fs.healthy();
    try (StrataDB again = StrataDB.open(DIR, options().build())) {
      assertHolds(again, 0, 300, 1);
    }
  }

  /**
   * On an executor of the application's, a worker runs only when signalled: writers stalled behind
   * a flush that waits out its back-off ask for it again, or they would wait for ever.
   */
  @Test
  void onASharedExecutor_writersStalledBehindAFailedFlush_goOnOnceItIsRetried() throws Exception {
    ExecutorService executor = Executors.newFixedThreadPool(2);
    try {
      try (StrataDB db =
          StrataDB.open(
              DIR,
              options()
                  .backgroundExecutor(executor)
                  .memtableSizeBytes(16 << 10)
                  .maxImmutableMemtables(1)
                  .build())) {
        fs.failNext(Op.SYNC, TABLE);
        write(db, 0, 3000, 1);
        EventListener.BackgroundErrorInfo e = events.next(EventListener.BackgroundErrorInfo.class);
        assertThat(e.writesAccepted()).isTrue();
        assertThat(db.getStatistics().tickerCount(Ticker.BACKGROUND_ERRORS)).isEqualTo(1);
        assertHolds(db, 0, 3000, 1);
      }
      try (StrataDB again = StrataDB.open(DIR, options().build())) {
        assertHolds(again, 0, 3000, 1);
      }
    } finally {
      executor.shutdownNow();
      assertThat(executor.awaitTermination(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
    }
  }

  @Test
  void aCloseWhileFlushesKeepFailing_losesNothing() throws Exception {
    StrataDB db =
        StrataDB.open(
            DIR,
            options()
                .backgroundCompaction(false)
                .memtableSizeBytes(64 << 10)
                .maxImmutableMemtables(8)
                .build());
    for (int i = 0; i < 20; i++) {
      fs.failNext(Op.SYNC, TABLE);
    }
    write(db, 0, 1000, 1);
    assertThat(events.next(EventListener.BackgroundErrorInfo.class).writesAccepted()).isTrue();
    assertThat(db.getProperty("strata.stats"))
        .containsPattern("retried after failing to write their output \\(writes go on\\):"
            + " flushes [1-9][0-9]* in a row, compactions 0 in a row");
    // The close's own flush fails too; the close still ends, and the WALs keep every write.
    db.close();
    assertThat(tables()).isZero();
    fs.healthy();
    try (StrataDB again = StrataDB.open(DIR, options().build())) {
      assertHolds(again, 0, 1000, 1);
      assertThat(again.get(key(1000))).isNull();
    }
  }
}
