package dev.strata.engine;

import static dev.strata.engine.ReplayData.assertHolds;
import static dev.strata.engine.ReplayData.key;
import static dev.strata.engine.ReplayData.value;
import static dev.strata.engine.ReplayData.write;
import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.ColumnFamilyHandle;
import dev.strata.ColumnFamilyOptions;
import dev.strata.Options;
import dev.strata.StrataDB;
import dev.strata.testing.FaultInjectionFileSystem;
import dev.strata.testing.FaultInjectionFileSystem.Op;
import dev.strata.testing.ManualExecutor;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A close of a writable database flushes its memtables first ({@code Options.flushOnClose}), so
 * that the next open replays nothing and writes no table; whatever stops that flush (an I/O error,
 * an interrupt, an executor that no longer runs tasks) does not stop the close and loses nothing.
 */
class FlushOnCloseTest {
  private static final Path DIR = Path.of("/db");

  private final FaultInjectionFileSystem fs = new FaultInjectionFileSystem(11);

  private Options.Builder options() {
    return Options.builder().fileSystem(fs).memtableSizeBytes(256 << 10).jmx(false);
  }

  /** The bytes of every WAL in the directory. */
  private long walBytes() throws Exception {
    long bytes = 0;
    for (String n : fs.list(DIR)) {
      if (n.endsWith(".log")) {
        bytes += fs.size(DIR.resolve(n));
      }
    }
    return bytes;
  }

  /** Opens with the flush worker held back, so that a replay would still be in memory. */
  private StrataDB openHeldBack(ManualExecutor background, Options.Builder b) {
    return StrataDB.open(DIR, b.backgroundExecutor(background).build());
  }

  @Test
  void close_flushesTheMemtable_theNextOpenHasNothingToReplay() throws Exception {
    try (StrataDB db = StrataDB.open(DIR, options().build())) {
      write(db, 0, 300, 1);
      assertThat(db.getProperty("strata.num-files-at-level0")).isEqualTo("0");
    }
    assertThat(walBytes()).as("every WAL byte flushed and the logs deleted or empty").isZero();
    fs.setTracing(true);
    ManualExecutor background = new ManualExecutor();
    try (StrataDB db = openHeldBack(background, options().flushOnClose(false))) {
      assertThat(fs.tracedNames(Op.CREATE, ".sst")).as("no table written by the open").isEmpty();
      assertThat(db.getProperty("strata.num-immutable-memtables")).isEqualTo("0");
      assertThat(db.getProperty("strata.num-files-at-level0")).isEqualTo("1");
      assertHolds(db, 0, 300, 1);
    }
  }

  @Test
  void flushOnCloseOff_leavesTheWritesInTheWal_forTheNextOpenToReplay() throws Exception {
    fs.setTracing(true);
    try (StrataDB db = StrataDB.open(DIR, options().flushOnClose(false).build())) {
      write(db, 0, 300, 1);
    }
    assertThat(fs.tracedNames(Op.CREATE, ".sst")).isEmpty();
    assertThat(walBytes()).isPositive();
    ManualExecutor background = new ManualExecutor();
    try (StrataDB db = openHeldBack(background, options().flushOnClose(false))) {
      assertThat(db.getProperty("strata.num-immutable-memtables"))
          .as("the replay waits for the flush worker")
          .isEqualTo("1");
      assertHolds(db, 0, 300, 1);
      background.runPending();
    }
  }

  @Test
  void everyColumnFamily_isFlushed() throws Exception {
    try (StrataDB db = StrataDB.open(DIR, options().build())) {
      ColumnFamilyHandle users = db.createColumnFamily("users", ColumnFamilyOptions.defaults());
      write(db, 0, 100, 1);
      for (int i = 0; i < 100; i++) {
        db.put(users, key(i), value(i, 7));
      }
    }
    assertThat(walBytes()).isZero();
    try (StrataDB db = StrataDB.open(DIR, options().build())) {
      ColumnFamilyHandle users = db.columnFamily("users");
      assertThat(db.getProperty(users, "strata.num-files-at-level0")).isEqualTo("1");
      for (int i = 0; i < 100; i++) {
        assertThat(db.get(users, key(i))).isEqualTo(value(i, 7));
      }
      assertHolds(db, 0, 100, 1);
    }
  }

  @Test
  void flushFailingAtClose_closesAnyway_andTheNextOpenReplaysEveryWrite() throws Exception {
    StrataDB db = StrataDB.open(DIR, options().build());
    write(db, 0, 300, 1);
    // Every attempt fails: the one the close's switch wakes, and the one the close asks for.
    for (int i = 0; i < 5; i++) {
      fs.failNext(Op.CREATE, p -> p.getFileName().toString().endsWith(".sst"));
    }
    db.close();
    assertThat(fs.injectedFaults()).isBetween(1L, 2L);
    assertThat(walBytes()).isPositive();
    fs.healthy();
    // The lock is released: the directory opens again, with every write.
    try (StrataDB again = StrataDB.open(DIR, options().build())) {
      assertHolds(again, 0, 300, 1);
    }
  }

  @Test
  void interruptedClose_keepsTheInterrupt_andLosesNothing() throws Exception {
    StrataDB db = StrataDB.open(DIR, options().build());
    write(db, 0, 300, 1);
    Thread.currentThread().interrupt();
    try {
      db.close();
      assertThat(Thread.currentThread().isInterrupted()).isTrue();
    } finally {
      Thread.interrupted();
    }
    try (StrataDB again = StrataDB.open(DIR, options().build())) {
      assertHolds(again, 0, 300, 1);
    }
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void executorShutDownBeforeTheClose_theCloseDoesNotWaitForAFlush() throws Exception {
    ExecutorService background = Executors.newFixedThreadPool(1);
    StrataDB db = StrataDB.open(DIR, options().backgroundExecutor(background).build());
    write(db, 0, 300, 1);
    background.shutdownNow();
    assertThat(background.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
    fs.setTracing(true);
    db.close();
    assertThat(fs.tracedNames(Op.CREATE, ".sst")).as("no flush started").isEmpty();
    assertThat(new String(fs.read(DIR.resolve("LOG")), java.nio.charset.StandardCharsets.UTF_8))
        .contains("no flush before close: the background executor is shut down");
    try (StrataDB again = StrataDB.open(DIR, options().build())) {
      assertHolds(again, 0, 300, 1);
    }
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void executorThatNeverRunsTheFlush_theCloseGivesUpAtItsTimeout() throws Exception {
    ManualExecutor background = new ManualExecutor();
    StrataDB db = openHeldBack(background, options());
    write(db, 0, 300, 1);
    ((DbImpl) db).setCloseTimeoutForTesting(50);
    db.close();
    assertThat(walBytes()).isPositive();
    try (StrataDB again = StrataDB.open(DIR, options().build())) {
      assertHolds(again, 0, 300, 1);
    }
  }

  @Test
  void writesRacingTheClose_everyAcknowledgedWriteSurvives() throws Exception {
    StrataDB db = StrataDB.open(DIR, options().build());
    int writers = 3;
    AtomicInteger[] acknowledged = new AtomicInteger[writers];
    CountDownLatch started = new CountDownLatch(writers);
    Thread[] threads = new Thread[writers];
    for (int w = 0; w < writers; w++) {
      AtomicInteger acked = acknowledged[w] = new AtomicInteger();
      int base = w * 1_000_000;
      threads[w] =
          new Thread(
              () -> {
                started.countDown();
                try {
                  for (int i = 0; ; i++) {
                    db.put(key(base + i), value(base + i, 1));
                    acked.set(i + 1);
                  }
                } catch (RuntimeException closed) {
                  // The close stopped this writer.
                }
              });
      threads[w].start();
    }
    started.await();
    while (acknowledged[writers - 1].get() < 2_000) {
      Thread.onSpinWait();
    }
    db.close();
    for (Thread t : threads) {
      t.join();
    }
    try (StrataDB again = StrataDB.open(DIR, options().build())) {
      for (int w = 0; w < writers; w++) {
        int base = w * 1_000_000;
        for (int i = 0; i < acknowledged[w].get(); i++) {
          assertThat(again.get(key(base + i))).isEqualTo(value(base + i, 1));
        }
      }
    }
  }

  @Test
  void readOnlyOpen_closesWithoutWriting() throws Exception {
    try (StrataDB db = StrataDB.open(DIR, options().flushOnClose(false).build())) {
      write(db, 0, 100, 1);
    }
    fs.setTracing(true);
    try (StrataDB ro = StrataDB.openReadOnly(DIR, options().build())) {
      assertHolds(ro, 0, 100, 1);
    }
    assertThat(fs.tracedNames(Op.CREATE, "")).isEmpty();
  }

  @Test
  void reuseLogs_keepsTheMemtableInItsLogInsteadOfFlushing() throws Exception {
    fs.setTracing(true);
    try (StrataDB db = StrataDB.open(DIR, options().reuseLogs(true).build())) {
      write(db, 0, 100, 1);
    }
    assertThat(fs.tracedNames(Op.CREATE, ".sst")).isEmpty();
    try (StrataDB db = StrataDB.open(DIR, options().reuseLogs(true).build())) {
      assertThat(db.getProperty("strata.num-files-at-level0")).isEqualTo("0");
      assertHolds(db, 0, 100, 1);
    }
  }
}
