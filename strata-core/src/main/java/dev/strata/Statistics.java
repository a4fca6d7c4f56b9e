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
 * allocation when recording), and the latencies of gets and writes are timed on one call in 8
 * ({@link HistogramType#GET_NANOS}). {@link StatisticsLevel#TICKERS_ONLY} drops the histograms and
 * the clock reads they need.
 */
public interface Statistics {
  /** The level now: the one the database was opened with, or the last {@link #setLevel}. */
  StatisticsLevel level();

  /**
   * Changes the level from the next call on, as RocksDB's {@code set_stats_level}: turns the
   * histograms (and their clock reads) on to diagnose a running database and off again, or stops
   * the tickers, without reopening. What was counted stays; tickers do not count while {@link
   * StatisticsLevel#OFF} (the figures of {@code strata.stats} and the properties count at every
   * level), and histograms record only while {@link StatisticsLevel#ALL} and read back as {@link
   * HistogramData#EMPTY} below it.
   *
   * @throws NullPointerException if {@code level} is null
   */
  void setLevel(StatisticsLevel level);

  /** The count of {@code ticker} since the open. */
  long tickerCount(Ticker ticker);

  /**
   * A snapshot of {@code type}; {@link HistogramData#EMPTY} below {@link StatisticsLevel#ALL}.
   */
  HistogramData histogram(HistogramType type);

  /** Every ticker, in declaration order. */
  Map<Ticker, Long> tickers();

  /** Every histogram, in declaration order; empty below {@link StatisticsLevel#ALL}. */
  Map<HistogramType, HistogramData> histograms();

  /**
   * The statistics as text, one line per ticker ({@code strata.keys.written COUNT : 42}) and
   * histogram ({@code strata.get.nanos P50 : 812.0 P95 : ... COUNT : ... SUM : ...}), the format of
   * RocksDB's {@code Statistics::ToString}.
   */
  String dump();
}
