package dev.strata;

import java.util.Map;

/**
 * The live counters and distributions of one open database ({@link StrataDB#getStatistics()}), as
 * RocksDB's {@code Statistics}: {@link Ticker}s count events and bytes since the open, {@link
 * HistogramType}s describe latencies and sizes. Every figure is read without a lock and may lag
 * the work in flight by a few updates; figures read one after the other are not a consistent
 * cut. Thread-safe; reading never blocks the database.
 *
 * <p>The cost is designed to be small enough to leave on: tickers are striped counters ({@link
 * java.util.concurrent.atomic.LongAdder}), histograms are arrays of them (no lock and no
 * allocation when recording). {@link StatisticsLevel#TICKERS_ONLY} drops the histograms and the
 * clock reads they need.
 */
public interface Statistics {
  /** The level the database was opened with. */
  StatisticsLevel level();

  /** The count of {@code ticker} since the open. */
  long tickerCount(Ticker ticker);

  /**
   * A snapshot of {@code type}; {@link HistogramData#EMPTY} at {@link
   * StatisticsLevel#TICKERS_ONLY}.
   */
  HistogramData histogram(HistogramType type);

  /** Every ticker, in declaration order. */
  Map<Ticker, Long> tickers();

  /** Every histogram, in declaration order; empty at {@link StatisticsLevel#TICKERS_ONLY}. */
  Map<HistogramType, HistogramData> histograms();

  /**
   * The statistics as text, one line per ticker ({@code strata.keys.written COUNT : 42}) and
   * histogram ({@code strata.get.nanos P50 : 812.0 P95 : ... COUNT : ... SUM : ...}), the format of
   * RocksDB's {@code Statistics::ToString}.
   */
  String dump();
}
