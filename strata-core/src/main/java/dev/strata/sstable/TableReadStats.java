package dev.strata.sstable;

import dev.strata.Ticker;
import dev.strata.stats.StatsRecorder;

/**
 * Where a database's table readers count their lookups: bloom probes, data-block cache hits,
 * misses and adds, and tables opened. One per database (a block cache may be shared by several,
 * and these figures are the database's own). Thread-safe: it records into a {@link
 * StatsRecorder}'s striped counters.
 */
public final class TableReadStats {
  /** Counts nothing, for tools and tests that open tables outside a database. */
  public static final TableReadStats NONE = new TableReadStats(null);

  private final StatsRecorder recorder;

  public TableReadStats(StatsRecorder recorder) {
    this.recorder = recorder;
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
    if (recorder != null) {
      recorder.increment(Ticker.BLOCK_CACHE_DATA_HIT);
    }
  }

  void blockCacheMiss() {
    if (recorder != null) {
      recorder.increment(Ticker.BLOCK_CACHE_DATA_MISS);
    }
  }

  void blockCacheAdd() {
    if (recorder != null) {
      recorder.increment(Ticker.BLOCK_CACHE_DATA_ADD);
    }
  }

  void tableOpened() {
    if (recorder != null) {
      recorder.increment(Ticker.FILES_OPENED);
    }
  }
}
