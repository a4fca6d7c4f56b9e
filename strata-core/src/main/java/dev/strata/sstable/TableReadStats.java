package dev.strata.sstable;

import dev.strata.Ticker;
import dev.strata.stats.StatsRecorder;

/**
 * Where a database's table readers count their lookups: bloom probes, data-block cache hits,
 * misses and adds, and tables opened. One per database. A database with a block cache of its own
 * reads its cache figures from the cache's counters (which count the same lookups: only data
 * blocks are cached), so that a get updates one shared counter fewer; one sharing a cache with
 * others ({@code Options.blockCache}) counts its own here. Thread-safe: it records into a {@link
 * StatsRecorder}'s striped counters.
 */
public final class TableReadStats {
  /** Counts nothing, for tools and tests that open tables outside a database. */
  public static final TableReadStats NONE = new TableReadStats(null, false);

  private final StatsRecorder recorder;

  /** Whether block-cache hits, misses and adds are counted here (the cache is shared). */
  private final boolean countsCache;

  /**
   * @param countsCache whether to count block-cache hits, misses and adds: false when the
   *     recorder reads them from a cache of the database's own ({@link StatsRecorder#source})
   */
  public TableReadStats(StatsRecorder recorder, boolean countsCache) {
    this.recorder = recorder;
    this.countsCache = countsCache && recorder != null;
  }

  void bloomProbe(boolean useful) {
    if (recorder != null) {
      recorder.bloomProbe(useful);
    }
  }

  void prefixProbe(boolean useful) {
    if (recorder != null) {
      recorder.increment(Ticker.BLOOM_PREFIX_CHECKED);
      if (useful) {
        recorder.increment(Ticker.BLOOM_PREFIX_USEFUL);
      }
    }
  }

  void blockCacheHit() {
    if (countsCache) {
      recorder.increment(Ticker.BLOCK_CACHE_DATA_HIT);
    }
  }

  void blockCacheMiss() {
    if (countsCache) {
      recorder.increment(Ticker.BLOCK_CACHE_DATA_MISS);
    }
  }

  void blockCacheAdd() {
    if (countsCache) {
      recorder.increment(Ticker.BLOCK_CACHE_DATA_ADD);
    }
  }

  void tableOpened() {
    if (recorder != null) {
      recorder.increment(Ticker.FILES_OPENED);
    }
  }
}
