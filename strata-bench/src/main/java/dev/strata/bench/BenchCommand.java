package dev.strata.bench;

import dev.strata.bench.engine.EngineOptions;
import dev.strata.bench.engine.Engines;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The {@code bench} command: parses the runner's options into a {@link BenchConfig} and runs it.
 * Public with a no-arg constructor so that another command line (the {@code strata} tool) can
 * mount it as a subcommand. With no options it runs the standard comparison: strata, rocksdb and
 * leveldb on fillrandom, readrandom, readseq and readwhilewriting, one million keys, two threads.
 *
 * <p>Exit codes: 0 when every engine ran, 1 when one failed, 2 for bad arguments. One instance
 * serves one parse; not thread-safe.
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = "Runs db_bench-style workloads on Strata and its peers and compares them.",
    footer = {
      "",
      "Workloads that read need every key present: on an empty database an untimed implicit",
      "fill (every key once, random order) runs first. fillseq and fillrandom start from an",
      "empty database. Keys are decimal numbers, zero-padded to --key-size."
    })
public class BenchCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--engine", split = ",", paramLabel = "NAME",
      defaultValue = "strata,rocksdb,leveldb",
      description = "Engines, run in turn: strata, rocksdb, leveldb, lmdb, h2-mvstore, "
          + "skiplist-map (default: ${DEFAULT-VALUE}).")
  List<String> engines;

  @Option(names = "--benchmarks", split = ",", paramLabel = "NAME",
      defaultValue = "fillrandom,readrandom,readseq,readwhilewriting",
      converter = WorkloadConverter.class,
      description = "Workloads, run in turn (default: ${DEFAULT-VALUE}). Known: fillseq, "
          + "fillrandom, overwrite, readrandom, readmissing, readseq, seekrandom, deleterandom, "
          + "readwhilewriting, ycsb-a .. ycsb-f.")
  List<Workload> workloads;

  @Option(names = "--num", defaultValue = "1000000",
      description = "Keys in the database and operations per workload (default: ${DEFAULT-VALUE}).")
  long num;

  @Option(names = "--threads", split = ",", defaultValue = "2", paramLabel = "N",
      description = "Thread counts; several (1,2,4) run everything at each (default: "
          + "${DEFAULT-VALUE}).")
  List<Integer> threads;

  @Option(names = "--key-size", defaultValue = "16",
      description = "Key bytes (default: ${DEFAULT-VALUE}).")
  int keySize;

  @Option(names = "--value-size", defaultValue = "100",
      description = "Value bytes, compressible to half (default: ${DEFAULT-VALUE}).")
  int valueSize;

  @Option(names = "--db", paramLabel = "DIR",
      description = "Database root, one subdirectory per engine (default: a temporary directory "
          + "deleted afterwards).")
  Path db;

  @Option(names = "--engine-options", split = ",", paramLabel = "KEY=VALUE",
      description = "Engine settings; prefix a key with an engine name to reach only it "
          + "(rocksdb.compression=none). Common: memtable-mb, bloom-bits, cache-mb, compression, "
          + "background-threads. strata: memtable, shards, background-compaction, "
          + "read-triggered-compaction. rocksdb: dynamic-level-bytes. lmdb: map-size-mb, sync "
          + "(nosync, nometasync, full). h2-mvstore: autocommit-delay-ms.")
  Map<String, String> engineOptions = new LinkedHashMap<>();

  @Option(names = "--seed", defaultValue = "301",
      description = "Seed of every random choice (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--repeat", defaultValue = "1",
      description = "Runs per workload; reports the median and spread (default: ${DEFAULT-VALUE}).")
  int repeat;

  @Option(names = "--warmup", defaultValue = "10s", converter = WarmupConverter.class,
      paramLabel = "OPS|SECONDSs",
      description = "Untimed operations (50000) or seconds (5s) of the workload before it is "
          + "timed; one that empties or fills the database warms up once on a scratch database "
          + "(default: ${DEFAULT-VALUE}; 0 for none).")
  Warmup warmup;

  @Option(names = "--fork", negatable = true, defaultValue = "true", fallbackValue = "true",
      description = "Run each engine in its own JVM (default: on).")
  boolean fork;

  @Option(names = "--report", paramLabel = "DIR",
      description = "Write an HTML report with PNG charts into DIR.")
  Path reportDir;

  @Option(names = "--json", paramLabel = "FILE", description = "Write one JSON line per result.")
  Path jsonFile;

  @Option(names = "--progress", negatable = true, defaultValue = "true", fallbackValue = "true",
      description = "Show progress bars when stdout is a terminal (default: on).")
  boolean progress;

  @Option(names = "--stats",
      description = "After each session, print the engine's own statistics (strata.stats, "
          + "rocksdb.stats).")
  boolean stats;

  @Option(names = "--result-file", hidden = true)
  Path resultFile;

  private List<BenchResult> results = List.of();

  public BenchCommand() {}

  /**
   * The validated configuration of the parsed options.
   *
   * @throws ParameterException naming the bad option
   */
  public BenchConfig toConfig() {
    Engines installed = Engines.installed();
    List<String> names = new ArrayList<>();
    for (String e : engines) {
      String name = e.trim();
      if (!installed.contains(name)) {
        throw usage("unknown engine '" + name + "'; known: " + String.join(", ",
            installed.names()));
      }
      if (!names.contains(name)) {
        names.add(name);
      }
    }
    try {
      EngineOptions options = new EngineOptions(engineOptions);
      options.validate(names, installed);
      return new BenchConfig(
          names, workloads, num, threads, keySize, valueSize, db, options, seed, repeat, warmup,
          fork, reportDir, jsonFile, progress, stats, resultFile);
    } catch (IllegalArgumentException ex) {
      throw usage(ex.getMessage());
    }
  }

  /** Results of the last {@link #call()}. */
  public List<BenchResult> results() {
    return results;
  }

  @Override
  public Integer call() throws IOException, InterruptedException {
    BenchConfig config = toConfig();
    PrintWriter out = spec.commandLine().getOut();
    BenchRunner runner = new BenchRunner(config, out);
    results = runner.run();
    return runner.failures().isEmpty() ? 0 : 1;
  }

  private ParameterException usage(String message) {
    return new ParameterException(spec.commandLine(), message);
  }

  /** Parses workload names, listing the known ones on error. */
  static final class WorkloadConverter implements CommandLine.ITypeConverter<Workload> {
    @Override
    public Workload convert(String value) {
      try {
        return Workload.parse(value);
      } catch (IllegalArgumentException ex) {
        throw new CommandLine.TypeConversionException(ex.getMessage());
      }
    }
  }

  /** Parses {@code N} or {@code Ns}. */
  static final class WarmupConverter implements CommandLine.ITypeConverter<Warmup> {
    @Override
    public Warmup convert(String value) {
      try {
        return Warmup.parse(value);
      } catch (IllegalArgumentException ex) {
        throw new CommandLine.TypeConversionException(ex.getMessage());
      }
    }
  }
}
