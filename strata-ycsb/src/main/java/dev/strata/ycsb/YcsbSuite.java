package dev.strata.ycsb;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * Runs YCSB's own client ({@code site.ycsb.Client}) on Strata and RocksDB: for each repetition,
 * for each engine, each phase of the list (by default the load, then workloads A, B, C, F, D, E)
 * in a child JVM of its own, then prints a Markdown table ({@link SuiteTable}) and writes it with
 * every child's stdout and stderr and every command line to the results directory.
 *
 * <p>A {@code load} phase first deletes the engine's database directory ({@code DB/strata},
 * {@code DB/rocksdb}); the other phases run on what the phases before them left. The
 * repetitions run the whole list again, so with the load first each starts from an empty
 * database.
 *
 * <p>Exit codes: 0 when every phase completed with no failed operation, 1 otherwise, 2 for bad
 * arguments. One instance serves one parse; not thread-safe.
 */
@Command(
    name = "strata-ycsb",
    mixinStandardHelpOptions = true,
    version = "strata-ycsb 0.1.0 (YCSB 0.17.0 core workloads)",
    sortOptions = false,
    description = "Runs the YCSB core workloads with YCSB's own client on Strata and RocksDB, "
        + "each phase in its own JVM, and prints a side-by-side table (median of the "
        + "repetitions).",
    footer = {
      "",
      "A load phase first deletes the engine's directory (DB/strata, DB/rocksdb).",
      "A list may load twice: load,a,b,c,f,d,load,e reloads before E.",
      "Exit status: 0 all phases ran with no failed operation, 1 otherwise, 2 bad usage.",
      "",
      "The bindings work with YCSB's client alone, e.g.:",
      "  java -cp strata-ycsb.jar site.ycsb.Client -load \\",
      "    -db dev.strata.ycsb.StrataClient -P workloads/workloada \\",
      "    -p strata.dir=/tmp/ycsb-strata -p recordcount=100000 -threads 2",
      "(dev.strata.ycsb.RocksDbClient with -p rocksdb.dir=DIR for RocksDB)."
    })
public final class YcsbSuite implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--engines", split = ",", paramLabel = "NAME", defaultValue = "strata,rocksdb",
      converter = EngineConverter.class,
      description = "Engines, run in turn: strata, rocksdb (default: ${DEFAULT-VALUE}).")
  List<Engine> engines;

  @Option(names = "--phases", split = ",", paramLabel = "PHASE",
      defaultValue = Phase.DEFAULT_PHASES, converter = PhaseConverter.class,
      description = "Phases, run in turn: load, a..f (default: ${DEFAULT-VALUE}).")
  List<Phase> phases;

  @Option(names = "--records", paramLabel = "N", defaultValue = "1000000",
      description = "YCSB recordcount: records loaded (default: ${DEFAULT-VALUE}).")
  long records;

  @Option(names = "--operations", paramLabel = "N", defaultValue = "1000000",
      description = "YCSB operationcount: operations per workload (default: ${DEFAULT-VALUE}).")
  long operations;

  @Option(names = "--threads", paramLabel = "N", defaultValue = "2",
      description = "YCSB client threads (default: ${DEFAULT-VALUE}).")
  int threads;

  @Option(names = "--repeat", paramLabel = "N", defaultValue = "1",
      description = "Runs of the whole phase list; the table shows medians (default: "
          + "${DEFAULT-VALUE}).")
  int repeat;

  /** {@code --heap} value that gives no {@code -Xmx}: the JVM's own default heap. */
  static final String DEFAULT_HEAP = "default";

  @Option(names = "--heap", paramLabel = "SIZE", defaultValue = "2g",
      description = "Heap of each phase's JVM, as for -Xmx, or '" + DEFAULT_HEAP + "' for the"
          + " JVM's default (no -Xmx) (default: ${DEFAULT-VALUE}).")
  String heap;

  @Option(names = "--jvm-option", paramLabel = "FLAG",
      description = "An extra flag for each phase's JVM; repeatable.")
  List<String> jvmOptions = new ArrayList<>();

  @Option(names = {"-p", "--property"}, paramLabel = "KEY=VALUE",
      description = "A YCSB property passed to every phase (-p KEY=VALUE), after the suite's own; "
          + "repeatable. E.g. fieldcount=10, fieldlength=100.")
  Map<String, String> ycsbProperties = new LinkedHashMap<>();

  @Option(names = "--strata-options", paramLabel = "K=V,...",
      description = "strata.options for the Strata binding: memtable-mb, cache-mb, bloom-bits, "
          + "compression, memtable, shards, mmap, background-compaction, reuse-logs, off-heap, "
          + "flush-on-close (default: Options.defaults()).")
  String strataOptions;

  @Option(names = "--rocksdb-options", paramLabel = "K=V,...",
      description = "rocksdb.options for the RocksDB binding: memtable-mb, cache-mb, bloom-bits, "
          + "compression, background-jobs (default: LZ4, 64 MiB write buffer and LRU cache, "
          + "bloom 10, 2 background jobs).")
  String rocksdbOptions;

  @Option(names = "--db", paramLabel = "DIR",
      description = "Database root, one subdirectory per engine (default: a temporary directory, "
          + "deleted afterwards).")
  Path db;

  @Option(names = "--keep-db", description = "Keep the temporary database root.")
  boolean keepDb;

  @Option(names = "--results", paramLabel = "DIR",
      description = "Where the raw outputs, commands.txt and summary.md go (default: "
          + "ycsb-results/<date>-<time>).")
  Path results;

  @Option(names = "--workloads", paramLabel = "DIR",
      description = "Directory of workloada..workloadf files (default: YCSB 0.17.0's, shipped "
          + "in the jar and copied to RESULTS/workloads).")
  Path workloads;

  @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "0",
      description = "Kill a phase that runs longer (default: 0, no limit).")
  long timeoutSeconds;

  /** Runs the suite and exits with its code. */
  public static void main(String[] args) {
    System.exit(new CommandLine(new YcsbSuite()).execute(args));
  }

  @Override
  public Integer call() throws IOException, InterruptedException {
    validate();
    Path resultsDir = results != null ? results : Path.of("ycsb-results",
        LocalDateTime.now(ZoneId.systemDefault()).format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss", Locale.ROOT)));
    Files.createDirectories(resultsDir);
    Path workloadDir = workloads != null ? workloads : extractWorkloads(resultsDir.resolve(
        "workloads"));
    for (Phase phase : phases) {
      if (!Files.isRegularFile(workloadDir.resolve(phase.workloadFile()))) {
        throw new ParameterException(spec.commandLine(), "no workload file "
            + workloadDir.resolve(phase.workloadFile()));
      }
    }
    boolean temporaryDb = db == null;
    Path dbRoot = temporaryDb ? Files.createTempDirectory("strata-ycsb-") : db;
    PrintWriter out = spec.commandLine().getOut();
    List<PhaseResult> all = new ArrayList<>();
    try (Writer commands = Files.newBufferedWriter(resultsDir.resolve("commands.txt"),
        StandardCharsets.UTF_8)) {
      for (int rep = 1; rep <= repeat; rep++) {
        for (Engine engine : engines) {
          for (int step = 0; step < phases.size(); step++) {
            PhaseResult r = runPhase(rep, engine, step, dbRoot.resolve(engine.id), workloadDir,
                resultsDir, commands);
            all.add(r);
            out.println(progressLine(r));
            out.flush();
          }
        }
      }
    } finally {
      if (temporaryDb && !keepDb) {
        deleteRecursively(dbRoot);
      }
    }
    String summary = header(all) + new SuiteTable(engines, phases, all).render();
    Files.writeString(resultsDir.resolve("summary.md"), summary, StandardCharsets.UTF_8);
    out.println();
    out.print(summary);
    out.println();
    out.println("Raw outputs, commands.txt and summary.md: " + resultsDir);
    out.flush();
    return all.stream().allMatch(PhaseResult::succeeded) ? 0 : 1;
  }

  private void validate() {
    if (records <= 0 || operations <= 0 || threads <= 0 || repeat <= 0) {
      throw new ParameterException(spec.commandLine(),
          "--records, --operations, --threads and --repeat must be positive");
    }
    if (timeoutSeconds < 0) {
      throw new ParameterException(spec.commandLine(), "--timeout must not be negative");
    }
    if (engines.isEmpty() || phases.isEmpty()) {
      throw new ParameterException(spec.commandLine(), "no engine or no phase to run");
    }
  }

  private PhaseResult runPhase(int rep, Engine engine, int step, Path engineDir, Path workloadDir,
      Path resultsDir, Writer commands) throws IOException, InterruptedException {
    Phase phase = phases.get(step);
    if (phase.isLoad()) {
      deleteRecursively(engineDir);
    }
    List<String> jvm = new ArrayList<>();
    if (!heap.equals(DEFAULT_HEAP)) {
      jvm.add("-Xmx" + heap);
    }
    jvm.addAll(jvmOptions);
    ClientProcess process = new ClientProcess(
        Path.of(System.getProperty("java.home"), "bin", "java"), jvm,
        System.getProperty("java.class.path"), engine, phase,
        workloadDir.resolve(phase.workloadFile()), engineDir, records, operations, threads,
        engine == Engine.STRATA ? strataOptions : rocksdbOptions, ycsbProperties);
    String base = String.format(Locale.ROOT, "r%d-%s-%02d-%s", rep, engine.id, step + 1,
        phase.name());
    Path stdout = resultsDir.resolve(base + ".out");
    commands.write(process.shellLine() + "\n");
    commands.flush();
    ClientProcess.Outcome outcome =
        process.run(stdout, resultsDir.resolve(base + ".err"), timeoutSeconds);
    return new PhaseResult(engine, phase, step, rep, expectedOperations(phase),
        outcome.exitCode(), YcsbOutput.read(stdout), stdout, outcome.peakRssBytes());
  }

  /**
   * What YCSB will count for the phase, the {@code -p} overrides included: {@code insertcount}
   * or else {@code recordcount} for a load, {@code operationcount} for a run; -1 (unknown) when
   * {@code maxexecutiontime} may stop it early.
   */
  long expectedOperations(Phase phase) {
    if (ycsbProperties.containsKey("maxexecutiontime")) {
      return -1;
    }
    String count = phase.isLoad()
        ? ycsbProperties.getOrDefault("insertcount",
            ycsbProperties.getOrDefault("recordcount", Long.toString(records)))
        : ycsbProperties.getOrDefault("operationcount", Long.toString(operations));
    try {
      return Long.parseLong(count.strip());
    } catch (NumberFormatException ex) {
      return -1;
    }
  }

  private static String progressLine(PhaseResult r) {
    String head = String.format(Locale.ROOT, "r%d %-8s %-5s", r.repetition(), r.engine().id,
        r.phase().name());
    YcsbOutput o = r.output();
    if (!r.measured()) {
      return head + " FAILED (exit status " + r.exitCode() + ", " + o.operationsDone() + " of "
          + r.expectedOperations() + " operations done; see "
          + r.stdout().getFileName().toString().replace(".out", ".err") + ")";
    }
    String op = r.phase().mainOperation();
    String p99 = o.operation(op)
        .map(x -> String.format(Locale.ROOT, ", %s p99 %,.0f us", op, x.p99Us())).orElse("");
    String problems = (o.errors() > 0 ? ", " + o.errors() + " FAILED operations" : "")
        + (o.notFound() > 0 ? ", " + o.notFound() + " NOT_FOUND" : "");
    String rss = r.peakRssBytes() > 0
        ? String.format(Locale.ROOT, ", peak RSS %,d MiB", r.peakRssBytes() >> 20) : "";
    return head + String.format(Locale.ROOT, " %,12.0f ops/s", o.throughput().getAsDouble()) + p99
        + rss + problems;
  }

  private String header(List<PhaseResult> all) {
    StringBuilder sb = new StringBuilder();
    sb.append("# YCSB: ").append(String.join(" and ", engines.stream().map(e -> e.label)
        .toList())).append("\n\n");
    sb.append(String.format(Locale.ROOT, "YCSB %s core workloads with site.ycsb.Client, phases %s;"
        + " %,d records, %,d operations per workload, %d threads; each phase in its own JVM"
        + " (%s%s); %s; %s; Java %s, %d cores.%n%n",
        ycsbVersion(), String.join(",", phases.stream().map(Phase::name).toList()), records,
        operations, threads, heap.equals(DEFAULT_HEAP) ? "the default heap" : "-Xmx" + heap,
        jvmOptions.isEmpty() ? "" : " " + String.join(" ", jvmOptions),
        repeat == 1 ? "one run" : "median of " + repeat + " runs",
        LocalDateTime.now(ZoneId.systemDefault()).format(DateTimeFormatter.ISO_LOCAL_DATE),
        System.getProperty("java.version"), Runtime.getRuntime().availableProcessors()));
    if (!ycsbProperties.isEmpty()) {
      sb.append("YCSB properties: ").append(ycsbProperties).append("\n\n");
    }
    for (Engine e : engines) {
      configuration(all, e).ifPresent(c -> sb.append("- ").append(c).append('\n'));
    }
    sb.append('\n');
    return sb.toString();
  }

  /** The engine's settings as its binding printed them to the first phase's stderr. */
  private static Optional<String> configuration(List<PhaseResult> all, Engine engine) {
    for (PhaseResult r : all) {
      if (r.engine() != engine) {
        continue;
      }
      Path err = r.stdout().resolveSibling(
          r.stdout().getFileName().toString().replace(".out", ".err"));
      try (Stream<String> lines = Files.lines(err, StandardCharsets.UTF_8)) {
        Optional<String> line = lines.filter(l -> l.startsWith(SharedStore.CONFIGURATION_PREFIX))
            .findFirst();
        if (line.isPresent()) {
          return Optional.of(line.get().substring(SharedStore.CONFIGURATION_PREFIX.length()));
        }
      } catch (IOException | java.io.UncheckedIOException ex) {
        // An unreadable log only costs the summary this line.
      }
    }
    return Optional.empty();
  }

  private static String ycsbVersion() {
    try (InputStream in = YcsbSuite.class.getResourceAsStream(
        "/META-INF/maven/site.ycsb/core/pom.properties")) {
      Properties p = new Properties();
      if (in != null) {
        p.load(in);
      }
      return p.getProperty("version", "(unknown version)");
    } catch (IOException ex) {
      return "(unknown version)";
    }
  }

  /** Copies the shipped YCSB 0.17.0 workload files to {@code dir}. */
  static Path extractWorkloads(Path dir) throws IOException {
    Files.createDirectories(dir);
    for (char w = 'a'; w <= 'f'; w++) {
      String name = "workload" + w;
      try (InputStream in = YcsbSuite.class.getResourceAsStream("/workloads/" + name)) {
        if (in == null) {
          throw new IOException("the workload file " + name + " is missing from the class path");
        }
        Files.write(dir.resolve(name), in.readAllBytes());
      }
    }
    return dir;
  }

  static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  static final class EngineConverter implements ITypeConverter<Engine> {
    @Override
    public Engine convert(String value) {
      return Engine.parse(value);
    }
  }

  static final class PhaseConverter implements ITypeConverter<Phase> {
    @Override
    public Phase convert(String value) {
      return Phase.parse(value);
    }
  }
}
