package dev.strata.observe;

import dev.strata.HistogramData;
import dev.strata.HistogramType;
import dev.strata.Statistics;
import dev.strata.StrataDB;
import dev.strata.StrataDBMXBean;
import dev.strata.Ticker;
import java.lang.ref.WeakReference;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@link StrataDBMXBean} of one database: every attribute reads the database's public API
 * ({@link StrataDB#getAggregatedLongProperty}, {@link StrataDB#getProperty}, {@link Statistics})
 * at the time of the call, so that the level, table and memtable figures sum every column family.
 * Thread-safe; holds no state of its own.
 *
 * <p>It holds the database weakly: the MBean server must not keep alive a database its owner
 * dropped without closing (see {@link JmxRegistration}). Once it is collected, the state
 * attributes and operations throw {@link IllegalStateException}; the statistics stay readable.
 */
public final class DbMXBean implements StrataDBMXBean {
  private static final int LEVELS = 7;

  private final String name;
  private final String directory;
  private final WeakReference<StrataDB> dbRef;
  private final Statistics stats;

  public DbMXBean(String name, String directory, StrataDB db, Statistics stats) {
    this.name = name;
    this.directory = directory;
    this.dbRef = new WeakReference<>(db);
    this.stats = stats;
  }

  private StrataDB db() {
    StrataDB db = dbRef.get();
    if (db == null) {
      throw new IllegalStateException(
          "database " + name + " was garbage-collected without being closed");
    }
    return db;
  }

  @Override
  public String getName() {
    return name;
  }

  @Override
  public String getDirectory() {
    return directory;
  }

  @Override
  public int[] getLevelFileCounts() {
    int[] n = new int[LEVELS];
    for (int i = 0; i < LEVELS; i++) {
      n[i] = (int) db().getAggregatedLongProperty("strata.num-files-at-level" + i);
    }
    return n;
  }

  @Override
  public long[] getLevelBytes() {
    long[] n = new long[LEVELS];
    for (int i = 0; i < LEVELS; i++) {
      n[i] = db().getAggregatedLongProperty("strata.level-bytes" + i);
    }
    return n;
  }

  @Override
  public long getTotalTableBytes() {
    return longProperty("strata.total-sst-bytes");
  }

  @Override
  public long getMemtableBytes() {
    return longProperty("strata.memtable-bytes");
  }

  @Override
  public long getBlockCacheUsage() {
    return longProperty("strata.block-cache-usage");
  }

  @Override
  public long getBlockCacheCapacity() {
    return longProperty("strata.block-cache-capacity");
  }

  @Override
  public double getBlockCacheHitRatio() {
    long hits = stats.tickerCount(Ticker.BLOCK_CACHE_DATA_HIT);
    long lookups = hits + stats.tickerCount(Ticker.BLOCK_CACHE_DATA_MISS);
    return lookups == 0 ? 0 : (double) hits / lookups;
  }

  @Override
  public long getPendingCompactionBytes() {
    return longProperty("strata.estimate-pending-compaction-bytes");
  }

  @Override
  public boolean isCompactionPending() {
    return db().getAggregatedLongProperty("strata.compaction-pending") > 0;
  }

  @Override
  public String getStallCondition() {
    return db().getProperty("strata.stall-condition");
  }

  @Override
  public long getKeysWritten() {
    return stats.tickerCount(Ticker.KEYS_WRITTEN);
  }

  @Override
  public long getKeysRead() {
    return stats.tickerCount(Ticker.KEYS_READ);
  }

  @Override
  public long getBytesWritten() {
    return stats.tickerCount(Ticker.BYTES_WRITTEN);
  }

  @Override
  public long getBytesRead() {
    return stats.tickerCount(Ticker.BYTES_READ);
  }

  @Override
  public long getStallCount() {
    return stats.tickerCount(Ticker.STALLS);
  }

  @Override
  public long getStallMicros() {
    return stats.tickerCount(Ticker.STALL_NANOS) / 1000;
  }

  @Override
  public long getFlushCount() {
    return stats.tickerCount(Ticker.FLUSHES);
  }

  @Override
  public long getCompactionCount() {
    return stats.tickerCount(Ticker.COMPACTIONS);
  }

  @Override
  public double getWriteAmplification() {
    return Double.parseDouble(db().getProperty("strata.write-amplification"));
  }

  @Override
  public Map<String, Long> getTickers() {
    Map<String, Long> m = new LinkedHashMap<>();
    for (Map.Entry<Ticker, Long> e : stats.tickers().entrySet()) {
      m.put(e.getKey().statName(), e.getValue());
    }
    return m;
  }

  @Override
  public Map<String, Double> getHistograms() {
    Map<String, Double> m = new LinkedHashMap<>();
    for (Map.Entry<HistogramType, HistogramData> e : stats.histograms().entrySet()) {
      String n = e.getKey().statName();
      HistogramData h = e.getValue();
      m.put(n + ".count", (double) h.count());
      m.put(n + ".mean", h.mean());
      m.put(n + ".p50", h.p50());
      m.put(n + ".p95", h.p95());
      m.put(n + ".p99", h.p99());
      m.put(n + ".p999", h.p999());
      m.put(n + ".max", (double) h.max());
    }
    return m;
  }

  @Override
  public String getStatsText() {
    return db().getProperty("strata.stats");
  }

  @Override
  public void flush() {
    db().flush();
  }

  @Override
  public void compactRange() {
    db().compactRange(null, null);
  }

  @Override
  public String getProperty(String property) {
    return db().getProperty(property);
  }

  /** The property of the whole database: summed over the column families if it is per family. */
  private long longProperty(String property) {
    return db().getAggregatedLongProperty(property);
  }
}
