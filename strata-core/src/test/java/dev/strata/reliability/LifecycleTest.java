package dev.strata.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.Options;
import dev.strata.StrataDB;
import dev.strata.StrataException;
import dev.strata.WriteOptions;
import dev.strata.fs.CrashPoint;
import dev.strata.testing.FaultInjectionFileSystem;
import dev.strata.testing.OpGenerator;
import dev.strata.testing.Seeds;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Lifecycle: 50 cycles of open, load from a writer thread, and close() called at the moment a
 * flush or a compaction is midway (the crash-point hook signals it). After close returns no thread
 * of that database is alive and no file is open (counted by the fault file system); the next open
 * recovers every acknowledged write. The close itself must return within 10 s.
 */
class LifecycleTest {
  @Test
  void closeDuringFlushAndCompaction_leavesNoThreadOrFileAndRecovers() throws Exception {
    long seed = Seeds.seed("LifecycleTest");
    Random rnd = new Random(seed);
    ExecutorService pool = Executors.newCachedThreadPool();
    try {
      for (int cycle = 0; cycle < 50; cycle++) {
        runCycle(cycle, new Random(rnd.nextLong()), pool, "seed " + seed + " cycle " + cycle);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  private void runCycle(int cycle, Random rnd, ExecutorService pool, String where)
      throws Exception {
    Path dir = Path.of("/life" + cycle);
    FaultInjectionFileSystem fs = new FaultInjectionFileSystem(rnd.nextLong());
    Options options =
        Options.builder()
            .fileSystem(fs)
            .memtableSizeBytes(4096)
            .memtableShards(4)
            .blockSizeBytes(256)
            .targetFileSizeBytes(2048)
            .maxBytesForLevelBase(8192)
            .level0CompactionTrigger(2)
            .build();
    CrashPoint busy = rnd.nextBoolean() ? CrashPoint.FLUSH_MID : CrashPoint.COMPACTION_MID;
    CountDownLatch running = new CountDownLatch(1);
    fs.onCrashPoint(p -> {
      if (p == busy) {
        running.countDown();
      }
    });
    StrataDB db = StrataDB.open(dir, options);
    List<List<OpGenerator.WriteOp>> acked = Collections.synchronizedList(new ArrayList<>());
    OpGenerator gen = new OpGenerator(new Random(rnd.nextLong()), 500, "v");
    Future<?> writer =
        pool.submit(
            () -> {
              for (int i = 0; i < 100_000; i++) {
                List<OpGenerator.WriteOp> w = gen.nextWrite(200);
                try {
                  OpGenerator.apply(db, w, WriteOptions.DEFAULT);
                } catch (StrataException e) {
                  return;
                }
                acked.add(w);
              }
            });
    boolean sawWork = running.await(20, TimeUnit.SECONDS);
    Future<?> closing = pool.submit(db::close);
    closing.get(10, TimeUnit.SECONDS);
    writer.get(10, TimeUnit.SECONDS);
    assertThat(sawWork).as("%s: %s never reached", where, busy).isTrue();
    fs.onCrashPoint(p -> {});
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      assertThat(t.getName().endsWith("-life" + cycle) && t.isAlive())
          .as("%s: thread %s alive after close", where, t.getName())
          .isFalse();
    }
    assertThat(fs.openHandles()).as("%s: files open after close: %s", where, fs.openPaths())
        .isZero();
    WriteLog log = new WriteLog(new java.util.TreeMap<>(dev.strata.util.Bytes.COMPARATOR));
    synchronized (acked) {
      acked.forEach(log::add);
    }
    log.markDurable();
    try (StrataDB again = StrataDB.open(dir, options)) {
      var got = OpGenerator.contents(again);
      assertThat(log.matchPrefix(got)).as("%s: lost acknowledged writes: %s", where,
          log.diff(got, log.durable())).isGreaterThanOrEqualTo(0);
    }
    assertThat(fs.openHandles()).as("%s: files open after the second close: %s", where,
        fs.openPaths()).isZero();
  }
}
