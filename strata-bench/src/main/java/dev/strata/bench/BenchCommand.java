package dev.strata.bench;

import dev.strata.bench.engine.EngineOptions;
import dev.strata.bench.engine.Engines;
import dev.strata.bench.keys.ValueKind;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The {@code bench} command: parses the runner's options into a {@link BenchConfig} and runs it.
 * Public with a no-arg constructor so that another command line (the {@code strata} tool) can
 * mount it as a subcommand. With no options it runs the standard comparison: strata, rocksdb and
 * leveldb on fillrandom, readrandom, readseq and readwhilewriting, one million keys, two threads.
 * {@code --preset} names other conditions ({@link Preset}); options given explicitly win.
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
      "Workloads that read need every key present: on an empty database an untimed",
      "implicit fill (every key once, random order) runs first. fillseq and fillrandom",
      "start from an empty database. Keys are decimal numbers, zero-padded to",
      "--key-size.",
      "",
      "Presets (options given explicitly win; --engine-options merge key by key):",
      "  independent        --engine=strata,rocksdb",
      "                     --benchmarks=fillrandom,readrandom,readwhilewriting,ycsb-a",
      "                     --warmup=0 --value-size=100,1024,4096",
      "  larger-than-cache  --engine=strata,rocksdb --benchmarks=fillrandom,readrandom",
      "                     --num=10000000 --value-size=1024",
      "                     --engine-options=cache-mb=64 --drop-caches=both"
    })
public class BenchCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--preset", paramLabel = "NAME", converter = PresetConverter.class,
      description = "Named conditions: independent, larger-than-cache (below). Options given "
          + "explicitly override the preset's.")
  Preset preset;

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

  @Option(names = "--value-size", split = ",", defaultValue = "100", paramLabel = "BYTES",
      description = "Value sizes; several (100,1024,4096) run everything at each, on data "
          + "written with that size (default: ${DEFAULT-VALUE}).")
  List<Integer> valueSizes;

  @Option(names = "--value-kind", defaultValue = "half", converter = ValueKindConverter.class,
      paramLabel = "half|random|ycsb",
      description = "Value bytes: half (compressible to half, as db_bench), random "
          + "(incompressible), ycsb (printable random bytes as YCSB draws them, which LZ4 "
          + "cannot shrink) (default: ${DEFAULT-VALUE}).")
  ValueKind valueKind;

  @Option(names = "--db", paramLabel = "DIR",
      description = "Database root, one subdirectory per engine (default: a temporary directory "
          + "deleted afterwards).")
  Path db;

  @Option(names = "--engine-options", split = ",", paramLabel = "KEY=VALUE",
      description = "Engine settings; prefix a key with an engine name to reach only it "
          + "(rocksdb.compression=none). Common: memtable-mb, bloom-bits, cache-mb, compression, "
          + "background-threads. strata: memtable, shards, background-compaction, "
          + "read-triggered-compaction, mmap, reuse-logs, flush-on-close. rocksdb: "
          + "dynamic-level-bytes. lmdb: map-size-mb, sync "
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

  @Option(names = "--drop-caches", arity = "0..1", defaultValue = "off", fallbackValue = "on",
      converter = DropCachesConverter.class, paramLabel = "off|on|both",
      description = "Drop the OS page cache before each timed run of a workload that reads: the "
          + "engine closes, its files are fsynced, 3 is written to /proc/sys/vm/drop_caches "
          + "(needs root), the engine reopens. both: each such workload runs warm, then dropped. "
          + "Where the drop fails the run says why and goes on (default: ${DEFAULT-VALUE}; "
          + "alone: on).")
  DropCaches dropCaches;

  @Option(names = "--drop-caches-file", hidden = true)
  Path dropCachesFile = PageCache.DROP_CACHES;

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
    applyPreset();
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
          names, workloads, num, threads, keySize, valueSizes, valueKind, db, options, seed,
          repeat, warmup, dropCaches, fork, reportDir, jsonFile, progress, stats, resultFile,
          dropCachesFile);
    } catch (IllegalArgumentException ex) {
      throw usage(ex.getMessage());
    }
  }

  /**
   * Sets every option of {@link #preset} that the command line did not give; merges its engine
   * options under the given ones. Idempotent.
   */
  private void applyPreset() {
    if (preset == null) {
      return;
    }
    CommandLine.ParseResult given = spec.commandLine().getParseResult();
    BenchCommand expanded = new BenchCommand();
    CommandLine.ParseResult presetParse =
        new CommandLine(expanded).parseArgs(preset.arguments().toArray(String[]::new));
    for (OptionSpec o : presetParse.matchedOptions()) {
      String name = o.longestName();
      if (name.equals("--engine-options")) {
        Map<String, String> merged = new LinkedHashMap<>(expanded.engineOptions);
        merged.putAll(engineOptions);
        engineOptions = merged;
      } else if (given == null || !given.hasMatchedOption(name)) {
        spec.findOption(name).setValue(o.getValue());
      }
    }
  }

  /** The preset the command line named, if any. */
  public Optional<Preset> preset() {
    return Optional.ofNullable(preset);
  }

  /** Results of the last {@link #call()}. */
  public List<BenchResult> results() {
    return results;
  }

  @Override
  public Integer call() throws IOException, InterruptedException {
    BenchConfig config = toConfig();
    PrintWriter out = spec.commandLine().getOut();
    BenchRunner runner = new BenchRunner(config, out, Engines.installed(), preset);
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

  /** Parses preset names, listing the known ones on error. */
  static final class PresetConverter implements CommandLine.ITypeConverter<Preset> {
    @Override
    public Preset convert(String value) {
      try {
        return Preset.parse(value);
      } catch (IllegalArgumentException ex) {
        throw new CommandLine.TypeConversionException(ex.getMessage());
      }
    }
  }

  /** Parses value kinds, listing the known ones on error. */
  static final class ValueKindConverter implements CommandLine.ITypeConverter<ValueKind> {
    @Override
    public ValueKind convert(String value) {
      try {
        return ValueKind.parse(value);
      } catch (IllegalArgumentException ex) {
        throw new CommandLine.TypeConversionException(ex.getMessage());
      }
    }
  }

  /** Parses {@code off}, {@code on} or {@code both}. */
  static final class DropCachesConverter implements CommandLine.ITypeConverter<DropCaches> {
    @Override
    public DropCaches convert(String value) {
      try {
        return DropCaches.parse(value);
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
