package dev.strata.bench.jmh;

import dev.strata.DBIterator;
import dev.strata.Options;
import dev.strata.PrefixExtractor;
import dev.strata.ReadOptions;
import dev.strata.StrataDB;
import dev.strata.bench.DirectoryTree;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
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
 * {@code seekrandom} within a prefix: seek to a random prefix and read its keys to the end of the
 * prefix, with and without prefix bloom filters and {@code prefixSameAsStart}, on a database of
 * {@code keys} 16-byte keys (an 8-byte prefix, about 10 keys per prefix) with 100-byte values.
 *
 * <p>Shape: eight tenths of every prefix's keys are compacted into the sorted levels, and the last
 * two tenths are flushed as two level-0 tables, so a seek consults two level-0 tables and one
 * file per sorted level, all of whose key ranges reach every prefix. Present prefixes are the even
 * numbers; the odd ones between them are absent ({@code *Absent}).
 *
 * <p>{@code extractor=fixed8}: tables carry prefix filters ({@code PrefixExtractor.fixedLength(8)});
 * {@code none}: they carry whole-key filters only. {@code bounded*} read with {@code
 * prefixSameAsStart} (ignored without an extractor), {@code totalOrder*} without it; every method
 * also stops at the first key without the prefix, as a total-order caller must. Each thread reuses
 * one iterator per kind, as {@code db_bench}'s {@code seekrandom} does. The score is seeks per
 * second (each reading its prefix's ~10 keys, or none).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
public class PrefixSeekBenchmark {
  /** Keys per prefix. */
  static final int PER_PREFIX = 10;

  @State(Scope.Benchmark)
  public static class Db {
    @Param({"1000000"})
    public int keys;

    @Param({"fixed8", "none"})
    public String extractor;

    Path dir;
    StrataDB db;
    int prefixes;

    @Setup(Level.Trial)
    public void fill() throws IOException {
      dir = Files.createTempDirectory("strata-prefix-seek");
      Options.Builder options = Options.builder();
      if (extractor.equals("fixed8")) {
        options.prefixExtractor(PrefixExtractor.fixedLength(8));
      }
      db = StrataDB.open(dir, options.build());
      prefixes = Math.max(1, keys / PER_PREFIX);
      SplittableRandom rnd = new SplittableRandom(1);
      byte[] value = new byte[100];
      for (int suffix = 0; suffix < PER_PREFIX; suffix++) {
        for (int p = 0; p < prefixes; p++) {
          rnd.nextBytes(value);
          db.put(key(2 * p, suffix), value);
        }
        if (suffix == PER_PREFIX - 3) {
          db.compactRange(null, null);
        } else if (suffix >= PER_PREFIX - 2) {
          db.flush();
        }
      }
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
      db.close();
      DirectoryTree.delete(dir);
    }
  }

  /** Prefix {@code p} as 8 big-endian bytes, then the suffix as 8 big-endian bytes. */
  static byte[] key(long p, long suffix) {
    byte[] k = new byte[16];
    for (int i = 0; i < 8; i++) {
      k[i] = (byte) (p >>> (56 - 8 * i));
      k[8 + i] = (byte) (suffix >>> (56 - 8 * i));
    }
    return k;
  }

  static byte[] prefix(long p) {
    return Arrays.copyOf(key(p, 0), 8);
  }

  /** One thread's iterators and random draws. */
  @State(Scope.Thread)
  public static class Cursor {
    SplittableRandom rnd = new SplittableRandom(7);
    DBIterator bounded;
    DBIterator totalOrder;

    @Setup(Level.Trial)
    public void open(Db d) {
      bounded = d.db.newIterator(ReadOptions.builder().prefixSameAsStart(true).build());
      totalOrder = d.db.newIterator(ReadOptions.DEFAULT);
    }

    @TearDown(Level.Trial)
    public void close() {
      bounded.close();
      totalOrder.close();
    }
  }

  /** Seeks to {@code prefix} and reads to the end of it; returns the keys read. */
  static int readPrefix(DBIterator it, byte[] prefix) {
    int n = 0;
    for (it.seek(prefix); it.isValid(); it.next()) {
      byte[] k = it.key();
      if (!Arrays.equals(k, 0, 8, prefix, 0, 8)) {
        break;
      }
      n += it.value().length > 0 ? 1 : 0;
    }
    return n;
  }

  @Benchmark
  public int boundedPresent(Db d, Cursor c) {
    return readPrefix(c.bounded, prefix(2L * c.rnd.nextInt(d.prefixes)));
  }

  @Benchmark
  public int totalOrderPresent(Db d, Cursor c) {
    return readPrefix(c.totalOrder, prefix(2L * c.rnd.nextInt(d.prefixes)));
  }

  @Benchmark
  public int boundedAbsent(Db d, Cursor c) {
    return readPrefix(c.bounded, prefix(2L * c.rnd.nextInt(d.prefixes) + 1));
  }

  @Benchmark
  public int totalOrderAbsent(Db d, Cursor c) {
    return readPrefix(c.totalOrder, prefix(2L * c.rnd.nextInt(d.prefixes) + 1));
  }
}
