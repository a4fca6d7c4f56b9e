package dev.strata.bench;

import dev.strata.bench.engine.EngineAdapter;
import dev.strata.bench.engine.EngineSettings;
import dev.strata.bench.engine.Engines;
import dev.strata.bench.engine.WriteCounters;
import dev.strata.bench.engine.WriteStalls;
import dev.strata.bench.keys.KeyFormat;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;

/**
 * Runs every workload of a configuration, at every thread count, on one engine in this JVM.
 *
 * <p>Each timed run is one session: open the database, warm up (in place; a workload that starts
 * from an empty database or empties it warms up once, before its first run, on a scratch database
 * instead), run, read the engine's write and
 * stall counters and its largest level-0 file count (sampled during the session), with {@code
 * --stats} print its statistics, close, measure the directory. Data stays between sessions, so a
 * read workload reads what the workloads before it wrote. Before a {@link Workload#freshDb()}
 * workload the database is destroyed; before a {@link Workload#needsData()} workload on an empty
 * database (fresh, or emptied by {@code deleterandom}) it is destroyed and refilled by an untimed
 * implicit fill: every key once, in random order. An engine that keeps nothing on disk keeps one
 * open instance across sessions instead, dropped when the database would be destroyed.
 *
 * <p>Value sizes are the outer loop: the database is destroyed before each, so that every
 * workload of a size reads and overwrites values of that size. With {@code --drop-caches}, a
 * session of a workload that reads starts with the page cache dropped: the engine is closed (every
 * session ends so), its files are fsynced, the cache is dropped, and the session opens the engine
 * again. An in-place warm-up would fill the page cache again, so such a session warms up in a
 * session of its own (open, warm up, close) before the drop.
 *
 * <p>Confined to the calling thread; every session is closed before {@link #run()} returns.
 */
final class EngineRun {
  private final String engine;
  private final BenchConfig config;
  private final Path dir;
  private final PrintWriter out;
  private final Progress.Factory progress;
  private final Engines engines;
  private final KeyFormat keys;
  private final DataState state = new DataState();
  private final Map<String, String> engineOptions;
  private final PageCache pageCache;
  private final List<String> failures = new ArrayList<>();

  /** The value size running now, and the settings sized for it. */
  private int valueSize;

  private EngineSettings settings;

  /** The open instance of a non-persistent engine, kept between sessions. */
  private EngineAdapter kept;

  private Map<String, String> configuration = Map.of();

  EngineRun(
      String engine, BenchConfig config, Path dir, PrintWriter out, Engines engines,
      PageCache pageCache) {
    this.engine = engine;
    this.config = config;
    this.dir = dir;
    this.out = out;
    this.engines = engines;
    // A forked child's stdout is a pipe; its parent passed --progress only if it is on a terminal.
    this.progress = Progress.Factory.of(
        config.progress() && (config.resultFile() != null || Progress.onTerminal()));
    this.keys = new KeyFormat(config.keySize());
    EngineAdapter probe = engines.create(engine);
    this.engineOptions = config.engineOptions().forEngine(probe);
    this.pageCache = pageCache;
    useValueSize(config.valueSizes().get(0));
  }

  /**
   * Runs everything and returns one result per workload phase, value size, thread count and
   * page-cache state. A workload that fails is reported on the output and in {@link
   * #failures()}, its database is wiped, and the run goes on with the next one, so that one
   * engine error does not discard the other results.
   */
  List<BenchResult> run() throws IOException, InterruptedException {
    List<BenchResult> results = new ArrayList<>();
    try {
      for (int v : config.valueSizes()) {
        // Data of another size would be read and overwritten as if it were of this one.
        destroy();
        useValueSize(v);
        for (int threads : config.threads()) {
          for (Workload w : config.workloads()) {
            try {
              results.addAll(runWorkload(w, threads));
            } catch (RuntimeException | IOException e) {
              String what = w.id() + " (" + condition(threads, false) + ")";
              failures.add(what + ": " + e);
              out.println("error: engine " + engine + " failed " + what + ": " + e);
              out.flush();
              destroy();
            }
          }
        }
      }
    } finally {
      destroy();
    }
    return results;
  }

  private void useValueSize(int v) {
    valueSize = v;
    settings = EngineSettings.defaults()
        .withDatasetBytes(Math.multiplyExact(config.num(), config.keySize() + v))
        .with(engineOptions);
  }

  /** {@code t=2}, with the value size when several run and the page cache when dropped. */
  private String condition(int threads, boolean dropped) {
    return "t=" + threads + (config.valueSizes().size() > 1 ? ", v=" + valueSize : "")
        + (dropped ? ", page cache dropped" : "");
  }

  /** The workloads that failed in {@link #run()}, each with its error, in order. */
  List<String> failures() {
    return List.copyOf(failures);
  }

  /**
   * The results of {@code w}: its timed runs with the page cache warm, dropped, or both in turn
   * (warm first), as {@code --drop-caches} asks for a workload that reads.
   */
  private List<BenchResult> runWorkload(Workload w, int threads)
      throws IOException, InterruptedException {
    List<BenchResult> results = new ArrayList<>();
    for (boolean drop : dropPlan(w)) {
      results.addAll(timedRuns(w, threads, drop));
    }
    return results;
  }

  private List<Boolean> dropPlan(Workload w) {
    if (!w.reads()) {
      return List.of(false);
    }
    switch (config.dropCaches()) {
      case ON:
        return List.of(true);
      case BOTH:
        return List.of(false, true);
      default:
        return List.of(false);
    }
  }

  private List<BenchResult> timedRuns(Workload w, int threads, boolean drop)
      throws IOException, InterruptedException {
    Map<String, List<Measurement>> byLabel = new LinkedHashMap<>();
    for (int r = 0; r < config.repeat(); r++) {
      prepare(w, threads);
      if (r == 0 && !w.warmable() && !config.warmup().isNone()) {
        warmUpOnScratch(w, threads);
      }
      for (Measurement m : session(w, threads, drop)) {
        byLabel.computeIfAbsent(m.label(), k -> new ArrayList<>()).add(m);
      }
    }
    List<BenchResult> results = new ArrayList<>();
    for (List<Measurement> runs : byLabel.values()) {
      BenchResult res = BenchResult.aggregate(
          engine, runs, config.num(), config.keySize(), valueSize, config.valueKind(),
          config.resultFile() != null, configuration);
      out.println(ResultTable.line(res));
      out.flush();
      results.add(res);
    }
    return results;
  }

  /**
   * Warms the JVM up for a workload that cannot warm up in place (it starts from an empty database
   * or empties it): runs {@code w} untimed for the warm-up budget on a scratch database of the same
   * engine beside the real one, then closes and deletes it. Only before a workload's first run:
   * later runs find the code already compiled.
   */
  private void warmUpOnScratch(Workload w, int threads) throws IOException, InterruptedException {
    Path scratch = dir.resolveSibling(dir.getFileName() + "-warmup");
    DirectoryTree.delete(scratch);
    long start = System.nanoTime();
    EngineAdapter db = engines.create(engine);
    db.open(scratch, settings, engineOptions);
    try {
      executor(db).warmup(w, threads, new DataState(), config.warmup());
    } finally {
      db.close();
      DirectoryTree.delete(scratch);
    }
    out.printf("%-12s warm-up for %s on a scratch database: %.1f s (untimed)%n",
        engine, w.id(), (System.nanoTime() - start) / 1e9);
  }

  /** Empties or fills the database as {@code w} requires. */
  private void prepare(Workload w, int threads) throws IOException, InterruptedException {
    if (w.freshDb()) {
      destroy();
    } else if (w.needsData() && !state.loaded) {
      destroy();
      long start = System.nanoTime();
      EngineAdapter db = acquire();
      try {
        executor(db).fill(threads);
      } finally {
        release(db);
      }
      state.filled();
      out.printf("%-12s implicit fill of %,d keys for %s: %.1f s (untimed)%n",
          engine, config.num(), w.id(), (System.nanoTime() - start) / 1e9);
    }
  }

  private List<Measurement> session(Workload w, int threads, boolean drop)
      throws IOException, InterruptedException {
    boolean warmUpInPlace = w.warmable() && !config.warmup().isNone();
    CacheState cache = CacheState.WARM;
    if (drop) {
      if (warmUpInPlace) {
        warmUpBeforeDrop(w, threads);
        warmUpInPlace = false;
      }
      cache = dropPageCache(w);
    }
    MemorySampler memory = MemorySampler.start();
    List<Measurement> ms;
    OptionalDouble writeAmp;
    Optional<WriteStalls> stalls;
    OptionalInt maxLevel0;
    EngineAdapter db = acquire();
    Level0Sampler level0 = Level0Sampler.start(db);
    try {
      WorkloadExecutor exec = executor(db);
      if (warmUpInPlace) {
        exec.warmup(w, threads, state, config.warmup());
      }
      Optional<WriteCounters> before = db.writeCounters();
      Optional<WriteStalls> stallsBefore = db.writeStalls();
      ms = exec.run(w, threads, state);
      Optional<WriteCounters> after = db.writeCounters();
      Optional<WriteStalls> stallsAfter = db.writeStalls();
      writeAmp = before.isPresent() && after.isPresent()
          ? finite(after.get().minus(before.get()).writeAmplification())
          : OptionalDouble.empty();
      stalls = stallsBefore.isPresent() && stallsAfter.isPresent()
          ? Optional.of(stallsAfter.get().minus(stallsBefore.get()))
          : Optional.empty();
      // Read while the engine is open: background work is still running, and a sample must not
      // race the close.
      maxLevel0 = level0.stop();
      if (config.stats()) {
        printStats(db, w, condition(threads, cache == CacheState.DROPPED));
      }
    } finally {
      level0.close();
      release(db);
      memory.close();
    }
    MemorySampler.Peak peak = memory.stop();
    long disk = kept == null ? DirectoryTree.sizeBytes(dir) : 0;
    List<Measurement> done = new ArrayList<>();
    for (Measurement m : ms) {
      done.add(m.withSession(
          writeAmp, maxLevel0, stalls, disk, peak.peakRssBytes(), peak.peakHeapBytes(), cache));
    }
    return done;
  }

  /**
   * The warm-up of a session that starts with the page cache dropped, in a session of its own:
   * warming up in place after the drop would read the data back into the page cache. The JIT's
   * work stays; the engine's own caches go with the close, as they would at any session's end.
   */
  private void warmUpBeforeDrop(Workload w, int threads) throws IOException, InterruptedException {
    EngineAdapter db = acquire();
    try {
      executor(db).warmup(w, threads, state, config.warmup());
    } finally {
      release(db);
    }
  }

  /**
   * Drops the page cache (the engine is closed) and says so, once per reason, if it could not.
   */
  private CacheState dropPageCache(Workload w) {
    PageCache.Drop d = pageCache.drop(dir);
    d.reason().ifPresent(reason -> {
      if (pageCache.firstReport(reason)) {
        out.printf("%-12s page cache NOT dropped before %s: %s%n", engine, w.id(), reason);
        out.flush();
      }
    });
    return d.state();
  }

  /** {@code --stats}: the engine's own statistics at the end of a session, before close. */
  private void printStats(EngineAdapter db, Workload w, String condition) {
    out.printf("%-12s statistics after %s (%s):%n", engine, w.id(), condition);
    out.println(db.statsText().map(String::stripTrailing)
        .orElse("(" + engine + " reports no statistics)"));
    out.flush();
  }

  private static OptionalDouble finite(double v) {
    return Double.isFinite(v) ? OptionalDouble.of(v) : OptionalDouble.empty();
  }

  private WorkloadExecutor executor(EngineAdapter db) {
    return new WorkloadExecutor(
        db, keys, valueSize, config.valueKind(), config.num(), config.seed(), progress);
  }

  private EngineAdapter acquire() throws IOException {
    if (kept != null) {
      return kept;
    }
    EngineAdapter db = engines.create(engine);
    db.open(dir, settings, engineOptions);
    configuration = new LinkedHashMap<>(db.configuration());
    if (!db.persistent()) {
      kept = db;
    }
    return db;
  }

  private void release(EngineAdapter db) throws IOException {
    if (db != kept) {
      db.close();
    }
  }

  private void destroy() throws IOException {
    if (kept != null) {
      kept.close();
      kept = null;
    }
    DirectoryTree.delete(dir);
    state.emptied();
  }
}
