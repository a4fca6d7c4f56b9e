package dev.strata.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.strata.Options;
import dev.strata.StrataDB;
import dev.strata.StrataException;
import dev.strata.WriteOptions;
import dev.strata.testing.FaultInjectionFileSystem;
import dev.strata.testing.FaultInjectionFileSystem.Event;
import dev.strata.testing.FaultInjectionFileSystem.Op;
import dev.strata.testing.ModelDb;
import dev.strata.testing.OpGenerator;
import dev.strata.testing.RandomCompaction;
import dev.strata.testing.Seeds;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.NavigableMap;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * I/O errors at RocksDB's odds (reads 1 in 32; appends, forces, creations, renames and deletions 1
 * in 128; some runs fill the disk): every failing call reports a {@link StrataException}, reads
 * never return wrong data, every call returns within 10 s, a failed write makes the database
 * refuse later writes while reads go on, no fsync is retried after it failed, and after reopening
 * on a healthy file system every acknowledged write is there. CI: 200 runs; soak: 5,000.
 */
class IoErrorTest {
  private static final Path DIR = Path.of("/db");
  private static final long TIMEOUT_SECONDS = 10;
  private final ExecutorService caller = Executors.newSingleThreadExecutor();

  @AfterEach
  void stop() {
    caller.shutdownNow();
  }

  private <T> T call(Callable<T> c, String what) throws Exception {
    Future<T> f = caller.submit(c);
    try {
      return f.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      fail(what + " did not return within " + TIMEOUT_SECONDS + " s (deadlock?)");
      throw e;
    } catch (java.util.concurrent.ExecutionException e) {
      if (e.getCause() instanceof Exception) {
        throw (Exception) e.getCause();
      }
      throw e;
    }
  }

  @Test
  void injectedIoErrors_neverLoseAcknowledgedWritesOrReturnWrongData() throws Exception {
    long seed = Seeds.seed("IoErrorTest");
    Random rnd = new Random(seed);
    int runs = Boolean.getBoolean("strata.soak") ? 5_000 : 200;
    int writeFailures = 0;
    int readFailures = 0;
    long faults = 0;
    for (int run = 0; run < runs; run++) {
      String where = "seed " + seed + " run " + run;
      int[] counts = runOnce(new Random(rnd.nextLong()), where);
      writeFailures += counts[0];
      readFailures += counts[1];
      faults += counts[2];
    }
    System.out.printf(
        "IoErrorTest: %d runs, %d injected faults, %d failed writes, %d failed reads%n",
        runs, faults, writeFailures, readFailures);
  }

  private int[] runOnce(Random rnd, String where) throws Exception {
    FaultInjectionFileSystem fs = new FaultInjectionFileSystem(rnd.nextLong());
    fs.setTracing(true);
    Options options =
        RandomCompaction.either(
                Options.builder()
                    .fileSystem(fs)
                    .memtableSizeBytes(4096 + rnd.nextInt(8192))
                    .memtableShards(4)
                    .blockSizeBytes(256)
                    .targetFileSizeBytes(4096)
                    .maxBytesForLevelBase(16384)
                    .level0CompactionTrigger(2),
                rnd)
            .build();
    fs.failOneIn(Op.READ, 32).failOneIn(Op.OPEN_READ, 32);
    for (Op op : new Op[] {Op.APPEND, Op.SYNC, Op.SYNC_DIRECTORY, Op.CREATE, Op.RENAME, Op.DELETE}) {
      fs.failOneIn(op, 128);
    }
    int fullAt = rnd.nextInt(4) == 0 ? rnd.nextInt(150) : -1;
    StrataDB db = null;
    for (int attempt = 0; attempt < 20 && db == null; attempt++) {
      try {
        db = call(() -> StrataDB.open(DIR, options), where + " open");
      } catch (StrataException e) {
        // An injected fault failed the open; the next attempt recovers from what it left.
      }
    }
    if (db == null) {
      fs.healthy();
      db = StrataDB.open(DIR, options);
    }
    StrataDB d = db;
    OpGenerator gen = new OpGenerator(rnd, 100, "v");
    // Each run starts from an empty file system, so the database starts empty.
    NavigableMap<byte[], byte[]> base = new java.util.TreeMap<>(dev.strata.util.Bytes.COMPARATOR);
    WriteLog log = new WriteLog(base);
    ModelDb model = new ModelDb();
    base.forEach(model::put);
    boolean refused = false;
    int failedWrites = 0;
    int failedReads = 0;
    for (int i = 0; i < 150; i++) {
      if (i == fullAt) {
        fs.setDiskFull(true);
      }
      int r = rnd.nextInt(100);
      try {
        if (r < 55) {
          List<OpGenerator.WriteOp> ops = gen.nextWrite(rnd.nextInt(3) == 0 ? 500 : 30);
          WriteOptions wo = rnd.nextBoolean() ? WriteOptions.SYNC : WriteOptions.DEFAULT;
          try {
            call(() -> { OpGenerator.apply(d, ops, wo); return null; }, where + " write " + i);
          } catch (StrataException e) {
            failedWrites++;
            if (failedToCreateWal(e)) {
              // Nothing was written (as in LevelDB, a WAL that cannot be created fails this
              // write only): the write must not appear, and later writes may succeed.
              assertThat(refused).as("%s: write refused after failure %s", where, e).isFalse();
              continue;
            }
            if (!refused) {
              log.add(ops);
            }
            refused = true;
            continue;
          }
          assertThat(refused).as("%s: a write succeeded after an earlier write failed", where)
              .isFalse();
          log.add(ops);
          log.markDurable();
          OpGenerator.apply(model, ops);
        } else if (r < 80) {
          byte[] k = gen.key();
          byte[] got = call(() -> d.get(k), where + " get");
          assertThat(got).as("%s: get %s", where, new String(k)).isEqualTo(model.get(k));
        } else if (r < 90) {
          NavigableMap<byte[], byte[]> got = call(() -> OpGenerator.contents(d), where + " scan");
          assertThat(WriteLog.same(got, model.view())).as("%s: scan", where).isTrue();
        } else if (r < 95) {
          call(() -> { d.flush(); return null; }, where + " flush");
        } else {
          call(() -> { d.compactRange(null, null); return null; }, where + " compact");
        }
      } catch (StrataException e) {
        if (r >= 55 && r < 90) {
          failedReads++;
        }
      }
    }
    call(() -> { d.close(); return null; }, where + " close");
    checkNoSyncRetried(fs.trace(), where);
    fs.healthy();
    NavigableMap<byte[], byte[]> recovered;
    try (StrataDB again = StrataDB.open(DIR, options)) {
      recovered = OpGenerator.contents(again);
    }
    int p = log.matchPrefix(recovered);
    assertThat(p)
        .as("%s: lost acknowledged writes: %s", where, log.diff(recovered, log.durable()))
        .isGreaterThanOrEqualTo(0);
    return new int[] {failedWrites, failedReads, (int) fs.injectedFaults()};
  }

  /** Whether a write failed only because the next WAL could not be created. */
  private static boolean failedToCreateWal(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      String m = t.getMessage();
      if (m != null && m.startsWith("injected CREATE failure on ") && m.endsWith(".log")) {
        return true;
      }
    }
    return false;
  }

  /** After a force of a file failed, the engine never forces that file again. */
  static void checkNoSyncRetried(List<Event> trace, String where) {
    Set<Path> failed = new HashSet<>();
    for (Event e : trace) {
      if (e.op() == Op.CREATE && !e.failed()) {
        failed.remove(e.path());
      }
      if (e.op() == Op.SYNC) {
        assertThat(e.failed() || !failed.contains(e.path()))
            .as("%s: fsync of %s retried after it failed (event %s): %s", where, e.path(), e,
                trace.stream().filter(x -> e.path().equals(x.path()) || x.failed()).toList())
            .isTrue();
        if (e.failed()) {
          assertThat(failed.add(e.path()))
              .as("%s: fsync of %s retried after it failed: %s", where, e.path(),
                  Arrays.toString(trace.stream().filter(x -> x.path().equals(e.path())).toArray()))
              .isTrue();
        }
      }
    }
  }
}
