package dev.strata.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.strata.ColumnFamilyHandle;
import dev.strata.ColumnFamilyOptions;
import dev.strata.Options;
import dev.strata.StrataDB;
import dev.strata.testing.FaultInjectionFileSystem;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The binder's meters follow each database's work, told apart by the {@code db} tag; and a
 * Prometheus scrape, parsed line by line, holds the same figures.
 */
class StrataMetricsTest {
  /**
   * A database that times every get and write, not one in 8 (an engine hook for tests), so that
   * the timers' counts are exact.
   */
  private static StrataDB open(String dir) {
    StrataDB db =
        StrataDB.open(
            Path.of(dir),
            Options.builder()
                .fileSystem(new FaultInjectionFileSystem(1))
                .jmx(false)
                .backgroundCompaction(false)
                .build());
    ((dev.strata.engine.DbImpl) db).timeEveryCallForTesting();
    return db;
  }

  private static byte[] key(int i) {
    return String.format("key%06d", i).getBytes(StandardCharsets.UTF_8);
  }

  private static void work(StrataDB db, int puts, int gets) {
    for (int i = 0; i < puts; i++) {
      db.put(key(i), new byte[100]);
    }
    for (int i = 0; i < gets; i++) {
      db.get(key(i));
    }
  }

  @Test
  void simpleRegistry_countersTimersAndGauges_perDatabase() {
    try (StrataDB a = open("/a");
        StrataDB b = open("/b")) {
      SimpleMeterRegistry registry = new SimpleMeterRegistry();
      new StrataMetrics(Tags.of("app", "test")).add("a", a).add("b", b).bindTo(registry);
      work(a, 30, 10);
      work(b, 5, 0);
      a.flush();

      assertThat(registry.get("strata.keys.written").tags("db", "a", "app", "test").functionCounter().count())
          .isEqualTo(30);
      assertThat(registry.get("strata.keys.written").tag("db", "b").functionCounter().count())
          .isEqualTo(5);
      assertThat(registry.get("strata.bytes.read").tag("db", "a").functionCounter().count())
          .isEqualTo(1000);
      FunctionTimer gets = registry.get("strata.get").tag("db", "a").functionTimer();
      assertThat(gets.count()).isEqualTo(10);
      assertThat(gets.totalTime(TimeUnit.NANOSECONDS)).isPositive();
      assertThat(registry.get("strata.get.percentile").tags("db", "a", "quantile", "0.99").gauge().value())
          .isPositive()
          .isLessThanOrEqualTo(
              registry.get("strata.get.percentile").tags("db", "a", "quantile", "max").gauge().value());
      assertThat(registry.get("strata.level.files").tags("db", "a", "level", "0").gauge().value())
          .isEqualTo(1);
      assertThat(registry.get("strata.level.files").tags("db", "b", "level", "0").gauge().value())
          .isZero();
      assertThat(registry.get("strata.level.bytes").tags("db", "a", "level", "0").gauge().value())
          .isEqualTo(Double.parseDouble(a.getProperty("strata.level-bytes0")));
      assertThat(registry.get("strata.stall.condition").tag("db", "a").gauge().value()).isZero();
      assertThat(registry.get("strata.commit.group.size.count").tag("db", "b").functionCounter().count())
          .isEqualTo(5);
      assertThat(registry.get("strata.stall.seconds").tag("db", "a").functionCounter().count()).isZero();

      b.close();
      assertThat(registry.get("strata.memtable.bytes").tag("db", "b").gauge().value()).isNaN();
      assertThat(registry.get("strata.keys.written").tag("db", "b").functionCounter().count())
          .isEqualTo(5);
    }
  }

  /** The state gauges describe the whole database: they sum every column family. */
  @Test
  void stateGauges_sumEveryColumnFamily() {
    try (StrataDB db = open("/cf")) {
      SimpleMeterRegistry registry = new SimpleMeterRegistry();
      StrataMetrics.of("cf", db).bindTo(registry);
      ColumnFamilyHandle users = db.createColumnFamily("users", ColumnFamilyOptions.defaults());
      work(db, 20, 0);
      for (int i = 0; i < 40; i++) {
        db.put(users, key(i), new byte[100]);
      }
      double memtables =
          Double.parseDouble(db.getProperty("strata.memtable-bytes"))
              + Double.parseDouble(db.getProperty(users, "strata.memtable-bytes"));
      assertThat(Double.parseDouble(db.getProperty(users, "strata.memtable-bytes"))).isPositive();
      assertThat(registry.get("strata.memtable.bytes").tag("db", "cf").gauge().value())
          .isEqualTo(memtables);

      db.flush(users);
      db.flush();
      double level0Bytes =
          Double.parseDouble(db.getProperty("strata.level-bytes0"))
              + Double.parseDouble(db.getProperty(users, "strata.level-bytes0"));
      assertThat(registry.get("strata.level.files").tags("db", "cf", "level", "0").gauge().value())
          .isEqualTo(2);
      assertThat(registry.get("strata.level.bytes").tags("db", "cf", "level", "0").gauge().value())
          .isEqualTo(level0Bytes);

      db.dropColumnFamily(users);
      assertThat(registry.get("strata.level.files").tags("db", "cf", "level", "0").gauge().value())
          .isEqualTo(1);
      assertThat(registry.get("strata.level.bytes").tags("db", "cf", "level", "0").gauge().value())
          .isEqualTo(Double.parseDouble(db.getProperty("strata.level-bytes0")));
    }
  }

  @Test
  void add_sameNameTwice_isRefused() {
    try (StrataDB a = open("/a")) {
      StrataMetrics m = StrataMetrics.of("a", a);
      assertThatThrownBy(() -> m.add("a", a)).isInstanceOf(IllegalArgumentException.class);
    }
  }

  /** A sample line of the text exposition format: {@code name{labels} value}. */
  private static final Pattern SAMPLE =
      Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*\\})?\\s+(\\S+)$");

  private static Map<String, Double> parse(String scrape) {
    Map<String, Double> samples = new HashMap<>();
    for (String line : scrape.split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      Matcher m = SAMPLE.matcher(line.strip());
      assertThat(m.matches()).as("sample line %s", line).isTrue();
      String labels = m.group(2) == null ? "" : m.group(2);
      samples.put(m.group(1) + labels, Double.parseDouble(m.group(3)));
    }
    return samples;
  }

  @Test
  void prometheusScrape_parses_andHoldsTheDatabasesFigures() throws Exception {
    try (StrataDB db = open("/db")) {
      PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      StrataMetrics.of("orders", db).bindTo(registry);
      work(db, 40, 12);
      db.flush();
      db.compactRange(null, null);

      String scrape = registry.scrape();
      Map<String, Double> samples = parse(scrape);
      assertThat(samples).containsEntry("strata_keys_written_total{db=\"orders\"}", 40.0);
      assertThat(samples).containsEntry("strata_keys_read_total{db=\"orders\"}", 12.0);
      assertThat(samples).containsEntry("strata_flush_count_total{db=\"orders\"}", 1.0);
      assertThat(samples).containsEntry("strata_get_seconds_count{db=\"orders\"}", 12.0);
      assertThat(samples.get("strata_get_seconds_sum{db=\"orders\"}")).isPositive();
      assertThat(samples)
          .containsEntry(
              "strata_level_bytes{db=\"orders\",level=\"6\"}",
              Double.parseDouble(db.getProperty("strata.level-bytes6")));
      assertThat(samples).containsEntry("strata_level_files{db=\"orders\",level=\"0\"}", 0.0);
      assertThat(samples.get("strata_get_percentile_seconds{db=\"orders\",quantile=\"0.5\"}"))
          .isCloseTo(
              db.getStatistics().histogram(dev.strata.HistogramType.GET_NANOS).p50() / 1e9,
              within(1e-12));
      String example = System.getProperty("strata.scrapeExample");
      if (example != null) {
        Files.writeString(Path.of(example), scrape);
      }
    }
  }
}
