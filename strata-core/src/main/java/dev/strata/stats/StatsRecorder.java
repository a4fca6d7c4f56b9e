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
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
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

  /** Calls of a hot path per timed call ({@link #startSampledTimer}); a power of two. */
  public static final int LATENCY_SAMPLE = 8;

  /**
   * The level now ({@link #setLevel}): at {@link StatisticsLevel#OFF} {@link #increment}, {@link
   * #add} and the rest do nothing, below {@link StatisticsLevel#ALL} nothing is timed or recorded
   * into a histogram. Volatile, so that a change reaches every thread's next call; a call that
   * read the level before a change finishes at that level (a timer started before a change to
   * {@code ALL} records nothing, see {@link #stopTimer}).
   */
  private volatile StatisticsLevel level;

  private final LongAdder[] tickers = new LongAdder[TICKERS.length];

  /**
   * {@link #startSampledTimer} times a call when its random bits under this mask are zero: {@link
   * #LATENCY_SAMPLE} - 1, or 0 (every call) once set by a test before the database is shared.
   */
  private int sampleMask = LATENCY_SAMPLE - 1;

  /** One per type whatever the level, so that {@link #setLevel} can turn them on. */
  private final LogHistogram[] histograms = new LogHistogram[HISTOGRAMS.length];

  /** Bloom probes that passed; {@link Ticker#BLOOM_CHECKED} adds {@link Ticker#BLOOM_USEFUL}. */
  private final LongAdder bloomPositive = new LongAdder();

  /**
   * Tickers read from elsewhere rather than counted here; written once by the owner before the
   * database is shared (a plain array publishes through the database's safe publication).
   */
  private final LongSupplier[] sources = new LongSupplier[TICKERS.length];

  public StatsRecorder(StatisticsLevel level) {
    this.level = Objects.requireNonNull(level, "level must not be null");
    for (int i = 0; i < tickers.length; i++) {
      tickers[i] = new LongAdder();
    }
    for (int i = 0; i < histograms.length; i++) {
      histograms[i] = new LogHistogram();
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
    if (level != StatisticsLevel.OFF) {
      tickers[t.ordinal()].increment();
    }
  }

  public void add(Ticker t, long n) {
    if (level != StatisticsLevel.OFF) {
      tickers[t.ordinal()].add(n);
    }
  }

  /** Counts one bloom probe of a point lookup: useful if it ruled the table out. */
  public void bloomProbe(boolean useful) {
    if (level == StatisticsLevel.OFF) {
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

  /**
   * Counts a get that found a value of {@code bytes}: at {@link StatisticsLevel#ALL} only into
   * {@link HistogramType#BYTES_PER_READ}, whose count and sum then answer for {@link
   * Ticker#KEYS_FOUND} and {@link Ticker#BYTES_READ} (two shared updates fewer per get), below it
   * into those two tickers.
   */
  public void found(int bytes) {
    StatisticsLevel l = level;
    if (l == StatisticsLevel.ALL) {
      histograms[HistogramType.BYTES_PER_READ.ordinal()].record(bytes);
    } else if (l == StatisticsLevel.TICKERS_ONLY) {
      tickers[Ticker.KEYS_FOUND.ordinal()].increment();
      tickers[Ticker.BYTES_READ.ordinal()].add(bytes);
    }
  }

  /** Records {@code value} into {@code h}; nothing below {@link StatisticsLevel#ALL}. */
  public void record(HistogramType h, long value) {
    if (level == StatisticsLevel.ALL) {
      histograms[h.ordinal()].record(value);
    }
  }

  /**
   * {@link System#nanoTime()} when histograms are kept, else 0 (no clock read): callers treat a
   * start of 0 as "not timed", since the level may change before they stop.
   */
  public long startTimer() {
    return level == StatisticsLevel.ALL ? System.nanoTime() : 0;
  }

  /**
   * {@link #startTimer} for one call in {@link #samplePeriod()} of a hot path (gets, writes, the
   * commit pipeline's waits), chosen at random per call; 0 for the others. Reading the clock twice
   * costs 80 to 100 ns on the machines measured, 2% to 3% of a get: timing a sample keeps the
   * latency histograms' percentiles and mean (estimates from thousands of calls a second) at an
   * eighth of that cost. {@link #stopSampledTimer} records each timed call for {@link
   * #samplePeriod()} calls, so that counts and sums estimate all calls'.
   */
  public long startSampledTimer() {
    if (level != StatisticsLevel.ALL
        || (ThreadLocalRandom.current().nextInt() & sampleMask) != 0) {
      return 0;
    }
    return System.nanoTime();
  }

  /** One call in this many is timed by {@link #startSampledTimer}; a power of two. */
  public int samplePeriod() {
    return sampleMask + 1;
  }

  /**
   * Makes {@link #startSampledTimer} time every call, for tests that count timed calls exactly;
   * before the database reaches other threads.
   */
  public void timeEveryCallForTesting() {
    sampleMask = 0;
  }

  /**
   * Records the time since {@code start} (from {@link #startTimer}) into {@code h}; nothing if
   * the timer was not started (0).
   */
  public void stopTimer(HistogramType h, long start) {
    stopTimer(h, start, 1);
  }

  /**
   * Records the time since {@code start} into {@code h} for {@code weight} calls, of a call timed
   * as one in {@code weight}; nothing if the timer was not started (0).
   */
  public void stopTimer(HistogramType h, long start, long weight) {
    if (start != 0) {
      histograms[h.ordinal()].record(System.nanoTime() - start, weight);
    }
  }

  /**
   * Records the time since {@code start} (from {@link #startSampledTimer}) into {@code h} for
   * {@link #samplePeriod()} calls; nothing if the call was not timed (0).
   */
  public void stopSampledTimer(HistogramType h, long start) {
    stopTimer(h, start, samplePeriod());
  }

  /** Records {@code nanos} of a call {@link #startSampledTimer} timed, for {@link #samplePeriod()}. */
  public void recordSampled(HistogramType h, long nanos) {
    histograms[h.ordinal()].record(nanos, samplePeriod());
  }

  @Override
  public StatisticsLevel level() {
    return level;
  }

  @Override
  public void setLevel(StatisticsLevel level) {
    this.level = Objects.requireNonNull(level, "level must not be null");
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
    // Gets that found a value count here below ALL and in BYTES_PER_READ at ALL (see found).
    if (t == Ticker.KEYS_FOUND) {
      return tickers[t.ordinal()].sum() + histograms[HistogramType.BYTES_PER_READ.ordinal()].count();
    }
    if (t == Ticker.BYTES_READ) {
      return tickers[t.ordinal()].sum() + histograms[HistogramType.BYTES_PER_READ.ordinal()].sum();
    }
    return tickers[t.ordinal()].sum();
  }

  @Override
  public HistogramData histogram(HistogramType type) {
    return level == StatisticsLevel.ALL
        ? histograms[type.ordinal()].snapshot()
        : HistogramData.EMPTY;
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
