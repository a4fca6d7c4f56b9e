package dev.strata.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.JoinWindows;
import org.apache.kafka.streams.kstream.KGroupedStream;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.SessionWindows;
import org.apache.kafka.streams.kstream.StreamJoined;
import org.apache.kafka.streams.kstream.Suppressed;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.SessionStore;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.ValueAndTimestamp;
import org.apache.kafka.streams.state.WindowBytesStoreSupplier;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Window stores with retention as the DSL builds them, on Strata and on Kafka's RocksDB stores in
 * {@link TopologyTestDriver}, with Kafka's record cache off, small (evicting within a record) and
 * large: a tumbling count whose {@code Materialized} retention is longer than its size and grace, a
 * hopping aggregate on an explicit store supplier ({@link StrataStores#windowStore} against {@code
 * Stores.persistentTimestampedWindowStore}), a session count with retention, a suppressed windowed
 * count, a stream-stream join through {@code dsl.store.suppliers.class} and a left join on explicit
 * join store suppliers ({@code StreamJoined.with}, {@code retainDuplicates}). Stream time crosses
 * many segment intervals, with late records within and past the grace periods. Every output record
 * must be equal; so must every answer of the materialized stores to fetches made between records,
 * inside and outside the retention (read through Kafka's metered and caching layers, as IQ reads
 * them), and a Strata store never holds more segments than its retention spans: expired ones are
 * deleted whole. Reproduce with {@code -Dstrata.seed=}.
 */
class DslRetentionTest {
  private static final List<String> OUTPUTS =
      List.of("tumbling", "hopping", "sessions", "suppressed", "inner", "left");

  private static final Duration TUMBLING_RETENTION = Duration.ofMinutes(2);
  private static final Duration HOPPING_RETENTION = Duration.ofSeconds(90);
  private static final Duration HOPPING_SIZE = Duration.ofSeconds(20);
  private static final JoinWindows LEFT_JOIN =
      JoinWindows.ofTimeDifferenceAndGrace(Duration.ofSeconds(3), Duration.ofSeconds(2));

  /**
   * 1,200 records (about 16 minutes of stream time), 400 under the kafka-4.1 profile (see {@code
   * DslTopologyTest.RECORDS}), ten times as many in soak.
   */
  private static final int RECORDS =
      Math.max(400, Integer.getInteger("strata.kafka.dslRecords", 3_000) * 2 / 5)
          * (Boolean.getBoolean("strata.soak") ? 10 : 1);

  @TempDir File dir;

  private static String window(Windowed<String> w) {
    return w.key() + "@" + w.window().start() + "-" + w.window().end();
  }

  /** A join store supplier as {@code StreamJoined.with} wants it: duplicates, Kafka's sizes. */
  private static WindowBytesStoreSupplier joinStore(boolean strata, String name) {
    Duration retention = Duration.ofMillis(LEFT_JOIN.size() + LEFT_JOIN.gracePeriodMs());
    Duration size = Duration.ofMillis(LEFT_JOIN.size());
    return strata
        ? StrataStores.windowStore(name, retention, size, true, false)
        : Stores.persistentWindowStore(name, retention, size, true);
  }

  static Topology topology(boolean strata) {
    StreamsBuilder b = new StreamsBuilder();
    KStream<String, String> left = b.stream("l", Consumed.with(Serdes.String(), Serdes.String()));
    KStream<String, String> right = b.stream("r", Consumed.with(Serdes.String(), Serdes.String()));
    KGroupedStream<String, String> grouped =
        left.groupByKey(Grouped.with(Serdes.String(), Serdes.String()));
    grouped
        .windowedBy(TimeWindows.ofSizeAndGrace(Duration.ofSeconds(10), Duration.ofSeconds(5)))
        .count(Materialized.<String, Long, WindowStore<Bytes, byte[]>>as("tumbling-counts")
            .withRetention(TUMBLING_RETENTION))
        .toStream()
        .map((w, v) -> KeyValue.pair(window(w), String.valueOf(v)))
        .to("tumbling", Produced.with(Serdes.String(), Serdes.String()));
    WindowBytesStoreSupplier hopping =
        strata
            ? StrataStores.windowStore("hopping-aggs", HOPPING_RETENTION, HOPPING_SIZE, false, true)
            : Stores.persistentTimestampedWindowStore(
                "hopping-aggs", HOPPING_RETENTION, HOPPING_SIZE, false);
    grouped
        .windowedBy(TimeWindows.ofSizeAndGrace(HOPPING_SIZE, Duration.ofSeconds(3))
            .advanceBy(Duration.ofSeconds(5)))
        .aggregate(() -> "", (k, v, agg) -> agg + v.charAt(1),
            Materialized.<String, String>as(hopping)
                .withKeySerde(Serdes.String())
                .withValueSerde(Serdes.String()))
        .toStream()
        .map((w, v) -> KeyValue.pair(window(w), v))
        .to("hopping", Produced.with(Serdes.String(), Serdes.String()));
    grouped
        .windowedBy(SessionWindows.ofInactivityGapAndGrace(Duration.ofSeconds(3),
            Duration.ofSeconds(2)))
        .count(Materialized.<String, Long, SessionStore<Bytes, byte[]>>as("session-counts")
            .withRetention(Duration.ofMinutes(1)))
        .toStream()
        .map((w, v) -> KeyValue.pair(window(w), String.valueOf(v)))
        .to("sessions", Produced.with(Serdes.String(), Serdes.String()));
    grouped
        .windowedBy(TimeWindows.ofSizeAndGrace(Duration.ofSeconds(15), Duration.ofSeconds(1)))
        .count(Materialized.as("suppressed-counts"))
        .suppress(Suppressed.untilWindowCloses(Suppressed.BufferConfig.unbounded()))
        .toStream()
        .map((w, v) -> KeyValue.pair(window(w), String.valueOf(v)))
        .to("suppressed", Produced.with(Serdes.String(), Serdes.String()));
    left.join(right, (x, y) -> x + "+" + y,
            JoinWindows.ofTimeDifferenceAndGrace(Duration.ofSeconds(2), Duration.ofSeconds(1)),
            StreamJoined.with(Serdes.String(), Serdes.String(), Serdes.String()))
        .to("inner", Produced.with(Serdes.String(), Serdes.String()));
    left.leftJoin(right, (x, y) -> x + "+" + y, LEFT_JOIN,
            StreamJoined.<String, String, String>with(
                    joinStore(strata, "left-this"), joinStore(strata, "left-other"))
                .withKeySerde(Serdes.String())
                .withValueSerde(Serdes.String())
                .withOtherValueSerde(Serdes.String()))
        .to("left", Produced.with(Serdes.String(), Serdes.String()));
    return b.build();
  }

  /** What one run emitted, what its stores answered, and the most segments a store had. */
  private record Run(Map<String, List<String>> outputs, List<String> answers, int maxSegments) {}

  private Run run(boolean strata, long cacheBytes, long seed) throws IOException {
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "retention");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "localhost:9");
    File stateDir = new File(dir, (strata ? "strata-" : "rocks-") + cacheBytes);
    props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.getPath());
    props.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, cacheBytes);
    props.put("__emit.interval.ms.kstreams.outer.join.spurious.results.fix__", 0L);
    if (strata) {
      props.put(StreamsConfig.DSL_STORE_SUPPLIERS_CLASS_CONFIG, StrataDslStoreSuppliers.class);
    }
    Random random = new Random(seed);
    Random queries = new Random(seed + 1);
    List<String> answers = new ArrayList<>();
    Map<String, List<String>> outputs = new LinkedHashMap<>();
    int maxSegments = 0;
    try (TopologyTestDriver driver = new TopologyTestDriver(topology(strata), props)) {
      StringSerializer ser = new StringSerializer();
      var l = driver.createInputTopic("l", ser, ser);
      var r = driver.createInputTopic("r", ser, ser);
      long time = 1_000_000;
      for (int i = 0; i < RECORDS; i++) {
        // Mostly forward in time (about 16 minutes in all), sometimes late within or past the
        // grace periods and the retentions.
        time += random.nextInt(15) == 0 ? -random.nextInt(12_000) : random.nextInt(1_600);
        TestRecord<String, String> record = new TestRecord<>(
            "k" + random.nextInt(6), "v" + random.nextInt(10), Instant.ofEpochMilli(time));
        (random.nextInt(3) == 0 ? r : l).pipeInput(record);
        if (i % 40 == 39) {
          query(driver, queries, time, answers);
          if (strata) {
            maxSegments = Math.max(maxSegments, segmentDirs(stateDir, "tumbling-counts"));
          }
        }
      }
      StringDeserializer de = new StringDeserializer();
      for (String topic : OUTPUTS) {
        List<String> records = new ArrayList<>();
        for (TestRecord<String, String> rec :
            driver.createOutputTopic(topic, de, de).readRecordsToList()) {
          records.add(rec.key() + "=" + rec.value() + "@" + rec.timestamp());
        }
        outputs.put(topic, records);
      }
    }
    return new Run(outputs, answers, maxSegments);
  }

  /**
   * Reads the materialized window and session stores at random times around {@code now}: from
   * well before the retention to past stream time.
   */
  private static void query(TopologyTestDriver driver, Random random, long now, List<String> out) {
    WindowStore<String, ValueAndTimestamp<Long>> tumbling =
        driver.getTimestampedWindowStore("tumbling-counts");
    WindowStore<String, ValueAndTimestamp<String>> hopping =
        driver.getTimestampedWindowStore("hopping-aggs");
    SessionStore<String, Long> sessions = driver.getSessionStore("session-counts");
    String key = "k" + random.nextInt(6);
    long from = now - random.nextInt(200_000);
    long to = from + random.nextInt(150_000);
    long start = from - from % 10_000;
    out.add("fetch " + tumbling.fetch(key, start));
    out.add("fetch range " + values(tumbling.fetch(key, from, to)));
    out.add("backwardFetch range " + values(tumbling.backwardFetch(key, from, to)));
    out.add("fetch keys " + windowed(tumbling.fetch("k1", "k4", from, to)));
    out.add("fetchAll " + windowed(tumbling.fetchAll(from, to)));
    out.add("all " + windowed(tumbling.all()));
    out.add("backwardAll " + windowed(tumbling.backwardAll()));
    out.add("hopping fetch range " + values(hopping.fetch(key, from, to)));
    out.add("hopping backwardFetchAll " + windowed(hopping.backwardFetchAll(from, to)));
    out.add("hopping all " + windowed(hopping.all()));
    out.add("sessions fetch " + windowed(sessions.fetch(key)));
    out.add("sessions findSessions " + windowed(sessions.findSessions(key, from, to)));
    out.add("sessions backwardFetch keys " + windowed(sessions.backwardFetch("k0", "k3")));
  }

  private static <V> List<String> values(WindowStoreIterator<V> it) {
    List<String> out = new ArrayList<>();
    try (it) {
      it.forEachRemaining(kv -> out.add(kv.key + "=" + kv.value));
    }
    return out;
  }

  private static <V> List<String> windowed(KeyValueIterator<Windowed<String>, V> it) {
    List<String> out = new ArrayList<>();
    try (it) {
      it.forEachRemaining(kv -> out.add(window(kv.key) + "=" + kv.value));
    }
    return out;
  }

  /** How many segment directories the Strata store {@code store} has now, over all tasks. */
  private static int segmentDirs(File stateDir, String store) throws IOException {
    Set<Path> segments = new HashSet<>();
    try (Stream<Path> walk = Files.walk(stateDir.toPath(), 5)) {
      walk.filter(p -> Files.isDirectory(p) && p.getFileName().toString().startsWith(store + ".")
              && p.getParent().getFileName().toString().equals(store))
          .forEach(segments::add);
    }
    return segments.size();
  }

  @ParameterizedTest(name = "cache bytes {0}")
  @ValueSource(longs = {0, 3_000, 10_000_000})
  void windowStoresWithRetention_onStrata_matchRocksDbRecordForRecord(long cacheBytes)
      throws IOException {
    long seed = dev.strata.testing.Seeds.seed("DslRetentionTest");
    Run strata = run(true, cacheBytes, seed);
    Run rocks = run(false, cacheBytes, seed);
    for (String topic : OUTPUTS) {
      assertThat(strata.outputs().get(topic)).as("seed %d topic %s", seed, topic)
          .isNotEmpty()
          .isEqualTo(rocks.outputs().get(topic));
    }
    assertThat(strata.answers()).as("seed %d store answers", seed)
        .hasSameSizeAs(rocks.answers());
    for (int i = 0; i < strata.answers().size(); i++) {
      assertThat(strata.answers().get(i)).as("seed %d answer %d", seed, i)
          .isEqualTo(rocks.answers().get(i));
    }
    assertThat(strata.answers()).as("answers with something in them")
        .filteredOn(a -> a.contains("=")).hasSizeGreaterThan(strata.answers().size() / 3);
    // Retention 2 minutes, segments of one (Kafka: half the retention, at least a minute): at
    // most three live at once, while stream time crosses about sixteen (in CI).
    assertThat(strata.maxSegments()).as("segments of tumbling-counts").isBetween(2, 3);
  }
}
