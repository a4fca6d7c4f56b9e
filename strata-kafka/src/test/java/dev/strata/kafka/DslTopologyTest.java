package dev.strata.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.stream.Stream;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.KTable;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.SessionWindows;
import org.apache.kafka.streams.kstream.Suppressed;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * One DSL application (groupBy + count, aggregate, KTable-KTable join, windowed count, session
 * windows, suppress) run in {@link TopologyTestDriver} twice on the same random input: once with
 * {@code dsl.store.suppliers.class} set to {@link StrataDslStoreSuppliers}, once on Kafka's
 * default RocksDB stores, with Kafka's record cache off, small and at its default size. Every
 * output topic must match record for record (key, value, timestamp).
 * Reproduce with {@code -Dstrata.seed=}.
 */
class DslTopologyTest {
  private static final List<String> OUTPUTS =
      List.of("counts", "lengths", "joined", "windowed", "sessions", "suppressed");

  /**
   * Input records per run. Kafka 4.1's TopologyTestDriver forces checkpoint files at every
   * per-record commit (3,000 records took 20 s on Strata and 62 s on RocksDB there, 3.5 s each on
   * 4.4), so the kafka-4.1 profile runs fewer.
   */
  private static final int RECORDS = Integer.getInteger("strata.kafka.dslRecords", 3_000);

  @TempDir File dir;

  static Topology topology() {
    StreamsBuilder b = new StreamsBuilder();
    KStream<String, String> words =
        b.stream("words", Consumed.with(Serdes.String(), Serdes.String()));
    words
        .groupBy((k, v) -> v, Grouped.with(Serdes.String(), Serdes.String()))
        .count()
        .toStream()
        .mapValues(Object::toString)
        .to("counts", Produced.with(Serdes.String(), Serdes.String()));
    words
        .groupByKey(Grouped.with(Serdes.String(), Serdes.String()))
        .aggregate(
            () -> 0L,
            (k, v, agg) -> agg + v.length(),
            Materialized.with(Serdes.String(), Serdes.Long()))
        .toStream()
        .mapValues(Object::toString)
        .to("lengths", Produced.with(Serdes.String(), Serdes.String()));
    KTable<String, String> left = b.table("left", Consumed.with(Serdes.String(), Serdes.String()),
        Materialized.as("left-table"));
    KTable<String, String> right = b.table("right",
        Consumed.with(Serdes.String(), Serdes.String()), Materialized.as("right-table"));
    left.join(right, (l, r) -> l + "+" + r)
        .toStream()
        .to("joined", Produced.with(Serdes.String(), Serdes.String()));
    words
        .groupByKey(Grouped.with(Serdes.String(), Serdes.String()))
        .windowedBy(TimeWindows.ofSizeAndGrace(Duration.ofSeconds(10), Duration.ofSeconds(5)))
        .count()
        .toStream()
        .map((wk, c) -> KeyValue.pair(wk.key() + "@" + wk.window().start(), String.valueOf(c)))
        .to("windowed", Produced.with(Serdes.String(), Serdes.String()));
    words
        .groupByKey(Grouped.with(Serdes.String(), Serdes.String()))
        .windowedBy(SessionWindows.ofInactivityGapAndGrace(Duration.ofSeconds(3),
            Duration.ofSeconds(2)))
        .count()
        .toStream()
        .map((wk, c) -> KeyValue.pair(
            wk.key() + "@" + wk.window().start() + "-" + wk.window().end(),
            c == null ? "null" : String.valueOf(c)))
        .to("sessions", Produced.with(Serdes.String(), Serdes.String()));
    words
        .groupByKey(Grouped.with(Serdes.String(), Serdes.String()))
        .windowedBy(TimeWindows.ofSizeAndGrace(Duration.ofSeconds(20), Duration.ofSeconds(1)))
        .count(Materialized.as("suppressed-counts"))
        .suppress(Suppressed.untilWindowCloses(Suppressed.BufferConfig.unbounded()))
        .toStream()
        .map((wk, c) -> KeyValue.pair(wk.key() + "@" + wk.window().start(), String.valueOf(c)))
        .to("suppressed", Produced.with(Serdes.String(), Serdes.String()));
    return b.build();
  }

  private Map<String, List<String>> run(
      boolean strata, long seed, File stateDir, long cacheBytes, int records) {
    Properties props = new Properties();
    // One application id for both runs: it names the repartition topic, whose name's length Kafka
    // counts in the size of each cached entry read from it, so that with a small cache two ids of
    // different lengths evict at different times and emit different (equally correct) records.
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "dsl");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "localhost:9");
    props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.getAbsolutePath());
    props.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, cacheBytes);
    if (strata) {
      props.put(StreamsConfig.DSL_STORE_SUPPLIERS_CLASS_CONFIG, StrataDslStoreSuppliers.class);
    }
    Map<String, List<String>> out = new LinkedHashMap<>();
    try (TopologyTestDriver driver = new TopologyTestDriver(topology(), props)) {
      StringSerializer ser = new StringSerializer();
      TestInputTopic<String, String> words = driver.createInputTopic("words", ser, ser);
      TestInputTopic<String, String> left = driver.createInputTopic("left", ser, ser);
      TestInputTopic<String, String> right = driver.createInputTopic("right", ser, ser);
      Random rnd = new Random(seed);
      long time = 1_000_000;
      for (int i = 0; i < records; i++) {
        // Mostly forward in time, sometimes a late record within or past the grace period.
        time += rnd.nextInt(10) == 0 ? -rnd.nextInt(8_000) : rnd.nextInt(1_500);
        String key = "k" + rnd.nextInt(15);
        String value = "w" + rnd.nextInt(25);
        Instant ts = Instant.ofEpochMilli(time);
        switch (rnd.nextInt(6)) {
          case 0 -> left.pipeInput(key, rnd.nextInt(8) == 0 ? null : value, ts);
          case 1 -> right.pipeInput(key, rnd.nextInt(8) == 0 ? null : value, ts);
          default -> words.pipeInput(key, value, ts);
        }
      }
      StringDeserializer de = new StringDeserializer();
      for (String topic : OUTPUTS) {
        TestOutputTopic<String, String> t = driver.createOutputTopic(topic, de, de);
        List<String> emitted = new ArrayList<>();
        for (TestRecord<String, String> r : t.readRecordsToList()) {
          emitted.add(r.key() + "=" + r.value() + "@" + r.timestamp());
        }
        out.put(topic, emitted);
      }
    }
    return out;
  }

  /**
   * Kafka's record cache off (every update reaches the store), small (3,000 bytes: entries evicted
   * to the store within a record, cached and stored entries merged on reads) and at Kafka's default
   * size (10 MB: the cache flushed at each of the driver's per-record commits).
   */
  @ParameterizedTest(name = "cache bytes {0}")
  @ValueSource(longs = {0, 3_000, 10_485_760})
  void dslApplication_onStrata_matchesRocksDbRecordForRecord(long cacheBytes) throws Exception {
    long seed = dev.strata.testing.Seeds.seed("DslTopologyTest");
    compare(seed, cacheBytes, RECORDS);
  }

  /**
   * The seed whose run with a small cache first told the two stores apart: the runs had different
   * application ids (see {@link #run}), and Kafka's cache evicted a session's tombstone on one only.
   */
  @Test
  void dslApplication_smallCacheSeedThatDiverged_matchesRocksDb() throws Exception {
    compare(53720423461763L, 3_000, 600);
  }

  private void compare(long seed, long cacheBytes, int records) throws Exception {
    Map<String, List<String>> onStrata =
        run(true, seed, new File(dir, "strata"), cacheBytes, records);
    Map<String, List<String>> onRocks =
        run(false, seed, new File(dir, "rocksdb"), cacheBytes, records);
    for (String topic : OUTPUTS) {
      assertThat(onStrata.get(topic)).as("seed %d cache %d topic %s", seed, cacheBytes, topic)
          .isNotEmpty()
          .isEqualTo(onRocks.get(topic));
    }
  }

  /** The Strata run really used Strata: its state directory holds Strata databases only. */
  @Test
  void dslApplication_onStrata_keepsItsStateInStrataDirectories() throws Exception {
    File strataDir = new File(dir, "strata-only");
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "dsl-dirs");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "localhost:9");
    props.put(StreamsConfig.STATE_DIR_CONFIG, strataDir.getAbsolutePath());
    props.put(StreamsConfig.DSL_STORE_SUPPLIERS_CLASS_CONFIG, StrataDslStoreSuppliers.class);
    List<String> names = new ArrayList<>();
    try (TopologyTestDriver driver = new TopologyTestDriver(topology(), props)) {
      StringSerializer ser = new StringSerializer();
      driver.createInputTopic("words", ser, ser).pipeInput("k", "v", Instant.ofEpochMilli(5_000));
      try (Stream<java.nio.file.Path> walk = Files.walk(strataDir.toPath())) {
        walk.forEach(p -> names.add(strataDir.toPath().relativize(p).toString()));
      }
    }
    assertThat(names).anyMatch(n -> n.endsWith("strata/left-table"));
    assertThat(names).anyMatch(n -> n.contains("strata/suppressed-counts/suppressed-counts."));
    assertThat(names).noneMatch(n -> n.contains("rocksdb"));
  }
}
