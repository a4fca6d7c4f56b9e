package dev.strata.stats;

import dev.strata.HistogramData;
import dev.strata.HistogramType;
import dev.strata.Statistics;
import dev.strata.StatisticsLevel;
import dev.strata.Ticker;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * One database's {@link Statistics}: a {@link LongAdder} per {@link Ticker} and, at {@link
 * StatisticsLevel#ALL}, a {@link LogHistogram} per {@link HistogramType}. At {@link
 * StatisticsLevel#OFF} only the adders the engine holds directly ({@link #adder}, the figures of
 * {@code strata.stats}) count. The engine's pieces
 * record into it from any thread; recording takes no lock and never allocates (beyond an adder's
 * cells on first contention).
 *
 * <p>Thread-safe. A few tickers are not counted here but read from where they are already kept
 * ({@link #source}), such as the block cache's evictions: set once by the owner before the
 * database reaches other threads.
 */
public final class StatsRecorder implements Statistics {
  private static final Ticker[] TICKERS = Ticker.values();
  private static final HistogramType[] HISTOGRAMS = HistogramType.values();

  private final StatisticsLevel level;

  /** False at {@link StatisticsLevel#OFF}: {@link #increment}, {@link #add} and the rest do nothing. */
  private final boolean counting;
  private final LongAdder[] tickers = new LongAdder[TICKERS.length];

  /** Null entries at {@link StatisticsLevel#TICKERS_ONLY}. */
  private final LogHistogram[] histograms = new LogHistogram[HISTOGRAMS.length];

  /** Bloom probes that passed; {@link Ticker#BLOOM_CHECKED} adds {@link Ticker#BLOOM_USEFUL}. */
  private final LongAdder bloomPositive = new LongAdder();

  /**
   * Tickers read from elsewhere rather than counted here; written once by the owner before the
   * database is shared (a plain array publishes through the database's safe publication).
   */
  private final LongSupplier[] sources = new LongSupplier[TICKERS.length];

  public StatsRecorder(StatisticsLevel level) {
    this.level = level;
    this.counting = level != StatisticsLevel.OFF;
    for (int i = 0; i < tickers.length; i++) {
      tickers[i] = new LongAdder();
    }
    if (level == StatisticsLevel.ALL) {
      for (int i = 0; i < histograms.length; i++) {
        histograms[i] = new LogHistogram();
      }
    }
  }

  /** A recorder at {@link StatisticsLevel#ALL}, for tools and tests that need one. */
  public static StatsRecorder all() {
    return new StatsRecorder(StatisticsLevel.ALL);
  }

  /** The adder behind {@code t}, for code that keeps a reference to bump it. */
  public LongAdder adder(Ticker t) {
    return tickers[t.ordinal()];
  }

  public void increment(Ticker t) {
    if (counting) {
      tickers[t.ordinal()].increment();
    }
  }

  public void add(Ticker t, long n) {
    if (counting) {
      tickers[t.ordinal()].add(n);
    }
  }

  /** Counts one bloom probe of a point lookup: useful if it ruled the table out. */
  public void bloomProbe(boolean useful) {
    if (!counting) {
      return;
    }
    if (useful) {
      tickers[Ticker.BLOOM_USEFUL.ordinal()].increment();
    } else {
      bloomPositive.increment();
    }
  }

  /** Reads {@code t} from {@code source} instead of counting it; before the database is shared. */
  public void source(Ticker t, LongSupplier source) {
    sources[t.ordinal()] = source;
  }

  /** Whether histograms are kept: callers read the clock only when this holds. */
  public boolean timed() {
    return level == StatisticsLevel.ALL;
  }

  /** Records {@code value} into {@code h}; nothing at {@link StatisticsLevel#TICKERS_ONLY}. */
  public void record(HistogramType h, long value) {
    LogHistogram hist = histograms[h.ordinal()];
    if (hist != null) {
      hist.record(value);
    }
  }

  /** {@link System#nanoTime()} when histograms are kept, else 0 (no clock read). */
  public long startTimer() {
    return level == StatisticsLevel.ALL ? System.nanoTime() : 0;
  }

  /** Records the time since {@code start} (from {@link #startTimer}) into {@code h}. */
  public void stopTimer(HistogramType h, long start) {
    LogHistogram hist = histograms[h.ordinal()];
    if (hist != null) {
      hist.record(System.nanoTime() - start);
    }
  }

  @Override
  public StatisticsLevel level() {
    return level;
  }

  @Override
  public long tickerCount(Ticker t) {
    LongSupplier source = sources[t.ordinal()];
    if (source != null) {
      return source.getAsLong();
    }
    if (t == Ticker.BLOOM_CHECKED) {
      return bloomPositive.sum() + tickers[Ticker.BLOOM_USEFUL.ordinal()].sum();
    }
    return tickers[t.ordinal()].sum();
  }

  @Override
  public HistogramData histogram(HistogramType type) {
    LogHistogram h = histograms[type.ordinal()];
    return h == null ? HistogramData.EMPTY : h.snapshot();
  }

  @Override
  public Map<Ticker, Long> tickers() {
    Map<Ticker, Long> m = new EnumMap<>(Ticker.class);
    for (Ticker t : TICKERS) {
      m.put(t, tickerCount(t));
    }
    return Collections.unmodifiableMap(m);
  }

  @Override
  public Map<HistogramType, HistogramData> histograms() {
    Map<HistogramType, HistogramData> m = new EnumMap<>(HistogramType.class);
    if (level == StatisticsLevel.ALL) {
      for (HistogramType h : HISTOGRAMS) {
        m.put(h, histogram(h));
      }
    }
    return Collections.unmodifiableMap(m);
  }

  @Override
  public String dump() {
    StringBuilder sb = new StringBuilder();
    for (Map.Entry<Ticker, Long> e : tickers().entrySet()) {
      sb.append(e.getKey().statName()).append(" COUNT : ").append(e.getValue()).append('\n');
    }
    for (Map.Entry<HistogramType, HistogramData> e : histograms().entrySet()) {
      HistogramData d = e.getValue();
      sb.append(
          String.format(
              Locale.ROOT,
              "%s P50 : %.1f P95 : %.1f P99 : %.1f P99.9 : %.1f MAX : %d COUNT : %d SUM : %d%n",
              e.getKey().statName(),
              d.p50(),
              d.p95(),
              d.p99(),
              d.p999(),
              d.max(),
              d.count(),
              d.sum()));
    }
    return sb.toString();
  }

  @Override
  public String toString() {
    return dump();
  }
}
