package dev.strata.engine;

import static dev.strata.engine.ReplayData.assertHolds;
import static dev.strata.engine.ReplayData.key;
import static dev.strata.engine.ReplayData.value;
import static dev.strata.engine.ReplayData.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.strata.ColumnFamilyHandle;
import dev.strata.ColumnFamilyOptions;
import dev.strata.Options;
import dev.strata.StrataDB;
import dev.strata.StrataException;
import dev.strata.WriteOptions;
import dev.strata.testing.FaultInjectionFileSystem;
import dev.strata.testing.FaultInjectionFileSystem.Op;
import dev.strata.testing.ManualExecutor;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A writable open of a database of one family leaves the memtable it replayed to the flush worker
 * instead of writing its level-0 table itself, and starts a fresh WAL. The replayed log stays
 * until that table is installed, and is never forced: its bytes may be in the page cache only (a
 * crash before the open; a force that failed in the process before), so a sync write after the
 * open waits for the flush rather than for a force, or a power loss could keep the sync write in
 * the new log and lose the replayed log's tail before it, and recovery, stopping at that hole,
 * would drop the acknowledged write. A close or a failure before the flush leaves the log for the
 * next open. The flush runs here on a {@link ManualExecutor}, when the test says.
 */
class DeferredReplayFlushTest {
  private static final Path DIR = Path.of("/db");

  private FaultInjectionFileSystem fs = new FaultInjectionFileSystem(11);

  private Options.Builder options() {
    return Options.builder()
        .flushOnClose(false)
        .fileSystem(fs)
        .memtableSizeBytes(64 << 10)
        .backgroundCompaction(false)
        .jmx(false);
  }

  private List<String> files(String suffix) throws Exception {
    return fs.list(DIR).stream().filter(n -> n.endsWith(suffix)).sorted().toList();
  }

  /** A database closed with 200 writes in its WAL (not flushed, and the WAL not forced). */
  private List<String> closedWithAnUnflushedLog() throws Exception {
    try (StrataDB db = StrataDB.open(DIR, options().build())) {
      write(db, 0, 200, 1);
    }
    List<String> logs = files(".log");
    assertThat(logs).hasSize(1);
    return logs;
  }

  /** Waits until {@code t} is parked or blocked: it waits for something the test holds back. */
  private static void awaitWaiting(Thread t) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (t.getState() != Thread.State.WAITING && t.getState() != Thread.State.TIMED_WAITING) {
      assertThat(t.isAlive()).as("the writer still runs").isTrue();
      assertThat(System.nanoTime()).as("the writer waits within 30 s").isLessThan(deadline);
      Thread.onSpinWait();
    }
  }

  /** Waits until {@code t} waits (see {@link #awaitWaiting}) or has ended. */
  private static void awaitWaitingOrDone(Thread t) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (t.isAlive()
        && t.getState() != Thread.State.WAITING
        && t.getState() != Thread.State.TIMED_WAITING) {
      assertThat(System.nanoTime()).as("the writer waits or ends within 30 s").isLessThan(deadline);
      Thread.onSpinWait();
    }
  }

  /** Runs a sync write of key {@code i} on a thread of its own. */
  private static CompletableFuture<Void> syncWriteOnItsOwnThread(StrataDB db, int i, Thread[] out) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    Thread t =
        new Thread(
            () -> {
              try {
                db.put(key(i), value(i, 2), WriteOptions.SYNC);
                done.complete(null);
              } catch (Throwable e) {
                done.completeExceptionally(e);
              }
            },
            "sync-writer");
    out[0] = t;
    t.start();
    return done;
  }

  @Test
  void open_leavesTheReplayToTheFlushWorker_readsSeeItMeanwhile_andTheFlushRetiresTheLog()
      throws Exception {
    List<String> replayed = closedWithAnUnflushedLog();
    ManualExecutor background = new ManualExecutor();
    fs.setTracing(true);
    try (StrataDB db = StrataDB.open(DIR, options().backgroundExecutor(background).flushOnClose(false).build())) {
      assertThat(fs.tracedNames(Op.CREATE, ".sst")).as("no table written by the open").isEmpty();
      assertThat(fs.tracedNames(Op.CREATE, ".log")).as("a fresh log").hasSize(1);
      assertThat(fs.tracedNames(Op.OPEN_APPEND, ".log")).as("the replayed log not appended to").isEmpty();
      assertThat(db.getProperty("strata.num-immutable-memtables")).isEqualTo("1");
      assertThat(files(".log")).as("the replayed log kept").containsAll(replayed);
      assertHolds(db, 0, 200, 1);
      write(db, 100, 150, 2);

      background.runPending();
      assertThat(fs.tracedNames(Op.CREATE, ".sst")).as("the flush worker's table").hasSize(1);
      assertThat(db.getProperty("strata.num-immutable-memtables")).isEqualTo("0");
      assertThat(db.getProperty("strata.num-files-at-level0")).isEqualTo("1");
      assertThat(files(".log")).as("the replayed log, obsolete").doesNotContainAnyElementsOf(replayed);
      assertHolds(db, 0, 100, 1);
      assertHolds(db, 100, 150, 2);
      assertHolds(db, 150, 200, 1);
    }
    try (StrataDB db = StrataDB.open(DIR, options().build())) {
      assertHolds(db, 0, 100, 1);
      assertHolds(db, 100, 150, 2);
      assertHolds(db, 150, 200, 1);
    }
  }

  /**
   * The adversarial case: the replayed log was never forced (the close before does not force it),
   * so a power loss drops its bytes. A sync write after the open must not be acknowledged before
   * the replayed writes are durable in a table: with the wait removed (or the log skipped as if
   * forced), the power loss keeps the sync write in the new log, loses the old log's bytes, and
   * recovery stops at the hole before the acknowledged write.
   */
  @Test
  void aSyncWriteAfterTheOpen_waitsForTheReplayedFlush_andSurvivesAPowerLossWithAllBeforeIt()
      throws Exception {
    closedWithAnUnflushedLog();
    ManualExecutor background = new ManualExecutor();
    StrataDB db = StrataDB.open(DIR, options().backgroundExecutor(background).flushOnClose(false).build());
    Thread[] writer = new Thread[1];
    CompletableFuture<Void> synced = syncWriteOnItsOwnThread(db, 500, writer);
    awaitWaitingOrDone(writer[0]);
    boolean acknowledgedBeforeTheFlush = synced.isDone();
    if (!acknowledgedBeforeTheFlush) {
      background.runPending();
    }
    synced.get(30, TimeUnit.SECONDS);
    // The power loss right after the acknowledgement.
    fs = ReplayData.crashThenClose(fs, db, 3);
    try (StrataDB again = StrataDB.open(DIR, options().build())) {
      assertHolds(again, 0, 200, 1);
      assertThat(again.get(key(500))).as("the acknowledged sync write").isEqualTo(value(500, 2));
    }
    assertThat(acknowledgedBeforeTheFlush).as("acknowledged before the replayed writes were durable")
        .isFalse();
  }

  /** Without a sync write, writes after the open need no flush: a crash keeps a prefix. */
  @Test
  void aPowerLossBeforeTheReplayedFlush_recoversAPrefix_neverWritesAfterAHole() throws Exception {
    closedWithAnUnflushedLog();
    ManualExecutor background = new ManualExecutor();
    StrataDB db = StrataDB.open(DIR, options().backgroundExecutor(background).flushOnClose(false).build());
    write(db, 200, 300, 2);
    fs = ReplayData.crashThenClose(fs, db, 4);
    try (StrataDB again = StrataDB.open(DIR, options().build())) {
      // Whatever survived is a prefix of the writes in order: no key of the second batch
      // without every key of the first.
      int firstMissing = -1;
      for (int i = 0; i < 300; i++) {
        byte[] v = again.get(key(i));
        if (v == null) {
          firstMissing = firstMissing < 0 ? i : firstMissing;
        } else {
          assertThat(firstMissing).as("key %d survived after missing key %d", i, firstMissing)
              .isNegative();
          assertThat(v).isEqualTo(value(i, i < 200 ? 1 : 2));
        }
      }
    }
  }

  /**
   * A close before the flush ran fails the sync write waiting for it (rather than leaving it
   * waiting for a flush that will not come), and leaves the replayed log for the next open, which
   * replays it and the newer log in order.
   */
  @Test
  void closeBeforeTheReplayedFlush_failsTheWaitingSyncWrite_andTheNextOpenReplaysBothLogs()
      throws Exception {
    List<String> replayed = closedWithAnUnflushedLog();
    ManualExecutor background = new ManualExecutor();
    StrataDB db = StrataDB.open(DIR, options().backgroundExecutor(background).flushOnClose(false).build());
    write(db, 100, 300, 2);
    Thread[] writer = new Thread[1];
    CompletableFuture<Void> synced = syncWriteOnItsOwnThread(db, 500, writer);
    awaitWaiting(writer[0]);
    db.close();
    assertThatThrownBy(() -> synced.get(30, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(StrataException.class);
    writer[0].join();
    assertThat(files(".log")).as("the replayed log and the newer one").containsAll(replayed).hasSize(2);
    try (StrataDB again = StrataDB.open(DIR, options().build())) {
      assertHolds(again, 0, 100, 1);
      assertHolds(again, 100, 300, 2);
    }
  }

  /** A flush that fails fails the sync write waiting for it; the next open recovers everything. */
  @Test
  void aFailedReplayedFlush_failsTheWaitingSyncWrite_andTheLogStaysForTheNextOpen()
      throws Exception {
    closedWithAnUnflushedLog();
    ManualExecutor background = new ManualExecutor();
    StrataDB db = StrataDB.open(DIR, options().backgroundExecutor(background).flushOnClose(false).build());
    Thread[] writer = new Thread[1];
    CompletableFuture<Void> synced = syncWriteOnItsOwnThread(db, 500, writer);
    awaitWaiting(writer[0]);
    fs.failNext(Op.CREATE, p -> p.getFileName().toString().endsWith(".sst"));
    background.runPending();
    assertThatThrownBy(() -> synced.get(30, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class);
    assertThat(db.getProperty("strata.background-errors")).isNotEqualTo("0");
    db.close();
    fs.healthy();
    try (StrataDB again = StrataDB.open(DIR, options().build())) {
      assertHolds(again, 0, 200, 1);
    }
  }

  /**
   * A database of several families writes each family's replay at the open, as before: their
   * memtables would be flushed one at a time, and the log is durable only once all are.
   */
  @Test
  void severalFamilies_flushTheirReplayAtTheOpen() throws Exception {
    try (StrataDB db = StrataDB.open(DIR, options().build())) {
      ColumnFamilyHandle users = db.createColumnFamily("users", ColumnFamilyOptions.defaults());
      write(db, 0, 100, 1);
      db.put(users, key(1), value(1, 1));
    }
    fs.setTracing(true);
    try (StrataDB db = StrataDB.open(DIR, options().backgroundExecutor(new ManualExecutor()).flushOnClose(false).build())) {
      assertThat(fs.tracedNames(Op.CREATE, ".sst")).as("one table per family, by the open").hasSize(2);
      assertThat(db.getProperty("strata.num-immutable-memtables")).isEqualTo("0");
      assertHolds(db, 0, 100, 1);
    }
  }

  /** A replay larger than a memtable writes its tables at the open, as before. */
  @Test
  void aReplayLargerThanAMemtable_isWrittenByTheOpen() throws Exception {
    try (StrataDB db = StrataDB.open(DIR, options().memtableSizeBytes(1 << 20).build())) {
      write(db, 0, 1000, 1);
    }
    fs.setTracing(true);
    try (StrataDB db =
        StrataDB.open(
            DIR, options().memtableSizeBytes(4096).backgroundExecutor(new ManualExecutor()).flushOnClose(false).build())) {
      assertThat(fs.tracedNames(Op.CREATE, ".sst")).hasSizeGreaterThan(1);
      assertThat(db.getProperty("strata.num-immutable-memtables")).isEqualTo("0");
      assertHolds(db, 0, 1000, 1);
    }
  }
}
