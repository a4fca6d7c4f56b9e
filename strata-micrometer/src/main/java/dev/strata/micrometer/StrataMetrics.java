package dev.strata.micrometer;

import dev.strata.HistogramData;
import dev.strata.HistogramType;
import dev.strata.Statistics;
import dev.strata.StrataDB;
import dev.strata.Ticker;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * Binds the metrics of one or many open Strata databases to a Micrometer {@link MeterRegistry},
 * each tagged {@code db=<name>} (plus any common tags given):
 *
 * <ul>
 *   <li>every {@link Ticker} as a function counter named by its {@link Ticker#statName()} ({@code
 *       strata.keys.written}); the nanosecond tickers ({@code strata.stall.nanos}, ...) in
 *       seconds, named {@code ....seconds};
 *   <li>every latency {@link HistogramType} as a function timer ({@code strata.get}: count and
 *       total time) and a gauge per quantile ({@code strata.get.percentile}, tag {@code quantile}
 *       0.5, 0.95, 0.99, 0.999 and {@code max}), in seconds; the other histograms ({@code
 *       strata.bytes.per.read}, {@code strata.commit.group.size}) as a count, a sum and the same
 *       quantile gauges;
 *   <li>gauges of the database's state: {@code strata.level.files} and {@code strata.level.bytes}
 *       per {@code level}, {@code strata.memtable.bytes}, {@code strata.block.cache.usage}, {@code
 *       strata.block.cache.capacity}, {@code strata.pending.compaction.bytes}, {@code
 *       strata.stall.condition} (0 normal, 1 delayed, 2 stopped). The level, memtable and pending
 *       compaction gauges sum every column family ({@link StrataDB#getAggregatedLongProperty}).
 * </ul>
 *
 * <p>Meters read the database when the registry reads them: nothing is sampled or kept here.
 * After a database closes, its counters keep their last values and its state gauges read NaN;
 * remove its meters from the registry if it will not reopen. The meters hold the database
 * strongly. Not thread-safe while being built; {@link #bindTo} may run on any thread.
 */
public final class StrataMetrics implements MeterBinder {
  private static final int LEVELS = 7;
  private static final double[] QUANTILES = {0.5, 0.95, 0.99, 0.999};

  private final Map<String, StrataDB> dbs = new LinkedHashMap<>();
  private final Iterable<Tag> tags;

  /** A binder of no database yet and no common tags; add databases with {@link #add}. */
  public StrataMetrics() {
    this(Tags.empty());
  }

  /** A binder whose meters all carry {@code tags} besides {@code db}. */
  public StrataMetrics(Iterable<Tag> tags) {
    this.tags = Objects.requireNonNull(tags, "tags");
  }

  /** A binder of one database, tagged {@code db=name}. */
  public static StrataMetrics of(String name, StrataDB db) {
    return new StrataMetrics().add(name, db);
  }

  /**
   * Adds a database, tagged {@code db=name}.
   *
   * @throws IllegalArgumentException if a database of that name was added already
   */
  public StrataMetrics add(String name, StrataDB db) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(db, "db");
    if (dbs.putIfAbsent(name, db) != null) {
      throw new IllegalArgumentException("a database named " + name + " was added already");
    }
    return this;
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    for (Map.Entry<String, StrataDB> e : dbs.entrySet()) {
      Tags dbTags = Tags.concat(tags, "db", e.getKey());
      StrataDB db = e.getValue();
      bindTickers(registry, db.getStatistics(), dbTags);
      bindHistograms(registry, db.getStatistics(), dbTags);
      bindState(registry, db, dbTags);
    }
  }

  private static void bindTickers(MeterRegistry registry, Statistics stats, Tags tags) {
    for (Ticker t : Ticker.values()) {
      String name = t.statName();
      if (name.endsWith(".nanos")) {
        FunctionCounter.builder(
                name.substring(0, name.length() - ".nanos".length()) + ".seconds",
                stats,
                s -> s.tickerCount(t) / 1e9)
            .baseUnit("seconds")
            .tags(tags)
            .register(registry);
      } else {
        FunctionCounter.builder(name, stats, s -> s.tickerCount(t)).tags(tags).register(registry);
      }
    }
  }

  private static void bindHistograms(MeterRegistry registry, Statistics stats, Tags tags) {
    for (HistogramType h : HistogramType.values()) {
      boolean nanos = h.unit().equals("nanoseconds");
      String base =
          nanos ? h.statName().substring(0, h.statName().length() - ".nanos".length()) : h.statName();
      double scale = nanos ? 1e-9 : 1;
      if (nanos) {
        FunctionTimer.builder(
                base,
                stats,
                s -> s.histogram(h).count(),
                s -> s.histogram(h).sum(),
                TimeUnit.NANOSECONDS)
            .tags(tags)
            .register(registry);
      } else {
        FunctionCounter.builder(base + ".count", stats, s -> s.histogram(h).count())
            .tags(tags)
            .register(registry);
        FunctionCounter.builder(base + ".sum", stats, s -> s.histogram(h).sum())
            .baseUnit(h.unit())
            .tags(tags)
            .register(registry);
      }
      for (double q : QUANTILES) {
        quantileGauge(registry, stats, h, base, Double.toString(q), scale, tags, d -> value(d, q));
      }
      quantileGauge(registry, stats, h, base, "max", scale, tags, HistogramData::max);
    }
  }

  private static double value(HistogramData d, double q) {
    if (q == 0.5) {
      return d.p50();
    }
    if (q == 0.95) {
      return d.p95();
    }
    if (q == 0.99) {
      return d.p99();
    }
    return d.p999();
  }

  private static void quantileGauge(
      MeterRegistry registry,
      Statistics stats,
      HistogramType h,
      String base,
      String quantile,
      double scale,
      Tags tags,
      ToDoubleFunction<HistogramData> f) {
    Gauge.builder(base + ".percentile", stats, s -> f.applyAsDouble(s.histogram(h)) * scale)
        .baseUnit(scale == 1 ? h.unit() : "seconds")
        .tags(tags.and("quantile", quantile))
        .register(registry);
  }

  private static void bindState(MeterRegistry registry, StrataDB db, Tags tags) {
    for (int i = 0; i < LEVELS; i++) {
      String level = Integer.toString(i);
      gauge(registry, "strata.level.files", db, "strata.num-files-at-level" + i, null, tags.and("level", level));
      gauge(registry, "strata.level.bytes", db, "strata.level-bytes" + i, "bytes", tags.and("level", level));
    }
    gauge(registry, "strata.memtable.bytes", db, "strata.memtable-bytes", "bytes", tags);
    gauge(registry, "strata.block.cache.usage", db, "strata.block-cache-usage", "bytes", tags);
    gauge(registry, "strata.block.cache.capacity", db, "strata.block-cache-capacity", "bytes", tags);
    gauge(
        registry,
        "strata.pending.compaction.bytes",
        db,
        "strata.estimate-pending-compaction-bytes",
        "bytes",
        tags);
    Gauge.builder("strata.stall.condition", db, StrataMetrics::stallCondition)
        .description("0 normal, 1 delayed, 2 stopped")
        .tags(tags)
        .register(registry);
  }

  private static void gauge(
      MeterRegistry registry, String name, StrataDB db, String property, String unit, Tags tags) {
    Gauge.builder(name, db, d -> numericProperty(d, property))
        .baseUnit(unit)
        .tags(tags)
        .register(registry);
  }

  /**
   * The property of the whole database (summed over its column families if it is per family), or
   * NaN once the database is closed.
   */
  private static double numericProperty(StrataDB db, String property) {
    try {
      return db.getAggregatedLongProperty(property);
    } catch (RuntimeException closed) {
      return Double.NaN;
    }
  }

  private static double stallCondition(StrataDB db) {
    try {
      switch (db.getProperty("strata.stall-condition")) {
        case "NORMAL":
          return 0;
        case "DELAYED":
          return 1;
        default:
          return 2;
      }
    } catch (RuntimeException closed) {
      return Double.NaN;
    }
  }
}
