package dev.strata.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.ColumnFamilyHandle;
import dev.strata.ColumnFamilyOptions;
import dev.strata.Compression;
import dev.strata.DBIterator;
import dev.strata.MemtableKind;
import dev.strata.MergeOperator;
import dev.strata.Options;
import dev.strata.StrataDB;
import dev.strata.WriteBatch;
import dev.strata.WriteOptions;
import dev.strata.testing.FaultInjectionFileSystem;
import dev.strata.testing.FaultInjectionFileSystem.CrashMode;
import dev.strata.testing.OpGenerator;
import dev.strata.testing.OpGenerator.WriteOp;
import dev.strata.testing.Seeds;
import dev.strata.util.Bytes;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.NavigableMap;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Simulated power loss with column families: random writes spread over up to four families (the
 * default and three of {@code a} to {@code f}), most of them batches across families, with
 * families created and dropped in the middle of the workload and each family given its own
 * memtable size, memtable kind and compression, so that each flushes on its own schedule while
 * sharing the WAL. After a crash in one of the file system's modes and a reopen, the whole
 * database (every family's keys, each under its family's name) must be exactly a prefix of the
 * write order holding every write acknowledged as durable: a batch across families survives in
 * every family or in none, a dropped family never comes back, and a family never loses writes
 * another family's flush made durable. CI: 300 cycles; {@code -Dstrata.soak=true}: 50,000.
 */
class ColumnFamilyPowerLossTest {
  private static final Path DIR = Path.of("/db");
  private static final String[] NAMES = {"a", "b", "c", "d", "e", "f"};

  private static int cycles() {
    return Integer.getInteger(
        "strata.cfpowerloss.cycles", Boolean.getBoolean("strata.soak") ? 50_000 : 300);
  }

  /** Each family's settings for one open: random, so flushes come at different moments. */
  private static ColumnFamilyOptions familyOptions(Random rnd, MergeOperator operator) {
    return ColumnFamilyOptions.builder()
        .mergeOperator(operator)
        .memtable(rnd.nextInt(3) == 0 ? MemtableKind.SKIPLIST : MemtableKind.SHARDED)
        .memtableShards(1 << rnd.nextInt(4))
        .memtableSizeBytes(2048 + rnd.nextInt(12 * 1024))
        .compression(rnd.nextBoolean() ? Compression.NONE : Compression.LZ4)
        .blockSizeBytes(128 << rnd.nextInt(4))
        .targetFileSizeBytes(4096)
        .maxBytesForLevelBase(16 * 1024)
        .level0CompactionTrigger(2)
        .build();
  }

  private static Options options(Random rnd, FaultInjectionFileSystem fs, MergeOperator operator) {
    ColumnFamilyOptions d = familyOptions(rnd, operator);
    Options.Builder b =
        Options.builder()
            .fileSystem(fs)
            .mergeOperator(operator)
            .memtable(d.memtable())
            .memtableShards(d.memtableShards())
            .memtableSizeBytes(d.memtableSizeBytes())
            .compression(d.compression())
            .targetFileSizeBytes(4096)
            .maxBytesForLevelBase(16 * 1024)
            .level0CompactionTrigger(2)
            .backgroundCompaction(rnd.nextBoolean())
            // A third derive the bound (about 100 to 300 KiB here); the others force flushes of
            // rarely written families often.
            .maxTotalWalBytes(rnd.nextInt(3) == 0 ? 0 : 8 * 1024 + rnd.nextInt(64 * 1024));
    for (String name : NAMES) {
      b.columnFamilyOptions(name, familyOptions(rnd, operator));
    }
    return b.build();
  }

  /** A model key: the family's name, a 0 byte, then the key. */
  private static byte[] modelKey(String family, byte[] key) {
    byte[] f = family.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    byte[] out = Arrays.copyOf(f, f.length + 1 + key.length);
    System.arraycopy(key, 0, out, f.length + 1, key.length);
    return out;
  }

  /** The model operation of {@code op} in {@code family}. */
  private static WriteOp inFamily(String family, WriteOp op) {
    byte[] k = modelKey(family, op.key());
    byte[] end = op.rangeEnd() == null ? null : modelKey(family, op.rangeEnd());
    return new WriteOp(k, op.value(), end, op.merge(), op.counter());
  }

  /** A drop in the model: a range deletion of every key of the family. */
  private static WriteOp dropOf(String family) {
    byte[] f = family.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    byte[] begin = Arrays.copyOf(f, f.length + 1);
    byte[] end = Arrays.copyOf(f, f.length + 1);
    end[f.length] = 1;
    return WriteOp.deleteRange(begin, end);
  }

  /** Every family's keys, under model keys. */
  private static NavigableMap<byte[], byte[]> contents(StrataDB db) {
    TreeMap<byte[], byte[]> out = new TreeMap<>(Bytes.COMPARATOR);
    for (String name : db.listColumnFamilies()) {
      try (DBIterator it = db.newIterator(db.columnFamily(name))) {
        for (it.seekToFirst(); it.isValid(); it.next()) {
          out.put(modelKey(name, it.key()), it.value());
        }
      }
    }
    return out;
  }

  private static void addOp(WriteBatch b, ColumnFamilyHandle f, WriteOp op) {
    if (op.merge()) {
      b.merge(f, op.key(), op.value());
    } else if (op.isRangeDelete()) {
      b.deleteRange(f, op.key(), op.rangeEnd());
    } else if (op.value() == null) {
      b.delete(f, op.key());
    } else {
      b.put(f, op.key(), op.value());
    }
  }

  /**
   * One unsynced write to a family, then many memtables' worth to the default family: the WAL bound
   * ({@code Options.maxTotalWalBytes}) seals and flushes the family so that the WALs can go. A
   * power loss at a random write keeps a prefix of the write order (the family's write first); one
   * after {@code flush()}, which returns with every WAL but the active one deleted, keeps every
   * write, the family's through its table alone.
   */
  @Test
  void aFamilyFlushedForTheWalBound_keepsItsWriteThroughPowerLoss() {
    long seed = Seeds.seed("ColumnFamilyPowerLossTest.walBound");
    Random rnd = new Random(seed);
    byte[] value = new byte[100];
    for (int cycle = 0; cycle < 40; cycle++) {
      String where = "seed " + seed + " cycle " + cycle;
      FaultInjectionFileSystem fs = new FaultInjectionFileSystem(rnd.nextLong());
      Options.Builder o =
          Options.builder()
              .memtableSizeBytes(4096)
              .compression(Compression.NONE)
              .maxTotalWalBytes(16 * 1024)
              .jmx(false);
      int n = 500 + rnd.nextInt(1500);
      boolean midway = rnd.nextBoolean();
      int written = midway ? rnd.nextInt(n) : n;
      CrashMode mode = CrashMode.values()[1 + rnd.nextInt(3)];
      StrataDB db = StrataDB.open(DIR, o.fileSystem(fs).build());
      ColumnFamilyHandle pinned = db.createColumnFamily("pinned", ColumnFamilyOptions.defaults());
      db.put(pinned, key(-1), key(-1));
      for (int i = 0; i < written; i++) {
        db.put(key(i), value);
      }
      if (!midway) {
        db.flush();
        assertThat(wals(fs)).as("%s: WALs after flush", where).isEqualTo(1);
      }
      FaultInjectionFileSystem after = fs.crash(mode, rnd);
      db.close();
      try (StrataDB reopened = StrataDB.open(DIR, o.fileSystem(after).build())) {
        int kept = 0;
        while (kept < written && reopened.get(key(kept)) != null) {
          kept++;
        }
        for (int i = kept; i < written; i++) {
          assertThat(reopened.get(key(i))).as("%s mode %s: %d without %d", where, mode, i, kept).isNull();
        }
        if (!midway) {
          assertThat(kept).as("%s mode %s: writes kept after flush", where, mode).isEqualTo(n);
        }
        if (kept > 0) {
          assertThat(reopened.get(reopened.columnFamily("pinned"), key(-1)))
              .as("%s mode %s: the family's write, before %d kept writes", where, mode, kept)
              .isEqualTo(key(-1));
        }
      }
    }
  }

  private static byte[] key(int i) {
    return String.format("k%06d", i).getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }

  private static long wals(FaultInjectionFileSystem fs) {
    try {
      return fs.list(DIR).stream()
          .filter(n -> dev.strata.version.FileNames.parse(n).kind()
              == dev.strata.version.FileNames.Kind.LOG)
          .count();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void powerLoss_recoversEveryFamilyAsOnePrefixOfTheWriteOrder() {
    long seed = Seeds.seed("ColumnFamilyPowerLossTest");
    Random rnd = new Random(seed);
    FaultInjectionFileSystem fs = new FaultInjectionFileSystem(rnd.nextLong());
    OpGenerator gen = new OpGenerator(rnd, 100, "v").withMerges();
    NavigableMap<byte[], byte[]> state = new TreeMap<>(Bytes.COMPARATOR);
    EnumMap<CrashMode, Integer> modes = new EnumMap<>(CrashMode.class);
    long writes = 0;
    int creates = 0;
    int drops = 0;
    int cycles = cycles();
    for (int cycle = 0; cycle < cycles; cycle++) {
      StrataDB db = StrataDB.open(DIR, options(rnd, fs, gen.mergeOperator()));
      String where = "seed " + seed + " cycle " + cycle;
      NavigableMap<byte[], byte[]> recovered = contents(db);
      assertThat(WriteLog.same(recovered, state))
          .as("%s: reopen after clean state: %s", where, recovered.keySet().size())
          .isTrue();
      WriteLog log = new WriteLog(state);
      int n = 10 + rnd.nextInt(80);
      for (int i = 0; i < n; i++) {
        List<String> live = db.listColumnFamilies();
        int r = rnd.nextInt(100);
        if (r < 3 && live.size() < 4) {
          // Creating a family makes every write before it durable.
          List<String> free = new ArrayList<>(Arrays.asList(NAMES));
          free.removeAll(live);
          String name = free.get(rnd.nextInt(free.size()));
          db.createColumnFamily(name, familyOptions(rnd, gen.mergeOperator()));
          log.add(List.of());
          log.markDurable();
          creates++;
        } else if (r < 5 && live.size() > 1) {
          String name = live.get(1 + rnd.nextInt(live.size() - 1));
          db.dropColumnFamily(db.columnFamily(name));
          log.add(List.of(dropOf(name)));
          log.markDurable();
          drops++;
        } else if (r < 7) {
          // A flush of one family forces every older WAL: every write before it is durable.
          db.flush(db.columnFamily(live.get(rnd.nextInt(live.size()))));
          log.markDurable();
        } else if (r < 8) {
          db.compactRange(db.columnFamily(live.get(rnd.nextInt(live.size()))), null, null);
          log.markDurable();
        } else {
          // Every write a batch spreading its operations over the live families.
          List<WriteOp> ops = gen.nextWrite(rnd.nextInt(4) == 0 ? 400 : 40);
          if (ops.size() == 1 && rnd.nextBoolean()) {
            ops = new ArrayList<>(ops);
            ops.addAll(gen.nextWrite(40));
          }
          WriteBatch batch = new WriteBatch();
          List<WriteOp> model = new ArrayList<>();
          for (WriteOp op : ops) {
            String name = live.get(rnd.nextInt(live.size()));
            addOp(batch, db.columnFamily(name), op);
            model.add(inFamily(name, op));
          }
          boolean sync = rnd.nextInt(5) == 0;
          db.write(batch, sync ? WriteOptions.SYNC : WriteOptions.DEFAULT);
          log.add(model);
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
      try (StrataDB reopened = StrataDB.open(DIR, options(rnd, fs, gen.mergeOperator()))) {
        recovered = contents(reopened);
      }
      int p = log.matchPrefix(recovered);
      assertThat(p)
          .as("%s mode %s: recovered state is no prefix of %d writes with %d durable: %s",
              where, mode, log.size(), log.durable(), log.diff(recovered, log.durable()))
          .isGreaterThanOrEqualTo(0);
      state = log.stateAfter(p);
    }
    assertThat(creates).as("families created").isPositive();
    assertThat(drops).as("families dropped").isPositive();
    System.out.printf(
        "ColumnFamilyPowerLossTest: %d cycles, %d writes, %d creates, %d drops, modes %s%n",
        cycles, writes, creates, drops, modes);
  }
}
