package dev.strata.bench;

import dev.strata.bench.engine.WriteStalls;
import dev.strata.bench.keys.ValueKind;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalDouble;
import org.HdrHistogram.Histogram;

/**
 * The result of one workload phase on one engine at one thread count, value size and page-cache
 * state, over {@code repeats} runs:
 * the median throughput and its spread, latency percentiles of every operation of every run, and
 * what the engine left on disk and used in memory. Immutable; one JSON line each.
 *
 * @param engine engine name
 * @param workload workload name ({@code readwhilewriting:writer} for that phase's writer)
 * @param threads threads of the run ({@code readwhilewriting:writer} is one writer thread beside
 *     that many readers)
 * @param num keys in the database and operations of the workload
 * @param keySize key bytes
 * @param valueSize value bytes
 * @param valueKind what the value bytes looked like (how far they compress)
 * @param cache the page cache at the start of the timed runs: warm, dropped, or not dropped
 *     because the drop failed
 * @param repeats runs aggregated
 * @param ops operations of the median run
 * @param found hits of the median run (reads that found a value, seeks that landed on a key)
 * @param expectedFound hits the median run should have had, or -1 if the workload cannot know
 * @param opsPerSec median operations per second
 * @param opsPerSecMin slowest run
 * @param opsPerSecMax fastest run
 * @param spreadPercent {@code (max - min) / median} of the runs' throughput, in percent
 * @param mibPerSec median MiB per second of keys and values moved
 * @param p50Micros median latency
 * @param p99Micros 99th percentile latency
 * @param p999Micros 99.9th percentile latency
 * @param maxMicros largest latency
 * @param elapsedSeconds wall time of the median run
 * @param diskBytes bytes in the database directory after the median run's session closed
 * @param writeAmplification engine-reported {@code (wal + table bytes) / user bytes} of the
 *     median run, or NaN when the engine keeps no such counters or nothing was written
 * @param maxLevel0Files largest level-0 file count seen in any run's session, or -1 when the
 *     engine reports none
 * @param stallMicros microseconds writers were stalled during the median run, by the engine's own
 *     count, or -1 when it keeps none
 * @param stallCount stalls the engine counted during the median run, or -1 when it counts none
 * @param peakRssBytes largest resident set size seen during any run
 * @param peakHeapBytes largest Java heap use seen during any run
 * @param forked whether the engine ran in its own JVM
 * @param configuration the engine's effective configuration
 */
public record BenchResult(
    String engine,
    String workload,
    int threads,
    long num,
    int keySize,
    int valueSize,
    ValueKind valueKind,
    CacheState cache,
    int repeats,
    long ops,
    long found,
    long expectedFound,
    double opsPerSec,
    double opsPerSecMin,
    double opsPerSecMax,
    double spreadPercent,
    double mibPerSec,
    double p50Micros,
    double p99Micros,
    double p999Micros,
    double maxMicros,
    double elapsedSeconds,
    long diskBytes,
    double writeAmplification,
    long maxLevel0Files,
    long stallMicros,
    long stallCount,
    long peakRssBytes,
    long peakHeapBytes,
    boolean forked,
    Map<String, String> configuration) {

  public BenchResult {
    Objects.requireNonNull(valueKind, "valueKind");
    Objects.requireNonNull(cache, "cache");
    configuration = Collections.unmodifiableMap(new LinkedHashMap<>(configuration));
  }

  /**
   * Aggregates the runs of one phase; {@code runs} share engine, label, thread count, value size
   * and whether a page-cache drop was asked for. Figures
   * of the whole run (elapsed time, disk bytes, write amplification, stalls) come from the median
   * run by throughput; memory peaks and the level-0 peak are the largest over all runs.
   */
  static BenchResult aggregate(
      String engine, List<Measurement> runs, long num, int keySize, int valueSize,
      ValueKind valueKind, boolean forked, Map<String, String> configuration) {
    List<Double> rates = new ArrayList<>();
    double[] rateArray = new double[runs.size()];
    double[] mib = new double[runs.size()];
    Histogram all = new Histogram(3);
    long rss = 0;
    long heap = 0;
    long level0 = -1;
    CacheState cache = runs.get(0).cache();
    for (int i = 0; i < runs.size(); i++) {
      Measurement m = runs.get(i);
      cache = CacheState.combine(cache, m.cache());
      rates.add(m.opsPerSecond());
      rateArray[i] = m.opsPerSecond();
      mib[i] = ResultMath.mibPerSecond(m.bytes(), m.elapsedNanos());
      all.add(m.latencyNanos());
      rss = Math.max(rss, m.peakRssBytes());
      heap = Math.max(heap, m.peakHeapBytes());
      if (m.maxLevel0Files().isPresent()) {
        level0 = Math.max(level0, m.maxLevel0Files().getAsInt());
      }
    }
    Measurement med = runs.get(ResultMath.medianIndex(rates));
    OptionalDouble wa = med.writeAmplification();
    WriteStalls stalls = med.writeStalls().orElse(new WriteStalls(-1, -1));
    return new BenchResult(
        engine, med.label(), med.threads(), num, keySize, valueSize, valueKind, cache,
        runs.size(), med.ops(),
        med.found(), med.expectedFound(), ResultMath.median(rateArray),
        rates.stream().mapToDouble(Double::doubleValue).min().orElse(0),
        rates.stream().mapToDouble(Double::doubleValue).max().orElse(0),
        ResultMath.spreadPercent(rateArray), ResultMath.median(mib),
        ResultMath.percentileMicros(all, 50), ResultMath.percentileMicros(all, 99),
        ResultMath.percentileMicros(all, 99.9), all.getMaxValue() / 1000.0,
        med.elapsedNanos() / 1e9, med.diskBytes(), wa.isPresent() ? wa.getAsDouble() : Double.NaN,
        level0, stalls.stallMicros(), stalls.stalls(), rss, heap, forked, configuration);
  }

  /** The fields as a JSON-ready map, NaN and unknown counts (-1) as null. */
  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("engine", engine);
    m.put("workload", workload);
    m.put("threads", threads);
    m.put("num", num);
    m.put("keySize", keySize);
    m.put("valueSize", valueSize);
    m.put("valueKind", valueKind.id());
    m.put("cache", cache.label());
    m.put("repeats", repeats);
    m.put("ops", ops);
    m.put("found", found);
    m.put("expectedFound", expectedFound);
    m.put("opsPerSec", finite(opsPerSec));
    m.put("opsPerSecMin", finite(opsPerSecMin));
    m.put("opsPerSecMax", finite(opsPerSecMax));
    m.put("spreadPercent", finite(spreadPercent));
    m.put("mibPerSec", finite(mibPerSec));
    m.put("p50Micros", p50Micros);
    m.put("p99Micros", p99Micros);
    m.put("p999Micros", p999Micros);
    m.put("maxMicros", maxMicros);
    m.put("elapsedSeconds", elapsedSeconds);
    m.put("diskBytes", diskBytes);
    m.put("writeAmplification", finite(writeAmplification));
    m.put("maxLevel0Files", known(maxLevel0Files));
    m.put("stallMicros", known(stallMicros));
    m.put("stallCount", known(stallCount));
    m.put("peakRssBytes", peakRssBytes);
    m.put("peakHeapBytes", peakHeapBytes);
    m.put("forked", forked);
    m.put("configuration", new LinkedHashMap<>(configuration));
    return m;
  }

  /**
   * The inverse of {@link #toMap()}. A line written before value kinds and the page-cache column
   * existed reads back as {@code half} and {@code warm}, which is what it measured.
   */
  @SuppressWarnings("unchecked")
  public static BenchResult fromMap(Map<String, Object> m) {
    Map<String, String> config = new LinkedHashMap<>();
    Object c = m.get("configuration");
    if (c instanceof Map) {
      ((Map<String, Object>) c).forEach((k, v) -> config.put(k, String.valueOf(v)));
    }
    return new BenchResult(
        (String) m.get("engine"), (String) m.get("workload"), asInt(m, "threads"),
        asLong(m, "num"), asInt(m, "keySize"), asInt(m, "valueSize"),
        m.get("valueKind") == null ? ValueKind.HALF : ValueKind.parse((String) m.get("valueKind")),
        CacheState.parse((String) m.get("cache")), asInt(m, "repeats"),
        asLong(m, "ops"), asLong(m, "found"), asLong(m, "expectedFound"),
        asDouble(m, "opsPerSec"), asDouble(m, "opsPerSecMin"), asDouble(m, "opsPerSecMax"),
        asDouble(m, "spreadPercent"), asDouble(m, "mibPerSec"), asDouble(m, "p50Micros"),
        asDouble(m, "p99Micros"), asDouble(m, "p999Micros"), asDouble(m, "maxMicros"),
        asDouble(m, "elapsedSeconds"), asLong(m, "diskBytes"), asDouble(m, "writeAmplification"),
        asCount(m, "maxLevel0Files"), asCount(m, "stallMicros"), asCount(m, "stallCount"),
        asLong(m, "peakRssBytes"), asLong(m, "peakHeapBytes"),
        Boolean.TRUE.equals(m.get("forked")), config);
  }

  private static Object finite(double v) {
    return Double.isFinite(v) ? v : null;
  }

  private static Object known(long count) {
    return count >= 0 ? count : null;
  }

  private static int asInt(Map<String, Object> m, String k) {
    return ((Number) m.get(k)).intValue();
  }

  private static long asLong(Map<String, Object> m, String k) {
    return ((Number) m.get(k)).longValue();
  }

  /** A count that may be null (unknown, or absent from lines of older versions) as -1. */
  private static long asCount(Map<String, Object> m, String k) {
    Object v = m.get(k);
    return v == null ? -1 : ((Number) v).longValue();
  }

  private static double asDouble(Map<String, Object> m, String k) {
    Object v = m.get(k);
    return v == null ? Double.NaN : ((Number) v).doubleValue();
  }
}
