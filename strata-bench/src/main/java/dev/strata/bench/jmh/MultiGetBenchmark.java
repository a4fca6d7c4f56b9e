package dev.strata.bench.jmh;

import dev.strata.Options;
import dev.strata.StrataDB;
import dev.strata.bench.DirectoryTree;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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
 * {@code multiGet} of a batch of keys against the same keys looked up one {@code get} at a time,
 * on a database of {@code keys} 16-byte keys with 100-byte values, compacted into tables at setup
 * (default options, so the data is larger than nothing but smaller than the page cache). {@code
 * spread=random}: keys drawn uniformly (they share few blocks); {@code spread=clustered}: a run of
 * consecutive keys from a random start (they share tables and blocks, as a page of a secondary
 * index does). The score is batches per second; a batch is {@code batch} keys either way.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
public class MultiGetBenchmark {
  @State(Scope.Benchmark)
  public static class Db {
    @Param({"1000000"})
    public int keys;

    Path dir;
    StrataDB db;

    @Setup(Level.Trial)
    public void fill() throws IOException {
      dir = Files.createTempDirectory("strata-multiget");
      db = StrataDB.open(dir, Options.defaults());
      SplittableRandom rnd = new SplittableRandom(1);
      byte[] value = new byte[100];
      for (int i = 0; i < keys; i++) {
        rnd.nextBytes(value);
        db.put(key(i), value);
      }
      db.compactRange(null, null);
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
      db.close();
      DirectoryTree.delete(dir);
    }
  }

  static byte[] key(int i) {
    return String.format("key%012d", i).getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }

  @State(Scope.Thread)
  public static class Batch {
    @Param({"100"})
    public int batch;

    @Param({"random", "clustered"})
    public String spread;

    SplittableRandom rnd = new SplittableRandom(7);

    List<byte[]> next(int keyCount) {
      List<byte[]> out = new ArrayList<>(batch);
      if (spread.equals("clustered")) {
        int start = rnd.nextInt(keyCount - batch);
        for (int i = 0; i < batch; i++) {
          out.add(key(start + i));
        }
      } else {
        for (int i = 0; i < batch; i++) {
          out.add(key(rnd.nextInt(keyCount)));
        }
      }
      return out;
    }
  }

  @Benchmark
  public List<byte[]> multiGet(Db d, Batch b) {
    return d.db.multiGet(b.next(d.keys));
  }

  @Benchmark
  public List<byte[]> gets(Db d, Batch b) {
    List<byte[]> keys = b.next(d.keys);
    List<byte[]> out = new ArrayList<>(keys.size());
    for (byte[] k : keys) {
      out.add(d.db.get(k));
    }
    return out;
  }
}
