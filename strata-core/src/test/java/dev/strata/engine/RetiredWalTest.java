package dev.strata.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.Options;
import dev.strata.StrataDB;
import dev.strata.WriteOptions;
import dev.strata.testing.FaultInjectionFileSystem;
import dev.strata.testing.FaultInjectionFileSystem.Event;
import dev.strata.testing.FaultInjectionFileSystem.Op;
import dev.strata.testing.ManualExecutor;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A memtable switch retires the old WAL without forcing it: no writer waits for that force unless
 * it asked for durability. A sync write forces every retired WAL before its own; the flush worker
 * forces one before flushing its memtable; close forces the rest. Background work runs only when
 * the test runs it ({@link ManualExecutor}), so each case is deterministic.
 */
class RetiredWalTest {
  private static final Path DIR = Path.of("/db");
  private static final byte[] VALUE = new byte[100];

  private final FaultInjectionFileSystem fs = new FaultInjectionFileSystem(1);
  private final ManualExecutor background = new ManualExecutor();

  private Options options() {
    return Options.builder()
        .fileSystem(fs)
        .memtableSizeBytes(4096)
        .backgroundExecutor(background).flushOnClose(false)
        .backgroundCompaction(false)
        .build();
  }

  private static byte[] key(int i) {
    return String.format("key%06d", i).getBytes(StandardCharsets.UTF_8);
  }

  /** Writes without sync until the first memtable switch; returns the next key index. */
  private static int writeUntilSwitch(StrataDB db) {
    int i = 0;
    while (db.getProperty("strata.num-immutable-memtables").equals("0")) {
      db.put(key(i++), VALUE);
    }
    return i;
  }

  /** The WAL of each successful {@code op} since tracing began, in order. */
  private List<String> logEvents(Op op) {
    return fs.trace().stream()
        .filter(e -> e.op() == op && !e.failed() && name(e).endsWith(".log"))
        .map(RetiredWalTest::name)
        .toList();
  }

  private List<String> logSyncs() {
    return logEvents(Op.SYNC);
  }

  private static String name(Event e) {
    return e.path().getFileName().toString();
  }

  /** The WAL the first traced write went to: the one active when tracing began. */
  private String activeLogAtOpen() {
    return logEvents(Op.APPEND).get(0);
  }

  @Test
  void switchLeavesOldWalUnforced_syncWriteForcesItBeforeItsOwn() {
    try (StrataDB db = StrataDB.open(DIR, options())) {
      fs.setTracing(true);
      int next = writeUntilSwitch(db);
      String old = activeLogAtOpen();
      List<String> created = logEvents(Op.CREATE);
      assertThat(created).hasSize(1);
      String fresh = created.get(0);
      assertThat(logSyncs()).as("no writer asked for a force").isEmpty();

      db.put(key(next), VALUE, WriteOptions.SYNC);
      assertThat(logSyncs()).containsExactly(old, fresh);

      db.put(key(next + 1), VALUE, WriteOptions.SYNC);
      assertThat(logSyncs()).as("the retired WAL is forced once").containsExactly(old, fresh, fresh);
      background.runPending();
    }
  }

  @Test
  void flushWorkerForcesRetiredWalBeforeWritingItsTable() {
    try (StrataDB db = StrataDB.open(DIR, options())) {
      fs.setTracing(true);
      writeUntilSwitch(db);
      String old = activeLogAtOpen();
      assertThat(logSyncs()).isEmpty();

      background.runPending();
      List<Event> trace = fs.trace();
      int forced = -1;
      int tableCreated = -1;
      for (int i = 0; i < trace.size(); i++) {
        Event e = trace.get(i);
        if (forced < 0 && e.op() == Op.SYNC && name(e).equals(old)) {
          forced = i;
        }
        if (tableCreated < 0 && e.op() == Op.CREATE && name(e).endsWith(".sst")) {
          tableCreated = i;
        }
      }
      assertThat(forced).as("retired WAL forced by the flush").isNotNegative();
      assertThat(tableCreated).as("flush wrote a table").isGreaterThan(forced);
      assertThat(db.getProperty("strata.num-immutable-memtables")).isEqualTo("0");
    }
  }

  @Test
  void closeForcesAndClosesRetiredWalsNotYetFlushed_andNothingIsLost() throws Exception {
    DbImpl db = (DbImpl) StrataDB.open(DIR, options());
    fs.setTracing(true);
    int written = writeUntilSwitch(db);
    String old = activeLogAtOpen();
    assertThat(logSyncs()).isEmpty();

    Thread closer = new Thread(db::close, "closer");
    closer.start();
    // The flush the switch queued runs only after close stopped the flush worker, so it does
    // nothing: the retired WAL is close's to force.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (db.flushWorkerActiveForTesting()) {
      assertThat(System.nanoTime() - deadline).as("close never stopped the flush worker")
          .isNegative();
      Thread.onSpinWait();
    }
    background.runPending();
    closer.join(TimeUnit.SECONDS.toMillis(30));
    assertThat(closer.isAlive()).as("close finished").isFalse();

    assertThat(fs.trace()).noneMatch(e -> e.op() == Op.CREATE && name(e).endsWith(".sst"));
    assertThat(logSyncs()).containsExactly(old);
    assertThat(fs.openHandles()).as("files left open after close").isZero();
    try (StrataDB again = StrataDB.open(DIR, options())) {
      for (int i = 0; i < written; i++) {
        assertThat(again.get(key(i))).as("key %d", i).isEqualTo(VALUE);
      }
      background.runPending();
    }
  }

  /**
   * A power loss can keep a later WAL's writes while an earlier, unforced WAL loses its tail.
   * Cut at a record boundary, that tail reads as a clean end, so recovery must notice the jump in
   * sequences at the later log and stop there: what it recovers is a prefix of the writes.
   */
  @ParameterizedTest
  @ValueSource(ints = {0, 3})
  void earlierWalCutAtARecordBoundary_recoveryStopsAtTheHole(int kept) throws Exception {
    StrataDB db = StrataDB.open(DIR, options());
    int switched = writeUntilSwitch(db);
    for (int i = switched; i < switched + 5; i++) {
      db.put(key(i), VALUE);
    }
    FaultInjectionFileSystem image =
        fs.crash(FaultInjectionFileSystem.CrashMode.KEEP_ALL, new java.util.Random(1));
    // The queued flush now fails on the frozen file system; close then has nothing to wait for.
    background.runPending();
    db.close();

    List<String> logs = image.list(DIR).stream().filter(n -> n.endsWith(".log")).sorted().toList();
    assertThat(logs).hasSize(2);
    Path earlier = DIR.resolve(logs.get(0));
    // One write per record (one writer): keeping k records keeps writes 0 to k - 1.
    image.keepRecords(earlier, kept);

    ManualExecutor again = new ManualExecutor();
    try (StrataDB recovered =
        StrataDB.open(DIR, options().toBuilder().fileSystem(image).backgroundExecutor(again).flushOnClose(false)
            .build())) {
      for (int i = 0; i < switched + 5; i++) {
        if (i < kept) {
          assertThat(recovered.get(key(i))).as("key %d", i).isEqualTo(VALUE);
        } else {
          assertThat(recovered.get(key(i))).as("key %d after the hole", i).isNull();
        }
      }
      again.runPending();
    }
  }
}
