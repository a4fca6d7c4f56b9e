package dev.strata.bench;

import dev.strata.Options;
import dev.strata.StatisticsLevel;
import dev.strata.StrataDB;
import dev.strata.bench.jmh.StatisticsCostBenchmark;
import dev.strata.bench.keys.KeyFormat;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What statistics cost, measured so that the machine's noise falls on both sides: two databases in
 * one JVM, identical but for {@code statisticsLevel} ({@code OFF} and {@code ALL}), worked in
 * alternating one-second slices (ABBA order, so that a drift over the run cancels) by the same
 * threads running the same compiled code. Each pair of adjacent slices gives one ratio ALL / OFF;
 * the report is their median with a bootstrap 95% interval of their mean. Separate JMH forks spread
 * by 10% to 25% on this machine (fork-to-fork differences in compilation and memory layout), far
 * more than the 3% in question; within one JVM the slices differ only by the work compared.
 *
 * <p>Usage: {@code java -cp strata-bench.jar dev.strata.bench.StatsCostInterleaved [KEYS] [PAIRS]
 * [THREADS]}: {@code readrandom} (gets of uniformly random keys of a filled, flushed and compacted
 * database of KEYS entries of 100 bytes) then {@code fillrandom} (puts of random keys into the same
 * databases).
 */
public final class StatsCostInterleaved {
  private static final long SLICE_NANOS = 1_000_000_000L;
  private static final KeyFormat KEYS = new KeyFormat(16);

  private StatsCostInterleaved() {}

  public static void main(String[] args) throws Exception {
    int keys = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
    int pairs = args.length > 1 ? Integer.parseInt(args[1]) : 40;
    int threads = args.length > 2 ? Integer.parseInt(args[2]) : 2;
    Path off = Files.createTempDirectory("strata-stats-off");
    Path all = Files.createTempDirectory("strata-stats-all");
    try (StrataDB dbOff = open(off, StatisticsLevel.OFF);
        StrataDB dbAll = open(all, StatisticsLevel.ALL)) {
      StatisticsCostBenchmark.fill(dbOff, keys, KEYS::key);
      StatisticsCostBenchmark.fill(dbAll, keys, KEYS::key);
      StrataDB[] dbs = {dbOff, dbAll};
      report("readrandom", run(dbs, pairs, threads, keys, false));
      report("fillrandom", run(dbs, pairs, threads, keys, true));
    } finally {
      DirectoryTree.delete(off);
      DirectoryTree.delete(all);
    }
  }

  private static StrataDB open(Path dir, StatisticsLevel level) {
    return StrataDB.open(dir, Options.builder().statisticsLevel(level).jmx(false).build());
  }

  /**
   * Ops per second of each slice: {@code [0]} the OFF database's, {@code [1]} the ALL one's, in
   * pair order. Five unrecorded pairs first, as a warm-up.
   */
  private static double[][] run(StrataDB[] dbs, int pairs, int threads, int keys, boolean writes)
      throws InterruptedException {
    double[][] out = new double[2][pairs];
    for (int p = -5; p < pairs; p++) {
      // ABBA: pair p runs OFF first when p is even, ALL first when odd.
      int first = Math.floorMod(p, 2);
      for (int k = 0; k < 2; k++) {
        int which = k == 0 ? first : 1 - first;
        double rate = slice(dbs[which], threads, keys, writes, p * 2L + k);
        if (p >= 0) {
          out[which][p] = rate;
        }
      }
    }
    return out;
  }

  private static double slice(StrataDB db, int threads, int keys, boolean writes, long seed)
      throws InterruptedException {
    AtomicLong ops = new AtomicLong();
    long deadline = System.nanoTime() + SLICE_NANOS;
    List<Thread> ts = new ArrayList<>();
    long start = System.nanoTime();
    for (int t = 0; t < threads; t++) {
      SplittableRandom r = new SplittableRandom(seed * 31 + t);
      Thread th =
          new Thread(
              () -> {
                byte[] value = new byte[100];
                long n = 0;
                while ((n & 255) != 0 || System.nanoTime() < deadline) {
                  byte[] k = KEYS.key(r.nextInt(keys));
                  if (writes) {
                    r.nextBytes(value);
                    db.put(k, value);
                  } else {
                    db.get(k);
                  }
                  n++;
                }
                ops.addAndGet(n);
              });
      ts.add(th);
      th.start();
    }
    for (Thread th : ts) {
      th.join();
    }
    return ops.get() / ((System.nanoTime() - start) / 1e9);
  }

  private static void report(String name, double[][] rates) {
    int n = rates[0].length;
    double[] ratios = new double[n];
    for (int i = 0; i < n; i++) {
      ratios[i] = rates[1][i] / rates[0][i];
    }
    double[] sorted = ratios.clone();
    Arrays.sort(sorted);
    SplittableRandom r = new SplittableRandom(7);
    double[] means = new double[2000];
    for (int b = 0; b < means.length; b++) {
      double s = 0;
      for (int i = 0; i < n; i++) {
        s += ratios[r.nextInt(n)];
      }
      means[b] = s / n;
    }
    Arrays.sort(means);
    System.out.printf(
        Locale.ROOT,
        "%s: pairs %d, OFF median %.0f ops/s, ALL median %.0f ops/s, ALL/OFF median of pair ratios"
            + " %.4f, mean %.4f, bootstrap 95%% interval of the mean [%.4f, %.4f]%n",
        name,
        n,
        median(rates[0]),
        median(rates[1]),
        sorted[n / 2],
        Arrays.stream(ratios).average().orElse(Double.NaN),
        means[49],
        means[1949]);
    StringBuilder sb = new StringBuilder(name + " pair ratios:");
    for (double x : ratios) {
      sb.append(String.format(Locale.ROOT, " %.3f", x));
    }
    System.out.println(sb);
  }

  private static double median(double[] xs) {
    double[] s = xs.clone();
    Arrays.sort(s);
    return s[s.length / 2];
  }
}
