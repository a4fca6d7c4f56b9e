package dev.strata;

/** How much {@link Statistics} a database keeps; see {@link Options.Builder#statisticsLevel}. */
public enum StatisticsLevel {
  /** Tickers only: no clock is read on the read and write paths for statistics. */
  TICKERS_ONLY,
  /** Tickers and every {@link HistogramType} (the default). */
  ALL
}
