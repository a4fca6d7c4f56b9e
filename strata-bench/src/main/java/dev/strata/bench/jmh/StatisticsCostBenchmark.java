package dev.strata.bench.jmh;

import dev.strata.Options;
import dev.strata.StatisticsLevel;
import dev.strata.StrataDB;
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
 * What statistics cost on {@code readrandom} and {@code fillrandom}: the same database and
 * operations at each {@link StatisticsLevel}: {@code OFF} (the engine's own counters only, as
 * before statistics existed), {@code TICKERS_ONLY}, and {@code ALL} (the default: tickers and
 * histograms, two clock reads per get and write). The bar is {@code ALL} within 3% of
 * {@code OFF}. JFR's events are off in these runs (no recording), so the same figures also show
 * that the events' checks on the read path cost nothing visible.
 *
 * <p>Run: {@code java -cp strata-bench/target/strata-bench.jar org.openjdk.jmh.Main StatisticsCostBenchmark -t 2}
 * (threads as cores). Readers get uniformly random keys of a database of {@code keys} entries
 * that a setup filled, flushed and compacted, so lookups go through the block cache, bloom
 * filters and the table index; writers put random keys into a fresh database.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 5)
@Measurement(iterations = 5, time = 5)
@Fork(3)
public class StatisticsCostBenchmark {
  /** A database at one statistics level, on a temporary directory removed at the end. */
  @State(Scope.Benchmark)
  public static class Db {
    @Param({"OFF", "TICKERS_ONLY", "ALL"})
    public String statistics;

    @Param({"1000000"})
    public int keys;

    Path dir;
    StrataDB db;

    @Setup(Level.Trial)
    public void setup() throws IOException {
      dir = Files.createTempDirectory("strata-stats-cost");
      db =
          StrataDB.open(
              dir,
              Options.builder()
                  .statisticsLevel(StatisticsLevel.valueOf(statistics))
                  .jmx(false)
                  .build());
      fill(db, keys, StatisticsCostBenchmark::key);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
      db.close();
      DirectoryTree.delete(dir);
    }
  }

  /** Each thread's own random source. */
  @State(Scope.Thread)
  public static class Rng {
    final SplittableRandom random = new SplittableRandom(Thread.currentThread().getId());
    final byte[] value = new byte[100];
  }

  /**
   * Puts {@code keys} keys named by {@code key} with 100 random bytes each (seed 42), then flushes
   * and compacts: the database readrandom reads, here and in {@code StatsCostInterleaved}.
   */
  public static void fill(StrataDB db, int keys, java.util.function.LongFunction<byte[]> key) {
    SplittableRandom r = new SplittableRandom(42);
    byte[] value = new byte[100];
    for (int i = 0; i < keys; i++) {
      r.nextBytes(value);
      db.put(key.apply(i), value);
    }
    db.flush();
    db.compactRange(null, null);
  }

  static byte[] key(long i) {
    return String.format("key%016d", i).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  }

  @Benchmark
  public byte[] readrandom(Db db, Rng rng) {
    return db.db.get(key(rng.random.nextInt(db.keys)));
  }

  @Benchmark
  public void fillrandom(Db db, Rng rng) {
    rng.random.nextBytes(rng.value);
    db.db.put(key(rng.random.nextLong(Long.MAX_VALUE / 2)), rng.value);
  }
}
