package dev.strata.bench;

import dev.strata.bench.engine.EngineAdapter;
import dev.strata.bench.engine.EngineOptions;
import dev.strata.bench.keys.KeyFormat;
import dev.strata.bench.keys.ValueKind;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;

/**
 * Everything one benchmark run needs, validated. Immutable; build it from the command line with
 * {@link BenchCommand} or directly for in-process use.
 *
 * @param engines engine names, run in turn
 * @param workloads workloads, run in turn on each engine
 * @param num keys in the database, and operations per workload
 * @param threads thread counts; the whole workload list runs at each
 * @param keySize key bytes
 * @param valueSizes value sizes in bytes, duplicates dropped; the whole workload list runs at each
 *     thread count of each, on data written with that size
 * @param valueKind what the value bytes look like (how far they compress)
 * @param db root directory (one subdirectory per engine), or null for a temporary one deleted
 *     after the run
 * @param engineOptions {@code --engine-options}
 * @param seed seed of every random choice
 * @param repeat runs per workload
 * @param warmup untimed work before each warmable workload
 * @param dropCaches whether the page cache is dropped before each timed run of a workload that
 *     reads: off, on, or both (each such workload runs warm, then dropped)
 * @param fork run each engine in its own JVM
 * @param reportDir where to write the HTML report, or null
 * @param jsonFile where to write JSON lines, or null
 * @param progress show progress bars on a terminal (in a forked child: the parent is on one)
 * @param stats print the engine's own statistics after each session
 * @param resultFile in a forked child: where to hand results to the parent, else null
 * @param dropCachesFile the file a drop writes {@code 3} to: {@link PageCache#DROP_CACHES}, or in
 *     tests a file of their own
 */
public record BenchConfig(
    List<String> engines,
    List<Workload> workloads,
    long num,
    List<Integer> threads,
    int keySize,
    List<Integer> valueSizes,
    ValueKind valueKind,
    Path db,
    EngineOptions engineOptions,
    long seed,
    int repeat,
    Warmup warmup,
    DropCaches dropCaches,
    boolean fork,
    Path reportDir,
    Path jsonFile,
    boolean progress,
    boolean stats,
    Path resultFile,
    Path dropCachesFile) {

  public static final List<String> DEFAULT_ENGINES = List.of("strata", "rocksdb", "leveldb");
  public static final List<Workload> DEFAULT_WORKLOADS =
      List.of(Workload.FILLRANDOM, Workload.READRANDOM, Workload.READSEQ, Workload.READWHILEWRITING);
  public static final long DEFAULT_NUM = 1_000_000;
  public static final long DEFAULT_SEED = 301;

  /**
   * Ten seconds: on two cores the JIT's one C2 thread competes with the workload's threads, and a
   * Java engine's read path took 10 to 20 s to compile fully. Strata's readrandom right after a
   * fill measured 94k to 119k ops/s cold, 122k after 5 s, 142k to 220k after 10 s and 195k to
   * 280k after 20 s (1M keys, 2 threads).
   */
  public static final Warmup DEFAULT_WARMUP = Warmup.parse("10s");

  /**
   * @throws IllegalArgumentException naming the first invalid setting
   */
  public BenchConfig {
    Objects.requireNonNull(engineOptions, "engineOptions");
    Objects.requireNonNull(warmup, "warmup");
    Objects.requireNonNull(valueKind, "valueKind");
    Objects.requireNonNull(dropCaches, "dropCaches");
    Objects.requireNonNull(dropCachesFile, "dropCachesFile");
    engines = List.copyOf(engines);
    workloads = List.copyOf(workloads);
    threads = List.copyOf(threads);
    valueSizes = List.copyOf(new LinkedHashSet<>(valueSizes));
    require(!engines.isEmpty(), "at least one engine is needed");
    require(!workloads.isEmpty(), "at least one benchmark is needed");
    require(!threads.isEmpty(), "at least one thread count is needed");
    require(num >= 1 && num <= Integer.MAX_VALUE, "--num must be from 1 to " + Integer.MAX_VALUE
        + ", got " + num);
    for (int t : threads) {
      require(t >= 1 && t <= 1024, "--threads must be from 1 to 1024, got " + t);
    }
    require(keySize >= 1 && keySize <= 19, "--key-size must be from 1 to 19, got " + keySize);
    // YCSB D and E insert past num; leave room for several runs of them.
    require(new KeyFormat(keySize).maxKey() / 4 >= num,
        "--key-size " + keySize + " is too small for --num " + num + ": keys are decimal "
            + "numbers up to 4 x num, so it needs " + (Long.toString(4 * num).length())
            + " bytes");
    require(!valueSizes.isEmpty(), "at least one value size is needed");
    for (int v : valueSizes) {
      require(v >= 1 && v <= (64 << 20), "--value-size must be from 1 to " + (64 << 20)
          + ", got " + v);
    }
    require(repeat >= 1, "--repeat must be >= 1, got " + repeat);
  }

  /**
   * A configuration of one value size, compressible to half, with the page cache left as it is:
   * the runner's conditions before value-size lists, value kinds and drops existed.
   */
  public BenchConfig(
      List<String> engines, List<Workload> workloads, long num, List<Integer> threads,
      int keySize, int valueSize, Path db, EngineOptions engineOptions, long seed, int repeat,
      Warmup warmup, boolean fork, Path reportDir, Path jsonFile, boolean progress, boolean stats,
      Path resultFile) {
    this(engines, workloads, num, threads, keySize, List.of(valueSize), ValueKind.HALF, db,
        engineOptions, seed, repeat, warmup, DropCaches.OFF, fork, reportDir, jsonFile, progress,
        stats, resultFile, PageCache.DROP_CACHES);
  }

  /** This configuration with other value sizes and kind. */
  public BenchConfig withValues(List<Integer> sizes, ValueKind kind) {
    return new BenchConfig(engines, workloads, num, threads, keySize, sizes, kind, db,
        engineOptions, seed, repeat, warmup, dropCaches, fork, reportDir, jsonFile, progress,
        stats, resultFile, dropCachesFile);
  }

  /** This configuration with another page-cache mode, dropping through {@code file}. */
  public BenchConfig withDropCaches(DropCaches mode, Path file) {
    return new BenchConfig(engines, workloads, num, threads, keySize, valueSizes, valueKind, db,
        engineOptions, seed, repeat, warmup, mode, fork, reportDir, jsonFile, progress, stats,
        resultFile, file);
  }

  private static void require(boolean ok, String message) {
    if (!ok) {
      throw new IllegalArgumentException(message);
    }
  }

  /** The standard comparison: what running with no options does. */
  public static BenchConfig defaults() {
    return new BenchConfig(
        DEFAULT_ENGINES, DEFAULT_WORKLOADS, DEFAULT_NUM, List.of(2), 16, List.of(100),
        ValueKind.HALF, null, EngineOptions.none(), DEFAULT_SEED, 1, DEFAULT_WARMUP,
        DropCaches.OFF, true, null, null, true, false, null, PageCache.DROP_CACHES);
  }

  /**
   * A copy for one engine, run in this JVM, handing results to {@code resultFile}. The child's
   * stdout is a pipe, so this process decides whether it shows progress bars (on stderr). Its
   * engine options are those that reach {@code engine}, prefixes removed: the child checks them
   * against its one engine, which would reject another engine's.
   */
  BenchConfig forChild(EngineAdapter engine, Path root, Path resultFile) {
    return new BenchConfig(
        List.of(engine.name()), workloads, num, threads, keySize, valueSizes, valueKind, root,
        engineOptions.only(engine), seed, repeat, warmup, dropCaches, false, null, null,
        progress && Progress.onTerminal(), stats, resultFile, dropCachesFile);
  }

  /** The command-line arguments that reproduce this configuration. */
  List<String> toArguments() {
    List<String> a = new ArrayList<>();
    a.add("--engine=" + String.join(",", engines));
    a.add("--benchmarks=" + String.join(",", workloads.stream().map(Workload::id).toList()));
    a.add("--num=" + num);
    a.add("--threads=" + String.join(",", threads.stream().map(String::valueOf).toList()));
    a.add("--key-size=" + keySize);
    a.add("--value-size=" + String.join(",", valueSizes.stream().map(String::valueOf).toList()));
    a.add("--value-kind=" + valueKind.id());
    if (db != null) {
      a.add("--db=" + db);
    }
    if (!engineOptions.raw().isEmpty()) {
      a.add("--engine-options=" + engineOptions.toArgument());
    }
    a.add("--seed=" + seed);
    a.add("--repeat=" + repeat);
    a.add("--warmup=" + warmup);
    a.add("--drop-caches=" + dropCaches.id());
    a.add(fork ? "--fork" : "--no-fork");
    if (reportDir != null) {
      a.add("--report=" + reportDir);
    }
    if (jsonFile != null) {
      a.add("--json=" + jsonFile);
    }
    a.add(progress ? "--progress" : "--no-progress");
    if (stats) {
      a.add("--stats");
    }
    if (resultFile != null) {
      a.add("--result-file=" + resultFile);
    }
    if (!dropCachesFile.equals(PageCache.DROP_CACHES)) {
      a.add("--drop-caches-file=" + dropCachesFile);
    }
    return a;
  }
}
