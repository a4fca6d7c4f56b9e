package dev.strata;

/** How much {@link Statistics} a database keeps; see {@link Options.Builder#statisticsLevel}. */
public enum StatisticsLevel {
  /**
   * Neither histograms nor the tickers added for {@link Statistics}: only the counters the engine
   * keeps for {@code strata.stats} anyway (bytes and keys written, gets, memtable hits, WAL, flush,
   * stall and compaction figures) still count. For measuring what statistics cost.
   */
  OFF,
  /** Tickers only: no clock is read on the read and write paths for statistics. */
  TICKERS_ONLY,
  /** Tickers and every {@link HistogramType} (the default). */
  ALL
}
