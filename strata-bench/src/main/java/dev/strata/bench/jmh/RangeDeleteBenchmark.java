package dev.strata.bench.jmh;

import dev.strata.Options;
import dev.strata.StrataDB;
import dev.strata.WriteBatch;
import dev.strata.bench.DirectoryTree;
import java.io.IOException;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * Deleting every key of a database: one {@code deleteRange} against point deletes written in
 * batches of 1,000, each on a fresh database of {@code keys} 16-byte keys with 100-byte values
 * compacted into tables (default options). Single-shot: the score is the time of the whole
 * deletion; {@code put} is one put on the same database, for scale. {@code getDeleted} is a get of
 * a deleted key right after the deletion (the range tombstone still in the memtable above the
 * tables), against one after point deletes.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 5)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
public class RangeDeleteBenchmark {
  @State(Scope.Benchmark)
  public static class Db {
    @Param({"1000000"})
    public int keys;

    Path dir;
    StrataDB db;

    @Setup(Level.Iteration)
    public void fill() throws IOException {
      dir = Files.createTempDirectory("strata-range-delete");
      db = StrataDB.open(dir, Options.defaults());
      SplittableRandom rnd = new SplittableRandom(1);
      byte[] value = new byte[100];
      WriteBatch b = new WriteBatch();
      for (int i = 0; i < keys; i++) {
        rnd.nextBytes(value);
        b.put(key(i), value);
        if (b.count() == 1000) {
          db.write(b);
          b.clear();
        }
      }
      db.write(b);
      db.compactRange(null, null);
    }

    @TearDown(Level.Iteration)
    public void close() throws IOException {
      db.close();
      DirectoryTree.delete(dir);
    }
  }

  static byte[] key(int i) {
    return String.format("key%013d", i).getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }

  @Benchmark
  public void deleteRange(Db d) {
    d.db.deleteRange(key(0), key(d.keys));
  }

  @Benchmark
  public void pointDeletes(Db d) {
    WriteBatch b = new WriteBatch();
    for (int i = 0; i < d.keys; i++) {
      b.delete(key(i));
      if (b.count() == 1000) {
        d.db.write(b);
        b.clear();
      }
    }
    d.db.write(b);
  }

  @Benchmark
  public void put(Db d) {
    d.db.put(key(d.keys / 2), new byte[100]);
  }

  /** 10,000 gets of deleted keys after a range deletion of every key. */
  @Benchmark
  public int getDeletedAfterRange(Db d) {
    d.db.deleteRange(key(0), key(d.keys));
    return gets(d);
  }

  /** 10,000 gets of deleted keys after point deletes of every key. */
  @Benchmark
  public int getDeletedAfterPoints(Db d) {
    pointDeletes(d);
    return gets(d);
  }

  private static int gets(Db d) {
    SplittableRandom rnd = new SplittableRandom(3);
    int found = 0;
    for (int i = 0; i < 10_000; i++) {
      if (d.db.get(key(rnd.nextInt(d.keys))) != null) {
        found++;
      }
    }
    return found;
  }
}
