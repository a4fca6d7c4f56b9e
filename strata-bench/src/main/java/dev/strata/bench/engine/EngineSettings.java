package dev.strata.bench.engine;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The comparable configuration every engine is opened with: memtable (write buffer) 64 MiB, bloom
 * filter 10 bits per key, block cache 64 MiB, LZ4 where the engine has it, write-ahead log on
 * without an fsync per write, two background threads. Each may be overridden for all engines by
 * the common keys of {@code --engine-options}. Immutable.
 *
 * @param memtableBytes write buffer size
 * @param bloomBitsPerKey bloom filter bits per key, 0 for none
 * @param blockCacheBytes block cache capacity
 * @param compression preferred compression: {@code lz4}, {@code snappy}, {@code zstd} or {@code
 *     none}; an engine without it says what it used instead
 * @param backgroundThreads threads for flushes and compactions
 * @param datasetBytes key and value bytes the run will hold ({@code --num} x (key + value size)), 0
 *     if unknown: a sizing hint for an engine that must fix its file size when it opens (LMDB's
 *     map), not a setting of its own, so it has no option key
 */
public record EngineSettings(
    long memtableBytes,
    int bloomBitsPerKey,
    long blockCacheBytes,
    String compression,
    int backgroundThreads,
    long datasetBytes) {

  /** Option keys every engine accepts, mapping onto the fields of this record. */
  public static final Set<String> COMMON_KEYS =
      Set.of("memtable-mb", "bloom-bits", "cache-mb", "compression", "background-threads");

  public static EngineSettings defaults() {
    return new EngineSettings(64L << 20, 10, 64L << 20, "lz4", 2, 0);
  }

  /** These settings with the sizing hint {@link #datasetBytes()} set. */
  public EngineSettings withDatasetBytes(long bytes) {
    if (bytes < 0) {
      throw new IllegalArgumentException("datasetBytes must be >= 0, got " + bytes);
    }
    return new EngineSettings(
        memtableBytes, bloomBitsPerKey, blockCacheBytes, compression, backgroundThreads, bytes);
  }

  /**
   * These settings with the common keys of {@code options} applied.
   *
   * @throws IllegalArgumentException if a value is malformed
   */
  public EngineSettings with(Map<String, String> options) {
    EngineSettings s = this;
    for (Map.Entry<String, String> e : options.entrySet()) {
      String v = e.getValue().trim();
      switch (e.getKey()) {
        case "memtable-mb":
          s = new EngineSettings(
              mib(e.getKey(), v), s.bloomBitsPerKey, s.blockCacheBytes, s.compression,
              s.backgroundThreads, s.datasetBytes);
          break;
        case "bloom-bits":
          s = new EngineSettings(
              s.memtableBytes, intAtLeast(e.getKey(), v, 0), s.blockCacheBytes, s.compression,
              s.backgroundThreads, s.datasetBytes);
          break;
        case "cache-mb":
          s = new EngineSettings(
              s.memtableBytes, s.bloomBitsPerKey, mib(e.getKey(), v), s.compression,
              s.backgroundThreads, s.datasetBytes);
          break;
        case "compression":
          s = new EngineSettings(
              s.memtableBytes, s.bloomBitsPerKey, s.blockCacheBytes, compression(v),
              s.backgroundThreads, s.datasetBytes);
          break;
        case "background-threads":
          s = new EngineSettings(
              s.memtableBytes, s.bloomBitsPerKey, s.blockCacheBytes, s.compression,
              intAtLeast(e.getKey(), v, 1), s.datasetBytes);
          break;
        default:
          break;
      }
    }
    return s;
  }

  /** The settings as printed with results. */
  public Map<String, String> describe() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("memtable", mibText(memtableBytes));
    m.put("bloom-bits", Integer.toString(bloomBitsPerKey));
    m.put("block-cache", mibText(blockCacheBytes));
    m.put("compression", compression);
    m.put("background-threads", Integer.toString(backgroundThreads));
    m.put("wal", "on, no fsync per write");
    return m;
  }

  static String mibText(long bytes) {
    if (bytes % (1L << 20) == 0) {
      return (bytes >> 20) + " MiB";
    }
    return bytes + " B";
  }

  private static long mib(String key, String v) {
    return (long) intAtLeast(key, v, 1) << 20;
  }

  /**
   * {@code v} as an int of at least {@code min}, for common and engine option values.
   *
   * @throws IllegalArgumentException naming {@code key} if {@code v} is malformed or too small
   */
  static int intAtLeast(String key, String v, int min) {
    int n;
    try {
      n = Integer.parseInt(v);
    } catch (NumberFormatException ex) {
      throw new IllegalArgumentException(key + " must be an integer, got '" + v + "'", ex);
    }
    if (n < min) {
      throw new IllegalArgumentException(key + " must be >= " + min + ", got " + n);
    }
    return n;
  }

  private static String compression(String v) {
    String c = v.toLowerCase(Locale.ROOT);
    if (!Set.of("lz4", "snappy", "zstd", "none").contains(c)) {
      throw new IllegalArgumentException(
          "compression must be one of lz4, snappy, zstd, none, got '" + v + "'");
    }
    return c;
  }
}
