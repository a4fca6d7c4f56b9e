package dev.strata.bench;

import dev.strata.bench.engine.EngineSettings;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The lines that open a run's output after the machine's description: the effective settings
 * (after a preset and the options that override it), the size of the data set at each value size
 * against the block cache and the machine's memory, and what becomes of the page cache. Stateless.
 */
final class RunHeader {
  private RunHeader() {}

  /**
   * @param probe with {@code --drop-caches}, the outcome of the drop tried before the run
   * @param memoryBytes the machine's memory, if known
   * @param dbFileSystem the type of the file system the databases live on ({@code ext4},
   *     {@code tmpfs}), if known
   */
  static List<String> lines(
      BenchConfig config, Optional<PageCache.Drop> probe, OptionalLong memoryBytes,
      Optional<String> dbFileSystem) {
    List<String> lines = new ArrayList<>();
    lines.add("engines " + String.join(",", config.engines()) + "; benchmarks "
        + String.join(",", config.workloads().stream().map(Workload::id).toList()) + "; num "
        + config.num() + "; threads " + config.threads() + "; key " + config.keySize()
        + " B; values " + join(config.valueSizes()) + " B (" + config.valueKind().id() + ": "
        + config.valueKind().description() + "); repeat " + config.repeat() + "; warm-up "
        + config.warmup() + "; seed " + config.seed()
        + (config.fork() ? "; one JVM per engine" : "; all engines in this JVM"));
    if (!config.engineOptions().raw().isEmpty()) {
      lines.add("engine options " + config.engineOptions().toArgument());
    }
    long cache = EngineSettings.defaults().with(config.engineOptions().raw()).blockCacheBytes();
    boolean fitsInMemory = false; // in the page cache, not in the block cache
    List<String> sets = new ArrayList<>();
    for (int v : config.valueSizes()) {
      long bytes = config.num() * (config.keySize() + v);
      // Only a data set the block cache cannot hold sends reads past it, to the page cache.
      fitsInMemory |=
          memoryBytes.isPresent() && bytes > cache && bytes < memoryBytes.getAsLong();
      sets.add(String.format(Locale.ROOT, "%,d x %,d B = %s (%.1fx the block cache)",
          config.num(), config.keySize() + v, size(bytes), bytes / (double) cache));
    }
    lines.add("data set, keys and values before compression: " + String.join("; ", sets)
        + "; block cache " + size(cache)
        + (memoryBytes.isPresent() ? "; memory " + size(memoryBytes.getAsLong()) : ""));
    lines.add(pageCache(config, probe, fitsInMemory));
    if (config.dropCaches().drops()
        && dbFileSystem.filter(t -> t.equals("tmpfs") || t.equals("ramfs")).isPresent()) {
      lines.add("the databases are on " + dbFileSystem.get() + ", which lives in memory: no "
          + "drop sends their reads to a disk; give --db a directory on a disk");
    }
    return lines;
  }

  private static String pageCache(
      BenchConfig config, Optional<PageCache.Drop> probe, boolean fitsInMemory) {
    if (!config.dropCaches().drops()) {
      return "page cache: left as the work before left it (warm)"
          + (fitsInMemory ? "; it can hold the whole data set, so reads may never reach the "
              + "disk: --drop-caches measures them too" : "");
    }
    String when = config.dropCaches() == DropCaches.BOTH
        ? "each workload that reads runs twice: warm, then with the page cache dropped"
        : "dropped before each timed run of a workload that reads";
    Optional<String> failure = probe.flatMap(PageCache.Drop::reason);
    if (failure.isPresent()) {
      return "page cache NOT dropped: " + failure.get() + ". The runs go on; their rows say "
          + "'not dropped' and measured a warm page cache (" + when + ")";
    }
    return "page cache: " + when + " (the engine closed, its files fsynced, 3 written to "
        + config.dropCachesFile() + ", the engine reopened)";
  }

  private static String join(List<Integer> values) {
    return String.join(",", values.stream().map(String::valueOf).toList());
  }

  private static String size(long bytes) {
    if (bytes >= 1L << 30) {
      return String.format(Locale.ROOT, "%.1f GiB", bytes / (double) (1L << 30));
    }
    return String.format(Locale.ROOT, "%.1f MiB", bytes / (double) (1L << 20));
  }
}
