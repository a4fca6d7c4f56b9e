package dev.strata.bench.jmh;

import dev.strata.MergeOperators;
import dev.strata.Options;
import dev.strata.StrataDB;
import dev.strata.bench.DirectoryTree;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.StringAppendOperator;
import org.rocksdb.UInt64AddOperator;

/**
 * A merge-heavy workload on Strata and on RocksDB in the same run: {@code merge} adds an operand
 * (an 8-byte 1 for {@code uint64add}, an 8-byte string for {@code stringappend}) to one of {@code
 * keys} keys drawn uniformly, from 2 threads; {@code getMerged} reads keys that each hold a
 * value in one table and 10 operands written after it in a newer table, so that every get
 * combines operands with the value below them; {@code getChain} reads keys whose operands lie one
 * per table over several tables and the memtable ({@link ChainDb}). Both engines: WAL on without sync, 64 MiB memtable, their default cache and
 * compaction settings otherwise (Strata {@code Options.defaults()}; RocksDB's block-based table
 * with an 8 MiB cache as it ships, LZ4 compression like Strata's default).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
@Threads(2)
public class MergeBenchmark {
  @State(Scope.Benchmark)
  public static class Db {
    @Param({"strata", "rocksdb"})
    public String engine;

    @Param({"uint64add", "stringappend"})
    public String operator;

    @Param({"100000"})
    public int keys;

    Path dir;
    StrataDB strata;
    RocksDB rocks;
    org.rocksdb.Options rocksOptions;
    org.rocksdb.MergeOperator rocksOperator;
    byte[] operand;

    @Setup(Level.Trial)
    public void open() throws IOException, RocksDBException {
      dir = Files.createTempDirectory("strata-merge-bench");
      boolean add = operator.equals("uint64add");
      operand = add ? MergeOperators.uint64(1) : "abcdefgh".getBytes(StandardCharsets.UTF_8);
      if (engine.equals("strata")) {
        strata =
            StrataDB.open(
                dir,
                strataOptions(
                        add ? MergeOperators.uint64Add() : MergeOperators.stringAppend((byte) ','))
                    .build());
      } else {
        RocksDB.loadLibrary();
        rocksOperator = add ? new UInt64AddOperator() : new StringAppendOperator(',');
        rocksOptions = rocksOptions(rocksOperator);
        rocks = RocksDB.open(rocksOptions, dir.toString());
      }
      load(add ? MergeOperators.uint64(100) : "base".getBytes(StandardCharsets.UTF_8));
    }

    Options.Builder strataOptions(dev.strata.MergeOperator op) {
      return Options.defaults().toBuilder().mergeOperator(op);
    }

    org.rocksdb.Options rocksOptions(org.rocksdb.MergeOperator op) {
      return new org.rocksdb.Options()
          .setCreateIfMissing(true)
          .setWriteBufferSize(64L << 20)
          .setCompressionType(org.rocksdb.CompressionType.LZ4_COMPRESSION)
          .setMergeOperator(op);
    }

    /**
     * Every key: a value, flushed to one table; then 10 operands, flushed to a newer one, so a get
     * finds operands above the value and combines them (a flush folds the 10 into one operand
     * when the operator can: both built-ins can).
     */
    void load(byte[] base) throws RocksDBException {
      for (int i = 0; i < keys; i++) {
        put(key(i), base);
      }
      flush();
      for (int round = 0; round < 10; round++) {
        for (int i = 0; i < keys; i++) {
          merge(key(i), operand);
        }
      }
      flush();
    }

    void put(byte[] k, byte[] v) throws RocksDBException {
      if (strata != null) {
        strata.put(k, v);
      } else {
        rocks.put(k, v);
      }
    }

    void merge(byte[] k, byte[] v) throws RocksDBException {
      if (strata != null) {
        strata.merge(k, v);
      } else {
        rocks.merge(k, v);
      }
    }

    byte[] get(byte[] k) throws RocksDBException {
      return strata != null ? strata.get(k) : rocks.get(k);
    }

    void flush() throws RocksDBException {
      if (strata != null) {
        strata.flush();
      } else {
        try (org.rocksdb.FlushOptions f = new org.rocksdb.FlushOptions().setWaitForFlush(true)) {
          rocks.flush(f);
        }
      }
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
      if (strata != null) {
        strata.close();
      }
      if (rocks != null) {
        rocks.close();
        rocksOptions.close();
        rocksOperator.close();
      }
      DirectoryTree.delete(dir);
    }
  }

  static byte[] key(int i) {
    return String.format("key%013d", i).getBytes(StandardCharsets.UTF_8);
  }

  @State(Scope.Thread)
  public static class Rnd {
    final SplittableRandom rnd = new SplittableRandom(Thread.currentThread().getId());
  }

  @Benchmark
  public void merge(Db d, Rnd r) throws RocksDBException {
    d.merge(key(r.rnd.nextInt(d.keys)), d.operand);
  }

  @Benchmark
  public byte[] getMerged(Db d, Rnd r) throws RocksDBException {
    return d.get(key(r.rnd.nextInt(d.keys)));
  }

  /**
   * Keys whose operands are spread, one per source, over {@code depth} level-0 tables and the
   * memtable, above a value in an older table: no flush or compaction can fold them (compaction
   * is off in both engines, and each table holds one operand per key), so every get walks the
   * chain across {@code depth + 2} sources. Strata's point read of a merge
   * (the one-key iterator of {@code ReadPath.mergedGet}) against RocksDB's {@code GetImpl} with its
   * merge context.
   */
  @State(Scope.Benchmark)
  public static class ChainDb extends Db {
    @Param({"8"})
    public int depth;

    @Override
    Options.Builder strataOptions(dev.strata.MergeOperator op) {
      return super.strataOptions(op)
          .backgroundCompaction(false)
          .level0SlowdownTrigger(1000)
          .level0StopTrigger(1000);
    }

    @Override
    org.rocksdb.Options rocksOptions(org.rocksdb.MergeOperator op) {
      return super.rocksOptions(op)
          .setDisableAutoCompactions(true)
          .setLevel0SlowdownWritesTrigger(1000)
          .setLevel0StopWritesTrigger(1000);
    }

    @Override
    void load(byte[] base) throws RocksDBException {
      for (int i = 0; i < keys; i++) {
        put(key(i), base);
      }
      flush();
      for (int table = 0; table < depth; table++) {
        for (int i = 0; i < keys; i++) {
          merge(key(i), operand);
        }
        flush();
      }
      for (int i = 0; i < keys; i++) {
        merge(key(i), operand);
      }
    }
  }

  /** Gets of keys with operand chains across {@code depth + 2} sources (see {@link ChainDb}). */
  @Benchmark
  public byte[] getChain(ChainDb d, Rnd r) throws RocksDBException {
    return d.get(key(r.rnd.nextInt(d.keys)));
  }
}
