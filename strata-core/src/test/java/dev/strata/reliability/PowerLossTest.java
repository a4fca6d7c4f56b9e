package dev.strata.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.Compression;
import dev.strata.MemtableKind;
import dev.strata.MergeOperator;
import dev.strata.Options;
import dev.strata.StrataDB;
import dev.strata.WriteOptions;
import dev.strata.testing.FaultInjectionFileSystem;
import dev.strata.testing.FaultInjectionFileSystem.CrashMode;
import dev.strata.testing.OpGenerator;
import dev.strata.testing.Seeds;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.NavigableMap;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Simulated power loss: random workloads (puts, deletes, merge operands appending strings or, for
 * an even seed, adding 8-byte counters, range deletions, batches, SYNC and plain writes, flushes
 * and compactions, background compaction on and off) on the fault-injecting file system, a crash
 * in one of its modes at a random moment (background flushes and compactions may be running),
 * reopen, and check that every write acknowledged before a SYNC write or a flush returned is there
 * and that what was recovered is exactly a prefix of the write order. The next cycle continues on
 * the recovered database. CI: 500 cycles; {@code -Dstrata.soak=true}: 100,000 (or {@code
 * -Dstrata.powerloss.cycles=N}).
 */
class PowerLossTest {
  static final Path DIR = Path.of("/db");

  static int cycles() {
    int ci = 500;
    int soak = 100_000;
    return Integer.getInteger(
        "strata.powerloss.cycles", Boolean.getBoolean("strata.soak") ? soak : ci);
  }

  static Options randomOptions(Random rnd, FaultInjectionFileSystem fs, MergeOperator operator) {
    boolean compaction = rnd.nextBoolean();
    return Options.builder()
        .fileSystem(fs)
        .mergeOperator(operator)
        .memtable(rnd.nextInt(4) == 0 ? MemtableKind.SKIPLIST : MemtableKind.SHARDED)
        .memtableShards(1 << rnd.nextInt(5))
        .memtableSizeBytes(2048 + rnd.nextInt(16 * 1024))
        .blockSizeBytes(64 << rnd.nextInt(6))
        .compression(rnd.nextBoolean() ? Compression.NONE : Compression.LZ4)
        .targetFileSizeBytes(4096)
        .maxBytesForLevelBase(16 * 1024)
        .level0CompactionTrigger(2)
        .level0SlowdownTrigger(compaction ? 8 : 1000)
        .level0StopTrigger(compaction ? 12 : 1000)
        .backgroundCompaction(compaction)
        .build();
  }

  @Test
  void powerLoss_recoversEverySyncedWriteAsAPrefix() {
    long seed = Seeds.seed("PowerLossTest");
    Random rnd = new Random(seed);
    FaultInjectionFileSystem fs = new FaultInjectionFileSystem(rnd.nextLong());
    OpGenerator gen = new OpGenerator(rnd, 200, "v").withMerges();
    // Runs of even seed merge 8-byte counters (uint64Add), the others append strings.
    if ((seed & 1) == 0) {
      gen.withCounters();
    }
    NavigableMap<byte[], byte[]> state = new java.util.TreeMap<>(dev.strata.util.Bytes.COMPARATOR);
    EnumMap<CrashMode, Integer> modes = new EnumMap<>(CrashMode.class);
    long writes = 0;
    int cycles = cycles();
    long start = System.nanoTime();
    for (int cycle = 0; cycle < cycles; cycle++) {
      Options options = randomOptions(rnd, fs, gen.mergeOperator());
      StrataDB db = StrataDB.open(DIR, options);
      String where = "seed " + seed + " cycle " + cycle;
      NavigableMap<byte[], byte[]> recovered = OpGenerator.contents(db);
      assertThat(WriteLog.same(recovered, state)).as("%s: reopen after clean state", where).isTrue();
      WriteLog log = new WriteLog(state);
      int n = 10 + rnd.nextInt(120);
      for (int i = 0; i < n; i++) {
        int r = rnd.nextInt(100);
        if (r < 2) {
          db.flush();
          log.markDurable();
        } else if (r < 3) {
          db.compactRange(null, null);
          log.markDurable();
        } else {
          List<OpGenerator.WriteOp> ops = gen.nextWrite(rnd.nextInt(4) == 0 ? 600 : 40);
          boolean sync = rnd.nextInt(5) == 0;
          OpGenerator.apply(db, ops, sync ? WriteOptions.SYNC : WriteOptions.DEFAULT);
          log.add(ops);
          if (sync) {
            log.markDurable();
          }
        }
      }
      writes += log.size();
      CrashMode mode = CrashMode.values()[1 + rnd.nextInt(3)];
      modes.merge(mode, 1, Integer::sum);
      FaultInjectionFileSystem after = fs.crash(mode, rnd);
      db.close();
      fs = after;
      try (StrataDB reopened = StrataDB.open(DIR, randomOptions(rnd, fs, gen.mergeOperator()))) {
        recovered = OpGenerator.contents(reopened);
      }
      int p = log.matchPrefix(recovered);
      assertThat(p)
          .as("%s mode %s: recovered state is no prefix of %d writes with %d durable: %s",
              where, mode, log.size(), log.durable(), log.diff(recovered, log.durable()))
          .isGreaterThanOrEqualTo(0);
      state = log.stateAfter(p);
    }
    System.out.printf(
        "PowerLossTest: %d cycles, %d writes, modes %s, %.1f s%n",
        cycles, writes, modes, (System.nanoTime() - start) / 1e9);
  }
}
