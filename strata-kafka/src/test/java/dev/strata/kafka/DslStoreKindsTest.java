package dev.strata.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.EmitStrategy;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.JoinWindows;
import org.apache.kafka.streams.kstream.KGroupedStream;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.SessionWindows;
import org.apache.kafka.streams.kstream.SlidingWindows;
import org.apache.kafka.streams.kstream.StreamJoined;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.state.SessionStore;
import org.apache.kafka.streams.state.TimestampedBytesStore;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.internals.WrappedStateStore;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every kind of window and session store the DSL asks {@link StrataDslStoreSuppliers} for, run in
 * {@link TopologyTestDriver} on Strata and on Kafka's RocksDB stores with the same input (records
 * with headers, late records), compared record for record (key, value, timestamp, headers):
 * windowed aggregations of tumbling, sliding and session windows that emit on every update and on
 * window close (Kafka's time-ordered stores, with an index for sliding and session windows), and
 * stream-stream inner, left and outer joins (window stores that retain duplicates, and the outer
 * join's shared store). Each runs in the default store format and in Kafka 4.4's {@code HEADERS}
 * format (which Kafka 4.1 ignores). Emit-on-close aggregations emit on every record here (emit
 * interval 0) so that each emission is compared. Reproduce with {@code -Dstrata.seed=}.
 */
class DslStoreKindsTest {
  private static final List<String> OUTPUTS =
      List.of("tumbling", "tumbling-final", "sliding", "sliding-final", "sessions",
          "sessions-final", "inner", "left", "outer");

  private static final String HEADERS_MARKER = "org.apache.kafka.streams.state.HeadersBytesStore";

  /**
   * Input records per run: 1,200, or 400 under the kafka-4.1 profile, whose test driver fsyncs
   * checkpoints at every per-record commit (see {@code DslTopologyTest.RECORDS}).
   */
  private static final int RECORDS =
      Math.max(400, Integer.getInteger("strata.kafka.dslRecords", 3_000) * 2 / 5);

  @TempDir File dir;

  private static String window(Windowed<String> w) {
    return w.key() + "@" + w.window().start() + "-" + w.window().end();
  }

  private static void aggregations(
      KGroupedStream<String, String> grouped, EmitStrategy emit, String suffix) {
    grouped
        .windowedBy(TimeWindows.ofSizeAndGrace(Duration.ofSeconds(10), Duration.ofSeconds(5)))
        .emitStrategy(emit)
        .aggregate(() -> "", (k, v, agg) -> agg + v.charAt(1),
            Materialized.with(Serdes.String(), Serdes.String()))
        .toStream()
        .map((w, v) -> KeyValue.pair(window(w), v))
        .to("tumbling" + suffix, Produced.with(Serdes.String(), Serdes.String()));
    grouped
        .windowedBy(SlidingWindows.ofTimeDifferenceAndGrace(Duration.ofSeconds(4),
            Duration.ofSeconds(3)))
        .emitStrategy(emit)
        .count(Materialized.with(Serdes.String(), Serdes.Long()))
        .toStream()
        .map((w, v) -> KeyValue.pair(window(w), String.valueOf(v)))
        .to("sliding" + suffix, Produced.with(Serdes.String(), Serdes.String()));
    grouped
        .windowedBy(SessionWindows.ofInactivityGapAndGrace(Duration.ofSeconds(3),
            Duration.ofSeconds(2)))
        .emitStrategy(emit)
        .aggregate(() -> "", (k, v, agg) -> agg + v.charAt(1), (k, a, b) -> a + "|" + b,
            Materialized.with(Serdes.String(), Serdes.String()))
        .toStream()
        .map((w, v) -> KeyValue.pair(window(w), String.valueOf(v)))
        .to("sessions" + suffix, Produced.with(Serdes.String(), Serdes.String()));
  }

  static Topology topology() {
    StreamsBuilder b = new StreamsBuilder();
    KStream<String, String> left = b.stream("l", Consumed.with(Serdes.String(), Serdes.String()));
    KStream<String, String> right = b.stream("r", Consumed.with(Serdes.String(), Serdes.String()));
    KGroupedStream<String, String> grouped =
        left.groupByKey(Grouped.with(Serdes.String(), Serdes.String()));
    aggregations(grouped, EmitStrategy.onWindowUpdate(), "");
    aggregations(grouped, EmitStrategy.onWindowClose(), "-final");
    JoinWindows join = JoinWindows.ofTimeDifferenceAndGrace(Duration.ofSeconds(2),
        Duration.ofSeconds(1));
    StreamJoined<String, String, String> joined =
        StreamJoined.with(Serdes.String(), Serdes.String(), Serdes.String());
    left.join(right, (x, y) -> x + "+" + y, join, joined)
        .to("inner", Produced.with(Serdes.String(), Serdes.String()));
    left.leftJoin(right, (x, y) -> x + "+" + y, join, joined)
        .to("left", Produced.with(Serdes.String(), Serdes.String()));
    left.outerJoin(right, (x, y) -> x + "+" + y, join, joined)
        .to("outer", Produced.with(Serdes.String(), Serdes.String()));
    return b.build();
  }

  private Map<String, List<String>> run(
      boolean strata, String format, boolean caching, long seed) {
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "kinds");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "localhost:9");
    File stateDir = new File(dir, (strata ? "strata-" : "rocks-") + format + caching);
    props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.getPath());
    props.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, caching ? 10_000_000 : 0);
    props.put("dsl.store.format", format);
    props.put("__emit.interval.ms.kstreams.windowed.aggregation__", 0L);
    props.put("__emit.interval.ms.kstreams.outer.join.spurious.results.fix__", 0L);
    if (strata) {
      props.put(StreamsConfig.DSL_STORE_SUPPLIERS_CLASS_CONFIG, StrataDslStoreSuppliers.class);
    }
    Map<String, List<String>> out = new LinkedHashMap<>();
    Random random = new Random(seed);
    try (TopologyTestDriver driver = new TopologyTestDriver(topology(), props)) {
      StringSerializer ser = new StringSerializer();
      var l = driver.createInputTopic("l", ser, ser);
      var r = driver.createInputTopic("r", ser, ser);
      long time = 1_000_000;
      for (int i = 0; i < RECORDS; i++) {
        // Mostly forward in time, sometimes late within or past the grace periods.
        time += random.nextInt(12) == 0 ? -random.nextInt(9_000) : random.nextInt(1_200);
        RecordHeaders headers = new RecordHeaders();
        headers.add("n", String.valueOf(i).getBytes(StandardCharsets.UTF_8));
        TestRecord<String, String> record = new TestRecord<>(
            "k" + random.nextInt(6), "v" + random.nextInt(10), headers, Instant.ofEpochMilli(time));
        (random.nextInt(3) == 0 ? r : l).pipeInput(record);
      }
      if (strata) {
        checkStores(driver, format);
        assertThat(keyOrderedStores(driver)).as("time-ordered stores under Kafka's window cache")
            .isEqualTo(caching ? 1 : 0);
      }
      StringDeserializer de = new StringDeserializer();
      for (String topic : OUTPUTS) {
        List<String> records = new ArrayList<>();
        for (TestRecord<String, String> rec :
            driver.createOutputTopic(topic, de, de).readRecordsToList()) {
          List<String> h = new ArrayList<>();
          rec.headers().forEach(x -> h.add(x.key() + "=" + Arrays.toString(x.value())));
          records.add(rec.key() + "=" + rec.value() + "@" + rec.timestamp() + h);
        }
        out.put(topic, records);
      }
    }
    return out;
  }

  /**
   * Every window and session store is Strata's: on Kafka 4.4 in the {@code HEADERS} format the
   * store Kafka built is Strata's store behind the format's marker interface (timestamped for
   * windows, as Kafka's), with no adapter in front.
   */
  private static void checkStores(TopologyTestDriver driver, String format) {
    boolean headers = "HEADERS".equals(format) && hasClass(HEADERS_MARKER);
    int windowed = 0;
    for (StateStore outer : driver.getAllStateStores().values()) {
      StateStore inner = innermost(outer);
      boolean proxy = Proxy.isProxyClass(inner.getClass());
      List<String> interfaces =
          Arrays.stream(inner.getClass().getInterfaces()).map(Class::getSimpleName).toList();
      assertThat(proxy || inner.getClass().getPackageName().equals("dev.strata.kafka"))
          .as(outer.name() + ": " + inner)
          .isTrue();
      boolean joinStore = outer.name().matches(".*(THIS|OTHER).*");
      if (RetentionPeriodTest.kafkaAsksRetention()
          && (outer instanceof WindowStore || outer instanceof SessionStore)) {
        // What Kafka 4.4's changelog reader finds, through wrappers, adapters and proxies.
        assertThat(RetentionPeriodTest.resolvedRetention(outer)).as(outer.name() + " retention")
            .isPositive().isLessThan(Long.MAX_VALUE);
      }
      if (interfaces.contains("WindowStore") || inner instanceof StrataWindowStore) {
        windowed++;
        // Join stores are PLAIN unless the format is HEADERS (4.4), or not timestamped (4.1).
        if (!joinStore) {
          assertThat(inner).as(outer.name()).isInstanceOf(TimestampedBytesStore.class);
        }
      }
      if (headers && !outer.name().contains("OUTERSHARED")) {
        assertThat(proxy).as(outer.name() + " in the headers format").isTrue();
        assertThat(interfaces).as(outer.name()).contains("HeadersBytesStore");
      }
    }
    assertThat(windowed).as("window stores").isGreaterThanOrEqualTo(6);
  }

  /**
   * The store under Kafka's wrappers and format adapters (Kafka 4.4 puts a plain join store, Strata's
   * as RocksDB's, behind an adapter to the headers format; adapters are not wrappers).
   */
  private static StateStore innermost(StateStore store) {
    while (true) {
      if (store instanceof WrappedStateStore<?, ?, ?> w) {
        store = w.wrapped();
      } else if (store.getClass().getSimpleName().endsWith("StoreAdapter")) {
        try {
          java.lang.reflect.Field f = store.getClass().getDeclaredField("store");
          f.setAccessible(true);
          store = (StateStore) f.get(store);
        } catch (ReflectiveOperationException e) {
          throw new AssertionError(e);
        }
      } else {
        return store;
      }
    }
  }

  /** How many Strata window stores scan in key order (those under Kafka's CachingWindowStore). */
  private static long keyOrderedStores(TopologyTestDriver driver) {
    return driver.getAllStateStores().values().stream()
        .map(DslStoreKindsTest::innermost)
        .filter(s -> s instanceof StrataWindowStore w && w.store.keyOrderedScansForTesting()
            && w.store.layout.base == KeyLayout.TIME_FIRST_WINDOW)
        .count();
  }

  private static boolean hasClass(String name) {
    try {
      Class.forName(name);
      return true;
    } catch (ClassNotFoundException e) {
      return false;
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"DEFAULT", "HEADERS"})
  void everyWindowAndSessionStoreKind_onStrata_matchesRocksDbRecordForRecord(String format) {
    long seed = dev.strata.testing.Seeds.seed("DslStoreKindsTest");
    Map<String, List<String>> strata = run(true, format, false, seed);
    Map<String, List<String>> rocks = run(false, format, false, seed);
    for (String topic : OUTPUTS) {
      assertThat(strata.get(topic)).as("seed %d format %s topic %s", seed, format, topic)
          .isNotEmpty()
          .isEqualTo(rocks.get(topic));
    }
  }

  /**
   * With caching on, Kafka puts its {@code CachingWindowStore} in front of the time-ordered Strata
   * store of a tumbling-window aggregation that emits on close (its time-ordered cache goes only in
   * front of its own RocksDB class); the Strata store then scans in that cache's key-first order, so
   * each emission holds the same records as on RocksDB but in key order within a segment instead of
   * time order. Every other output is the same record for record.
   */
  @Test
  void emitOnClose_withCaching_emitsWhatRocksDbEmits() {
    long seed = dev.strata.testing.Seeds.seed("DslStoreKindsTest");
    Map<String, List<String>> strata = run(true, "DEFAULT", true, seed);
    Map<String, List<String>> rocks = run(false, "DEFAULT", true, seed);
    for (String topic : OUTPUTS) {
      List<String> s = new ArrayList<>(strata.get(topic));
      List<String> r = new ArrayList<>(rocks.get(topic));
      if (topic.equals("tumbling-final")) {
        s.sort(null);
        r.sort(null);
      }
      assertThat(s).as("seed %d topic %s", seed, topic).isNotEmpty().isEqualTo(r);
    }
  }
}
