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
 * What statistics cost, measured so that the machine's noise falls on both sides: one database,
 * worked in alternating one-second slices at two statistics levels ({@link
 * dev.strata.Statistics#setLevel}; ABBA order, so that a drift over the run cancels) by threads
 * running the same compiled code on the same data, cache and files. Each pair of adjacent slices
 * gives one ratio B / A; the report is their median with a bootstrap 95% interval of their mean.
 * Separate JMH forks spread by 10% to 25% on this machine (fork-to-fork differences in compilation
 * and memory layout), far more than the 3% in question. Two databases in one JVM, one per level,
 * were tried first and rejected: with both at {@code OFF} they came out 2% apart ([1.006, 1.033]),
 * so the comparison measured the databases, not the statistics.
 *
 * <p>Usage: {@code java -cp strata-bench.jar dev.strata.bench.StatsCostInterleaved [KEYS] [PAIRS]
 * [THREADS] [LEVEL_A] [LEVEL_B] [WORKLOADS]}: {@code readrandom} (gets of uniformly random keys of a
 * filled, flushed and compacted database of KEYS entries of 100 bytes) then {@code fillrandom}
 * (puts of random keys into the same database), comparing LEVEL_B ({@code ALL} unless given)
 * against LEVEL_A ({@code OFF}). {@code OFF OFF} is the control: it must come out at 1.0 within
 * the interval.
 */
public final class StatsCostInterleaved {
  private static final long SLICE_NANOS = 1_000_000_000L;
  private static final KeyFormat KEYS = new KeyFormat(16);

  private StatsCostInterleaved() {}

  public static void main(String[] args) throws Exception {
    int keys = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
    int pairs = args.length > 1 ? Integer.parseInt(args[1]) : 40;
    int threads = args.length > 2 ? Integer.parseInt(args[2]) : 2;
    StatisticsLevel a = args.length > 3 ? StatisticsLevel.valueOf(args[3]) : StatisticsLevel.OFF;
    StatisticsLevel b = args.length > 4 ? StatisticsLevel.valueOf(args[4]) : StatisticsLevel.ALL;
    List<String> workloads =
        List.of((args.length > 5 ? args[5] : "readrandom,fillrandom").split(","));
    Path dir = Files.createTempDirectory("strata-stats-cost");
    try (StrataDB db = StrataDB.open(dir, Options.builder().jmx(false).build())) {
      StatisticsCostBenchmark.fill(db, keys, KEYS::key);
      StatisticsLevel[] levels = {a, b};
      String names = b + "/" + a;
      if (workloads.contains("readrandom")) {
        report("readrandom", names, run(db, levels, pairs, threads, keys, false));
      }
      if (workloads.contains("fillrandom")) {
        report("fillrandom", names, run(db, levels, pairs, threads, keys, true));
      }
    } finally {
      DirectoryTree.delete(dir);
    }
  }

  /**
   * Ops per second of each slice: {@code [0]} at the first level, {@code [1]} at the second, in
   * pair order. Five unrecorded pairs first, as a warm-up.
   */
  private static double[][] run(StrataDB db, StatisticsLevel[] levels, int pairs, int threads,
      int keys, boolean writes) throws InterruptedException {
    double[][] out = new double[2][pairs];
    for (int p = -5; p < pairs; p++) {
      // ABBA: pair p runs the first level first when p is even, the second first when odd.
      int first = Math.floorMod(p, 2);
      for (int k = 0; k < 2; k++) {
        int which = k == 0 ? first : 1 - first;
        // The slice's threads start after the change: they see it (Thread.start).
        db.getStatistics().setLevel(levels[which]);
        double rate = slice(db, threads, keys, writes, p * 2L + k);
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

  private static void report(String name, String levels, double[][] rates) {
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
        "%s: pairs %d, first level's median %.0f ops/s, second's %.0f ops/s, %s median of pair"
            + " ratios %.4f, mean %.4f, bootstrap 95%% interval of the mean [%.4f, %.4f]%n",
        name,
        n,
        median(rates[0]),
        median(rates[1]),
        levels,
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
