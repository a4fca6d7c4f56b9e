package dev.strata.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.Options;
import dev.strata.StrataDB;
import dev.strata.WriteOptions;
import dev.strata.fs.CrashPoint;
import dev.strata.testing.FaultInjectionFileSystem;
import dev.strata.testing.FaultInjectionFileSystem.CrashMode;
import dev.strata.testing.FaultInjectionFileSystem.SimulatedCrashException;
import dev.strata.testing.OpGenerator;
import dev.strata.testing.RandomCompaction;
import dev.strata.testing.Seeds;
import java.nio.file.Path;
import java.util.List;
import java.util.NavigableMap;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Crashes at each named {@link CrashPoint} in turn: the fault file system's hook takes the crash
 * image at the k-th time the engine reaches the point (k = 1, 2, 3, each with another crash mode),
 * throws to abandon the caller, and the test reopens the image and checks that every durable write
 * is there and what was recovered is a prefix of the write order. A point may be reached while
 * writing, flushing, compacting, closing or opening (recovery points): rounds of open, write,
 * close repeat until the crash happened.
 */
class CrashPointTest {
  private static final Path DIR = Path.of("/db");
  private static final int HITS = 3;
  private static final int MAX_ROUNDS = 12;

  @ParameterizedTest
  @EnumSource(CrashPoint.class)
  void crashAtPoint_recoversDurablePrefix(CrashPoint point) {
    long seed = Seeds.seed("CrashPointTest." + point);
    for (int k = 1; k <= HITS; k++) {
      CrashMode mode = CrashMode.values()[(point.ordinal() + k) % CrashMode.values().length];
      runOnce(point, k, mode, new Random(seed + k), "seed " + seed + " point " + point + " hit " + k
          + " mode " + mode);
    }
  }

  /**
   * @param reuseLogs whether opens keep the replayed WAL ({@code Options.reuseLogs}): for its own
   *     point, and for every point's third hit, so that each point is also crashed with opens that
   *     append to a replayed WAL (see {@link #runOnce})
   */
  private static Options options(
      FaultInjectionFileSystem fs,
      Random rnd,
      dev.strata.MergeOperator mergeOperator,
      boolean reuseLogs) {
    return RandomCompaction.either(
            Options.builder()
                .reuseLogs(reuseLogs)
                .fileSystem(fs)
                .mergeOperator(mergeOperator)
                .memtableShards(4)
                .memtableSizeBytes(4096)
                .blockSizeBytes(256)
                .targetFileSizeBytes(2048)
                .maxBytesForLevelBase(8192)
                .level0CompactionTrigger(2),
            rnd)
        .build();
  }

  private void runOnce(CrashPoint point, int k, CrashMode mode, Random rnd, String where) {
    boolean reuseLogs = point == CrashPoint.CLOSE_BEFORE_LOG_RECORD || k == HITS;
    FaultInjectionFileSystem fs = new FaultInjectionFileSystem(rnd.nextLong());
    try {
      fs.createDirectories(Path.of("/checkpoints"));
      fs.createDirectories(Path.of("/external"));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    AtomicInteger seen = new AtomicInteger();
    AtomicReference<FaultInjectionFileSystem> image = new AtomicReference<>();
    // Set before the file system freezes: a foreground write can fail on the frozen file system
    // while a background thread is still inside crash(), before the image is published.
    java.util.concurrent.atomic.AtomicBoolean crashing =
        new java.util.concurrent.atomic.AtomicBoolean();
    Random crashRnd = new Random(rnd.nextLong());
    fs.onCrashPoint(
        p -> {
          if (p == point && seen.incrementAndGet() == k && crashing.compareAndSet(false, true)) {
            image.set(fs.crash(mode, crashRnd));
            throw new SimulatedCrashException("crash at " + p);
          }
        });
    OpGenerator gen = new OpGenerator(rnd, 64, "v").withMerges();
    if (k == 2) {
      // The middle hit of each point merges 8-byte counters with uint64Add, the others append.
      gen.withCounters();
    }
    WriteLog log = new WriteLog(new java.util.TreeMap<>(dev.strata.util.Bytes.COMPARATOR));
    // Checkpoints join the workload only for their own points, so that every other point's runs
    // replay as before.
    boolean checkpoints = point.name().startsWith("CHECKPOINT_");
    // Ingestions likewise, for theirs.
    boolean ingestions = point.name().startsWith("INGEST_");
    // Column families likewise (created and dropped; the model holds the default family's keys).
    boolean families = point.name().startsWith("FAMILY_");
    for (int round = 0; round < MAX_ROUNDS && image.get() == null; round++) {
      StrataDB db;
      try {
        db = StrataDB.open(DIR, options(fs, rnd, gen.mergeOperator(), reuseLogs));
      } catch (RuntimeException e) {
        assertThat(crashing.get()).as("%s: open failed without a crash: %s", where, e).isTrue();
        break;
      }
      try {
        workload(db, gen, rnd, log, image, checkpoints, ingestions, families, fs);
      } catch (RuntimeException e) {
        assertThat(crashing.get()).as("%s: write failed without a crash: %s", where, e).isTrue();
      }
      try {
        db.close();
      } catch (RuntimeException e) {
        assertThat(crashing.get()).as("%s: close failed without a crash: %s", where, e).isTrue();
      }
    }
    assertThat(image.get()).as("%s: point never reached", where).isNotNull();
    NavigableMap<byte[], byte[]> recovered;
    try (StrataDB db =
        StrataDB.open(DIR, options(image.get(), rnd, gen.mergeOperator(), reuseLogs))) {
      recovered = OpGenerator.contents(db);
      db.put(new byte[] {1}, new byte[] {2});
    }
    int p = log.matchPrefix(recovered);
    assertThat(p)
        .as("%s: not a prefix of %d writes with %d durable: %s",
            where, log.size(), log.durable(), log.diff(recovered, log.durable()))
        .isGreaterThanOrEqualTo(0);
  }

  private static void workload(
      StrataDB db, OpGenerator gen, Random rnd, WriteLog log,
      AtomicReference<FaultInjectionFileSystem> image, boolean checkpoints, boolean ingestions,
      boolean families, FaultInjectionFileSystem fs) {
    for (int i = 0; i < 150 && image.get() == null; i++) {
      int r = rnd.nextInt(100);
      if (families && r < 6) {
        // Creating or dropping a family makes every write before it durable.
        List<String> names = db.listColumnFamilies();
        if (names.size() > 2 && rnd.nextBoolean()) {
          db.dropColumnFamily(db.columnFamily(names.get(1 + rnd.nextInt(names.size() - 1))));
        } else {
          dev.strata.ColumnFamilyHandle f =
              db.createColumnFamily("f" + i, dev.strata.ColumnFamilyOptions.defaults());
          db.put(f, new byte[] {1}, new byte[] {(byte) i});
        }
        log.markDurable();
      } else if (ingestions && r < 6) {
        // One atomic write of a file's range deletion, then its keys; durable, with every write
        // before it, once the call returns.
        List<OpGenerator.WriteOp> ops = gen.nextIngestion(100);
        Path file = Path.of("/external").resolve("f" + i + "-" + rnd.nextInt(1 << 20) + ".sst");
        try (dev.strata.SstFileWriter w =
            new dev.strata.SstFileWriter(options(fs, rnd, gen.mergeOperator(), false))) {
          OpGenerator.writeFile(w, file, ops);
        }
        log.add(ops);
        db.ingestExternalFiles(
            List.of(file),
            dev.strata.IngestOptions.builder().moveFiles(rnd.nextBoolean()).build());
        log.markDurable();
      } else if (checkpoints && r < 4) {
        // A fresh target each time; a checkpoint flushes, so what it saw is durable.
        db.createCheckpoint(Path.of("/checkpoints").resolve("cp" + i + "-" + rnd.nextInt(1 << 20)));
        log.markDurable();
      } else if (r < 3) {
        db.flush();
        log.markDurable();
      } else if (r < 5) {
        db.compactRange(null, null);
        log.markDurable();
      } else {
        List<OpGenerator.WriteOp> ops = gen.nextWrite(100);
        boolean sync = rnd.nextInt(3) == 0;
        // Logged before it is issued: if the crash fails it, it may or may not survive, and the
        // exception ends the workload so no durable mark follows it.
        log.add(ops);
        OpGenerator.apply(db, ops, sync ? WriteOptions.SYNC : WriteOptions.DEFAULT);
        if (sync) {
          log.markDurable();
        }
      }
    }
  }
}
