package dev.strata.bench.jmh;

import dev.strata.Options;
import dev.strata.StrataDB;
import dev.strata.Ticker;
import dev.strata.bench.DirectoryTree;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
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
 * {@code readwhilewriting} with and without {@code backgroundIoBytesPerSecond}: one reader and one
 * writer share a database that starts with {@code keys} entries; the writer's puts keep flushes
 * and compactions busy. Sample-time mode gives the readers' latency percentiles (the issue asks
 * that p99.9 fall with a limit); the writer's stall time over the run is reported as the
 * auxiliary counter {@code stallMillis} (it must stay bounded: a limit below the write rate would
 * stall writes without end).
 *
 * <p>Run: {@code java -cp strata-bench/target/strata-bench.jar org.openjdk.jmh.Main BackgroundIoLimitBenchmark -p
 * limit=0,16777216,67108864}, on a disk whose bandwidth the background writes can use up.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 10)
@Measurement(iterations = 5, time = 10)
@Fork(2)
public class BackgroundIoLimitBenchmark {
  @State(Scope.Group)
  public static class Db {
    /** Bytes per second for flushes and compactions together; 0 for no limit. */
    @Param({"0", "16777216"})
    public long limit;

    @Param({"2000000"})
    public int keys;

    Path dir;
    StrataDB db;

    @Setup(Level.Trial)
    public void setup() throws IOException {
      dir = Files.createTempDirectory("strata-io-limit");
      db =
          StrataDB.open(
              dir, Options.builder().backgroundIoBytesPerSecond(limit).jmx(false).build());
      SplittableRandom r = new SplittableRandom(7);
      byte[] value = new byte[400];
      for (int i = 0; i < keys; i++) {
        r.nextBytes(value);
        db.put(StatisticsCostBenchmark.key(i), value);
      }
      db.flush();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
      db.close();
      DirectoryTree.delete(dir);
    }
  }

  /** The writer's stall time in the iteration, from the database's statistics. */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.EVENTS)
  public static class Stalls {
    long startNanos;
    public long stallMillis;

    @Setup(Level.Iteration)
    public void start(Db db) {
      startNanos = db.db.getStatistics().tickerCount(Ticker.STALL_NANOS);
      stallMillis = 0;
    }

    @TearDown(Level.Iteration)
    public void end(Db db) {
      stallMillis =
          TimeUnit.NANOSECONDS.toMillis(
              db.db.getStatistics().tickerCount(Ticker.STALL_NANOS) - startNanos);
    }
  }

  @State(Scope.Thread)
  public static class Rng {
    final SplittableRandom random = new SplittableRandom(Thread.currentThread().getId());
    final byte[] value = new byte[400];
  }

  @Benchmark
  @Group("readwhilewriting")
  @GroupThreads(1)
  public byte[] read(Db db, Rng rng) {
    return db.db.get(StatisticsCostBenchmark.key(rng.random.nextInt(db.keys)));
  }

  @Benchmark
  @Group("readwhilewriting")
  @GroupThreads(1)
  public void write(Db db, Rng rng, Stalls stalls) {
    rng.random.nextBytes(rng.value);
    db.db.put(StatisticsCostBenchmark.key(rng.random.nextInt(db.keys)), rng.value);
  }
}
