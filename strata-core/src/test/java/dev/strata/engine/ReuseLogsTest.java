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
import dev.strata.WriteOptions;
import dev.strata.testing.FaultInjectionFileSystem;
import dev.strata.testing.FaultInjectionFileSystem.CrashMode;
import dev.strata.testing.FaultInjectionFileSystem.Event;
import dev.strata.testing.FaultInjectionFileSystem.Op;
import dev.strata.testing.ManualExecutor;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A writable open whose last WAL a clean close forced and recorded, at the length it still has,
 * keeps the replayed writes as the active memtable and appends to that WAL ({@code
 * Options.reuseLogs}); with several logs it flushes the older ones' writes and keeps the newest's.
 * In every other case (a crash, a failed force, a log written to or cut short after the close, a
 * replay larger than a memtable, the option off) it flushes the replay to level 0 and starts a
 * fresh WAL. Whatever it chose, no write is lost or reordered across later crashes.
 */
class ReuseLogsTest {
  private static final Path DIR = Path.of("/db");

  private FaultInjectionFileSystem fs = new FaultInjectionFileSystem(7);

  private Options.Builder options() {
    return Options.builder()
        .fileSystem(fs)
        .memtableSizeBytes(64 << 10)
        .jmx(false)
        .reuseLogs(true)
        .flushOnClose(false);
  }

  /**
   * Opens with tracing on and checks that the open did not append to a replayed log but started a
   * fresh log and wrote the replay to one level-0 table, or (a log read to a whole last record, one
   * family: {@code DeferredReplayFlushTest}) left it to the flush worker, which does; returns the
   * database after that flush.
   */
  private StrataDB openExpectingOneTable() {
    fs.setTracing(true);
    ManualExecutor background = new ManualExecutor();
    StrataDB db = StrataDB.open(DIR, options().backgroundExecutor(background).flushOnClose(false).build());
    try {
      assertThat(fs.tracedNames(Op.OPEN_APPEND, ".log")).as("no log appended to").isEmpty();
      assertThat(fs.tracedNames(Op.CREATE, ".log")).as("a fresh log").hasSize(1);
      // A log with a torn tail is written by the open itself (DeferredReplayFlushTest).
      if (fs.tracedNames(Op.CREATE, ".sst").isEmpty()) {
        assertThat(db.getProperty("strata.num-immutable-memtables"))
            .as("the replay left to the flush worker")
            .isEqualTo("1");
        background.runPending();
      }
      assertThat(fs.tracedNames(Op.CREATE, ".sst")).as("the replay in one table").hasSize(1);
    } catch (AssertionError e) {
      db.close();
      throw e;
    }
    return db;
  }

  private static String name(Event e) {
    return e.path().getFileName().toString();
  }

  private List<String> logs() throws Exception {
    return fs.list(DIR).stream().filter(n -> n.endsWith(".log")).sorted().toList();
  }

  @Test
  void cleanReopen_keepsTheReplayInMemoryAndAppendsToTheSameWal() throws Exception {
    try (StrataDB db = StrataDB.open(DIR, options().build())) {
      write(db, 0, 200, 1);
    }
    List<String> before = logs();
    assertThat(before).hasSize(1);

    fs.setTracing(true);
    try (StrataDB db = StrataDB.open(DIR, options().build())) {
      assertThat(fs.tracedNames(Op.CREATE, ".sst")).as("no table written by the open").isEmpty();
      assertThat(fs.tracedNames(Op.CREATE, ".log")).as("no fresh WAL").isEmpty();
      assertThat(fs.tracedNames(Op.OPEN_APPEND, ".log")).containsExactly(before.get(0));
      assertThat(db.getProperty("strata.num-files-at-level0")).isEqualTo("0");
      assertHolds(db, 0, 200, 1);
      // Overwrites of replayed keys and new keys, into the same memtable and WAL.
      write(db, 100, 300, 2);
      assertHolds(db, 0, 100, 1);
      assertHolds(db, 100, 300, 2);
    }
    assertThat(logs()).isEqualTo(before);

    try (StrataDB db = StrataDB.open(DIR, options().build())) {
      assertHolds(db, 0, 100, 1);
      assertHolds(db, 100, 300, 2);
      assertThat(db.getProperty("strata.num-files-at-level0")).isEqualTo("0");
    }
  }

  /**
   * Close forces the WAL, then records its number and length in the manifest; the next open
   * appends to it without forcing it again (a force now could not make up for one that failed
   * before: see the sticky-error case below).
   */
  @Test
  void cleanClose_forcesTheWalThenRecordsIt_andTheOpenForcesNothingMore() throws Exception {
    StrataDB first = StrataDB.open(DIR, options().build());
    write(first, 0, 50, 1);
    String log = logs().get(0);
    fs.setTracing(true);
    first.close();
    List<Event> close = fs.trace();
    int forced = -1;
    int recorded = -1;
    for (int i = 0; i < close.size(); i++) {
      Event e = close.get(i);
      if (e.op() == Op.SYNC && name(e).equals(log) && !e.failed()) {
        forced = i;
      } else if (e.op() == Op.APPEND && name(e).startsWith("MANIFEST-") && forced >= 0) {
        recorded = i;
      }
    }
    assertThat(forced).as("close forces %s", log).isNotNegative();
    assertThat(recorded).as("then appends the record to the manifest").isGreaterThan(forced);

    fs = fs.crash(CrashMode.DROP_UNSYNCED, new Random(5));
    fs.setTracing(true);
    try (StrataDB db = StrataDB.open(DIR, options().build())) {
      assertThat(fs.tracedNames(Op.OPEN_APPEND, ".log")).containsExactly(log);
      assertThat(fs.tracedNames(Op.SYNC, ".log")).as("no force within the open").isEmpty();
      assertHolds(db, 0, 50, 1);
    }
  }

  /** After a crash nothing tells which of the log's bytes were forced: its writes go to a table. */
  @Test
  void afterACrash_theLogIsNeverAppendedTo_itsWritesGoToATable() throws Exception {
    StrataDB db = StrataDB.open(DIR, options().build());
    write(db, 0, 100, 1);
    db.put(key(100), value(100, 1), WriteOptions.SYNC);
    crashThenClose(db, 8);
    try (StrataDB again = openExpectingOneTable()) {
      assertHolds(again, 0, 101, 1);
    }
  }

  /**
   * A reused log written to and then lost in a crash is longer than the close recorded: the next
   * open flushes it, and every write of both sessions survives.
   */
  @Test
  void reusedLogWrittenThenACrash_isNotAppendedToAgain_andEverythingSurvives() throws Exception {
    try (StrataDB db = StrataDB.open(DIR, options().build())) {
      write(db, 0, 100, 1);
    }
    StrataDB db = StrataDB.open(DIR, options().build());
    assertThat(db.getProperty("strata.num-files-at-level0")).isEqualTo("0");
    write(db, 50, 150, 2);
    db.put(key(150), value(150, 2), WriteOptions.SYNC);
    crashThenClose(db, 9);
    try (StrataDB again = openExpectingOneTable()) {
      assertHolds(again, 0, 50, 1);
      assertHolds(again, 50, 151, 2);
    }
  }

  /**
   * A failed WAL force leaves the database refusing writes; the pages it did not write may read
   * back from the page cache as if written, so a later force that succeeds proves nothing. Close
   * then records no forced log, and the next open writes the replay to a table.
   */
  @Test
  void afterAFailedForce_closeRecordsNothing_theNextOpenFlushes() throws Exception {
    StrataDB db = StrataDB.open(DIR, options().build());
    write(db, 0, 100, 1);
    fs.failNext(Op.SYNC, p -> p.getFileName().toString().endsWith(".log"));
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> db.put(key(100), value(100, 1), WriteOptions.SYNC))
        .isInstanceOf(dev.strata.StrataException.class);
    db.close();
    try (StrataDB again = openExpectingOneTable()) {
      assertHolds(again, 0, 100, 1);
    }
  }

  /**
   * The close's record vouches for the log as it was: one cut back to fewer whole records since
   * (a restored copy, a tool) is flushed, not appended to.
   */
  @Test
  void logChangedAfterTheClose_isNotAppendedTo() throws Exception {
    try (StrataDB db = StrataDB.open(DIR, options().build())) {
      write(db, 0, 100, 1);
    }
    fs.keepRecords(DIR.resolve(logs().get(0)), 60);
    try (StrataDB db = openExpectingOneTable()) {
      assertHolds(db, 0, 60, 1);
      assertThat(db.get(key(60))).isNull();
    }
  }

  /**
   * Only the manifest's last edit speaks for the close: an edit after it (work that outlived
   * the close) means the database changed after the log was forced.
   */
  @Test
  void manifestEditAfterTheCloseRecord_theLogIsNotAppendedTo() throws Exception {
    try (StrataDB db = StrataDB.open(DIR, options().build())) {
      write(db, 0, 100, 1);
    }
    String manifest =
        fs.list(DIR).stream().filter(n -> n.startsWith("MANIFEST-")).findFirst().orElseThrow();
    try (dev.strata.wal.LogWriter w =
        new dev.strata.wal.LogWriter(fs.openAppend(DIR.resolve(manifest)), manifest)) {
      byte[] edit = new dev.strata.version.VersionEdit().setLastSequence(100).encode();
      w.addRecord(edit, 0, edit.length);
      w.sync();
    }
    try (StrataDB db = openExpectingOneTable()) {
      assertHolds(db, 0, 100, 1);
    }
  }

  /**
   * On the real file system, a close from an interrupted thread (a pool's {@code shutdownNow})
   * still forces the WAL and records it, keeps the thread's interrupt, and the next open appends.
   */
  @Test
  void interruptedClose_onTheRealFileSystem_stillRecordsTheLog_andKeepsTheInterrupt(
      @org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
    Options real = Options.builder().memtableSizeBytes(64 << 10).jmx(false).reuseLogs(true).build();
    StrataDB db = StrataDB.open(tmp, real);
    write(db, 0, 100, 1);
    Thread.currentThread().interrupt();
    try {
      db.close();
      assertThat(Thread.currentThread().isInterrupted()).as("the interrupt is kept").isTrue();
    } finally {
      Thread.interrupted();
    }
    try (StrataDB again = StrataDB.open(tmp, real)) {
      assertHolds(again, 0, 100, 1);
      assertThat(again.getProperty("strata.num-files-at-level0")).as("appended, no table")
          .isEqualTo("0");
    }
  }

  /** The close's own force fails: no record, and the next open flushes. */
  @Test
  void closeWhoseForceFails_recordsNothing_theNextOpenFlushes() throws Exception {
    StrataDB db = StrataDB.open(DIR, options().build());
    write(db, 0, 100, 1);
    fs.failNext(Op.SYNC, p -> p.getFileName().toString().endsWith(".log"));
    db.close();
    try (StrataDB again = openExpectingOneTable()) {
      assertHolds(again, 0, 100, 1);
    }
  }

  @Test
  void reuseLogsOff_flushesTheReplayAndStartsAFreshWal() throws Exception {
    Options off = options().reuseLogs(false).build();
    try (StrataDB db = StrataDB.open(DIR, off)) {
      write(db, 0, 200, 1);
    }
    List<String> before = logs();
    fs.setTracing(true);
    ManualExecutor background = new ManualExecutor();
    try (StrataDB db =
        StrataDB.open(DIR, options().reuseLogs(false).backgroundExecutor(background).flushOnClose(false).build())) {
      assertThat(fs.tracedNames(Op.CREATE, ".log")).hasSize(1);
      assertThat(fs.tracedNames(Op.OPEN_APPEND, ".log")).isEmpty();
      background.runPending();
      assertThat(fs.tracedNames(Op.CREATE, ".sst")).hasSize(1);
      assertThat(db.getProperty("strata.num-files-at-level0")).isEqualTo("1");
      assertHolds(db, 0, 200, 1);
    }
    assertThat(logs()).doesNotContainAnyElementsOf(before);
  }

  /**
   * A log whose last record is cut short must not be appended to: the new records would follow
   * the torn bytes, and the next recovery, stopping at the tear, would drop them.
   */
  @Test
  void tornTail_isNeverAppendedTo_writesAfterTheOpenSurviveTheNextCrash() throws Exception {
    try (StrataDB db = StrataDB.open(DIR, options().build())) {
      write(db, 0, 100, 1);
    }
    Path log = DIR.resolve(logs().get(0));
    byte[] whole = fs.read(log);
    fs.overwrite(log, Arrays.copyOf(whole, whole.length - 5));

    fs.setTracing(true);
    try (StrataDB db = StrataDB.open(DIR, options().build())) {
      assertThat(fs.tracedNames(Op.OPEN_APPEND, ".log")).isEmpty();
      assertThat(fs.tracedNames(Op.CREATE, ".log")).hasSize(1);
      assertHolds(db, 0, 99, 1);
      assertThat(db.get(key(99))).as("the torn record").isNull();
      write(db, 100, 150, 2);
      db.put(key(150), value(150, 2), WriteOptions.SYNC);
      crashThenClose(db, 1);
    }
    try (StrataDB db = StrataDB.open(DIR, options().build())) {
      assertHolds(db, 0, 99, 1);
      assertHolds(db, 100, 151, 2);
    }
  }

  /** A close with a memtable waiting for its flush leaves two logs: the older is flushed. */
  @Test
  void twoLogsToReplay_flushesTheOlder_andAppendsToTheNewer() throws Exception {
    int written = twoLogs(false);
    List<String> logs = logs();
    assertThat(logs).hasSize(2);

    fs.setTracing(true);
    try (StrataDB again = StrataDB.open(DIR, options().build())) {
      assertThat(fs.tracedNames(Op.OPEN_APPEND, ".log")).containsExactly(logs.get(1));
      assertThat(fs.tracedNames(Op.CREATE, ".log")).isEmpty();
      assertThat(fs.tracedNames(Op.CREATE, ".sst")).as("the older log's writes").hasSize(1);
      assertHolds(again, 0, written, 1);
      write(again, written, written + 100, 2);
      again.put(key(written + 100), value(written + 100, 2), WriteOptions.SYNC);
      assertThat(logs()).as("the older log is obsolete").containsExactly(logs.get(1));
      crashThenClose(again, 4);
    }
    try (StrataDB again = StrataDB.open(DIR, options().build())) {
      assertHolds(again, 0, written, 1);
      assertHolds(again, written, written + 101, 2);
    }
  }

  @Test
  void twoLogsWithReuseOff_flushBothAndStartAFreshWal() throws Exception {
    int written = twoLogs(false);
    fs.setTracing(true);
    try (StrataDB again = StrataDB.open(DIR, options().reuseLogs(false).build())) {
      assertThat(fs.tracedNames(Op.OPEN_APPEND, ".log")).isEmpty();
      assertThat(fs.tracedNames(Op.CREATE, ".log")).hasSize(1);
      assertHolds(again, 0, written, 1);
    }
  }

  /**
   * A torn tail in the newer of two logs: the older one's writes are flushed, the newer one's
   * prefix too, and a fresh log takes the writes.
   */
  @Test
  void twoLogsAfterACrash_flushBothAndStartAFreshWal() throws Exception {
    int written = twoLogs(true);
    try (StrataDB again = openExpectingOneTable()) {
      assertHolds(again, 0, written, 1);
    }
  }

  @Test
  void twoLogs_newerTorn_flushesAllAndStartsAFreshWal() throws Exception {
    int written = twoLogs(false);
    Path newer = DIR.resolve(logs().get(1));
    byte[] whole = fs.read(newer);
    fs.overwrite(newer, Arrays.copyOf(whole, whole.length - 3));

    fs.setTracing(true);
    try (StrataDB again = StrataDB.open(DIR, options().build())) {
      assertThat(fs.tracedNames(Op.OPEN_APPEND, ".log")).isEmpty();
      assertThat(fs.tracedNames(Op.CREATE, ".log")).hasSize(1);
      assertHolds(again, 0, written - 1, 1);
      assertThat(again.get(key(written - 1))).as("the torn record").isNull();
    }
  }

  /**
   * Writes until a memtable switch, with the switch's flush held back, then one sync write; then
   * closes cleanly, or crashes ({@code crash}): either way the directory (now {@code fs}) has two
   * logs. Returns the keys written.
   */
  private int twoLogs(boolean crash) {
    ManualExecutor background = new ManualExecutor();
    Options small =
        options().memtableSizeBytes(4096).backgroundExecutor(background).flushOnClose(false).backgroundCompaction(false)
            .build();
    int written = 0;
    StrataDB db = StrataDB.open(DIR, small);
    while (db.getProperty("strata.num-immutable-memtables").equals("0")) {
      db.put(key(written), value(written, 1));
      written++;
    }
    db.put(key(written), value(written, 1), WriteOptions.SYNC);
    written++;
    // The switch's flush never ran: two logs hold the writes.
    background.shutdownNow();
    if (crash) {
      crashThenClose(db, 2);
    } else {
      db.close();
    }
    return written;
  }

  /**
   * A power loss now: {@code fs} becomes the image of what survives (unsynced bytes dropped), then
   * {@code db} closes on the frozen file system, which refuses close's writes; only that refusal
   * is expected here. A second close, by a try-with-resources, does nothing.
   */
  private void crashThenClose(StrataDB db, long seed) {
    fs = ReplayData.crashThenClose(fs, db, seed);
  }

  @Test
  void replayLargerThanOneMemtable_flushesAndStartsAFreshWal() throws Exception {
    try (StrataDB db = StrataDB.open(DIR, options().memtableSizeBytes(1 << 20).build())) {
      write(db, 0, 1000, 1);
    }
    fs.setTracing(true);
    try (StrataDB db = StrataDB.open(DIR, options().memtableSizeBytes(4096).build())) {
      assertThat(fs.tracedNames(Op.OPEN_APPEND, ".log")).isEmpty();
      assertThat(fs.tracedNames(Op.CREATE, ".sst")).hasSizeGreaterThan(1);
      assertHolds(db, 0, 1000, 1);
    }
  }

  @Test
  void emptyWal_isReusedToo_repeatedOpensMakeNoFiles() throws Exception {
    try (StrataDB db = StrataDB.open(DIR, options().build())) {
      assertThat(db.get(key(0))).isNull();
    }
    List<String> files = fs.list(DIR).stream().filter(n -> !n.startsWith("LOG")).sorted().toList();
    for (int i = 0; i < 3; i++) {
      try (StrataDB db = StrataDB.open(DIR, options().build())) {
        assertThat(db.get(key(0))).isNull();
      }
    }
    assertThat(fs.list(DIR).stream().filter(n -> n.endsWith(".log") || n.endsWith(".sst")))
        .containsExactlyInAnyOrderElementsOf(
            files.stream().filter(n -> n.endsWith(".log") || n.endsWith(".sst")).toList());
  }

  @Test
  void columnFamilies_eachKeepsItsReplay_andAllSurviveACrashAfterMoreWrites() throws Exception {
    try (StrataDB db = StrataDB.open(DIR, options().build())) {
      ColumnFamilyHandle users = db.createColumnFamily("users", ColumnFamilyOptions.defaults());
      for (int i = 0; i < 100; i++) {
        db.put(key(i), value(i, 1));
        db.put(users, key(i), value(i, 3));
      }
    }
    fs.setTracing(true);
    try (StrataDB db = StrataDB.open(DIR, options().build())) {
      assertThat(fs.tracedNames(Op.CREATE, ".sst")).isEmpty();
      assertThat(fs.tracedNames(Op.OPEN_APPEND, ".log")).hasSize(1);
      ColumnFamilyHandle users = db.columnFamily("users");
      for (int i = 0; i < 100; i++) {
        assertThat(db.get(key(i))).isEqualTo(value(i, 1));
        assertThat(db.get(users, key(i))).isEqualTo(value(i, 3));
      }
      for (int i = 50; i < 150; i++) {
        db.put(users, key(i), value(i, 4));
      }
      db.put(key(0), value(0, 2), WriteOptions.SYNC);
      crashThenClose(db, 3);
    }
    try (StrataDB db = StrataDB.open(DIR, options().build())) {
      ColumnFamilyHandle users = db.columnFamily("users");
      assertThat(db.get(key(0))).isEqualTo(value(0, 2));
      assertHolds(db, 1, 100, 1);
      for (int i = 0; i < 150; i++) {
        assertThat(db.get(users, key(i))).as("users %d", i).isEqualTo(value(i, i < 50 ? 3 : 4));
      }
    }
  }

  @Test
  void flushOfTheReusedMemtable_deletesTheReusedWal_andKeepsEverything() throws Exception {
    try (StrataDB db = StrataDB.open(DIR, options().build())) {
      write(db, 0, 200, 1);
    }
    String reused = logs().get(0);
    try (StrataDB db = StrataDB.open(DIR, options().build())) {
      write(db, 200, 300, 1);
      db.flush();
      assertThat(logs()).doesNotContain(reused);
      assertThat(db.getProperty("strata.num-files-at-level0")).isEqualTo("1");
      assertHolds(db, 0, 300, 1);
    }
    try (StrataDB db = StrataDB.open(DIR, options().build())) {
      assertHolds(db, 0, 300, 1);
    }
  }
}
