package dev.strata.bench;

import dev.strata.bench.engine.Engines;
import dev.strata.bench.report.HtmlReport;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine;

/**
 * The db_bench-style runner: runs the configured workloads on each engine in turn (each in its own
 * JVM unless {@code fork} is off), then prints the table and writes the JSON lines and HTML
 * report asked for. {@link #main} is the shaded jar's entry point; other code builds a {@link
 * BenchConfig} (or a {@link BenchCommand}) and calls {@link #run()} in-process.
 *
 * <p>Confined to the calling thread. An engine that fails is reported in {@link #failures()} and
 * the others still run.
 */
public final class BenchRunner {
  private final BenchConfig config;
  private final PrintWriter out;
  private final Engines engines;
  private final PageCache pageCache;
  /** The preset the settings came from, for the header; null if none. */
  private final Preset preset;
  private final Map<String, String> failures = new LinkedHashMap<>();

  public BenchRunner(BenchConfig config, PrintWriter out) {
    this(config, out, Engines.installed());
  }

  BenchRunner(BenchConfig config, PrintWriter out, Engines engines) {
    this(config, out, engines, null);
  }

  BenchRunner(BenchConfig config, PrintWriter out, Engines engines, Preset preset) {
    this.config = config;
    this.out = out;
    this.engines = engines;
    this.preset = preset;
    this.pageCache = new PageCache(config.dropCachesFile());
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new BenchCommand()).execute(args));
  }

  /** Engines that failed, with the reason, in the order they ran. */
  public Map<String, String> failures() {
    return Collections.unmodifiableMap(failures);
  }

  /**
   * Runs every engine and writes the outputs.
   *
   * @return the results of the engines that succeeded
   * @throws IOException if the database root or an output cannot be written
   * @throws InterruptedException if interrupted; open databases are closed first
   */
  public List<BenchResult> run() throws IOException, InterruptedException {
    boolean child = config.resultFile() != null;
    Path root = config.db() != null ? config.db() : Files.createTempDirectory("strata-bench-");
    Files.createDirectories(root);
    if (!child) {
      header(root);
    } else if (config.dropCaches().drops()) {
      // The parent's header said why drops fail here; this process, on the same machine, would
      // fail for the same reason, which need not be printed again. A different one still is.
      pageCache.probe().reason().ifPresent(pageCache::firstReport);
    }
    List<BenchResult> results = new ArrayList<>();
    try {
      for (String engine : config.engines()) {
        try {
          if (config.fork()) {
            ForkedRun.Outcome outcome = ForkedRun.run(config, engines.create(engine), root, out);
            results.addAll(outcome.results());
            outcome.failure().ifPresent(f -> failures.put(engine, f));
          } else {
            EngineRun run =
                new EngineRun(engine, config, root.resolve(engine), out, engines, pageCache);
            results.addAll(run.run());
            if (!run.failures().isEmpty()) {
              failures.put(engine, String.join("; ", run.failures()));
            }
          }
        } catch (RuntimeException | IOException ex) {
          failures.put(engine, String.valueOf(ex));
          out.println("error: engine " + engine + " failed: " + ex);
          if (!(ex instanceof BenchException)) {
            ex.printStackTrace(out);
          }
        }
        out.flush();
      }
    } finally {
      if (config.db() == null) {
        DirectoryTree.delete(root);
      }
    }
    if (child) {
      JsonLines.write(config.resultFile(), results);
      return results;
    }
    out.println();
    ResultTable.print(results, out);
    if (config.jsonFile() != null) {
      JsonLines.write(config.jsonFile(), results);
      out.println("JSON lines: " + config.jsonFile());
    }
    if (config.reportDir() != null) {
      HtmlReport.write(config.reportDir(), results, "strata-bench " + String.join(" ",
          config.toArguments()));
      out.println("report: " + config.reportDir().resolve("index.html"));
    }
    out.flush();
    return results;
  }

  /**
   * The machine, the effective settings and the data set; with {@code --drop-caches}, one drop
   * tried now, so that a machine where drops fail says so once, here, before any engine runs.
   */
  private void header(Path root) {
    Machine.describe().forEach((k, v) -> out.println("# " + k + ": " + v));
    if (preset != null) {
      out.println("# preset " + preset.id() + " (" + String.join(" ", preset.arguments())
          + "); options given explicitly override it. In effect:");
    }
    Optional<PageCache.Drop> probe = Optional.empty();
    if (config.dropCaches().drops()) {
      probe = Optional.of(pageCache.probe());
      probe.get().reason().ifPresent(pageCache::firstReport);
    }
    for (String line :
        RunHeader.lines(config, probe, Machine.memoryBytes(), fileSystemType(root))) {
      out.println("# " + line);
    }
    out.flush();
  }

  private static Optional<String> fileSystemType(Path dir) {
    try {
      return Optional.of(Files.getFileStore(dir).type());
    } catch (IOException ex) {
      return Optional.empty();
    }
  }
}
