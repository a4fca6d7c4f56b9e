package dev.strata.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.Random;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.state.internals.WrappedStateStore;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kafka 4.4's {@code HEADERS} store format ({@code dsl.store.format=HEADERS}) on Strata key-value
 * stores: a KTable and an aggregation (over a second topic) of input records that carry headers, run on Strata and on
 * Kafka's RocksDB stores, must give the same output record for record, headers included (a store
 * behind Kafka's format adapter would lose them); on 4.4 the store Kafka built must be Strata's in
 * the headers format, with no adapter. Kafka 4.1 ignores the config and builds timestamped stores.
 * Reproduce with {@code -Dstrata.seed=}.
 */
class HeadersFormatTest {
  @TempDir File dir;

  private static StreamsBuilder topology() {
    StreamsBuilder b = new StreamsBuilder();
    b.table("in", Consumed.with(Serdes.String(), Serdes.String()), Materialized.as("table"))
        .toStream()
        .to("table-out", Produced.with(Serdes.String(), Serdes.String()));
    b.stream("events", Consumed.with(Serdes.String(), Serdes.String()))
        .groupByKey(Grouped.with(Serdes.String(), Serdes.String()))
        .aggregate(() -> "", (k, v, agg) -> agg + v.charAt(0),
            Materialized.<String, String, org.apache.kafka.streams.state.KeyValueStore<
                        org.apache.kafka.common.utils.Bytes, byte[]>>as("agg")
                .withKeySerde(Serdes.String())
                .withValueSerde(Serdes.String()))
        .toStream()
        .to("agg-out", Produced.with(Serdes.String(), Serdes.String()));
    return b;
  }

  private List<String> run(boolean strata, long seed) {
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "headers");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "localhost:9");
    props.put(StreamsConfig.STATE_DIR_CONFIG, new File(dir, strata ? "strata" : "rocks").getPath());
    props.put("dsl.store.format", "HEADERS");
    props.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0);
    if (strata) {
      props.put(StreamsConfig.DSL_STORE_SUPPLIERS_CLASS_CONFIG, StrataDslStoreSuppliers.class);
    }
    List<String> out = new ArrayList<>();
    Random random = new Random(seed);
    try (TopologyTestDriver driver = new TopologyTestDriver(topology().build(), props)) {
      var in = driver.createInputTopic("in", new StringSerializer(), new StringSerializer());
      var events =
          driver.createInputTopic("events", new StringSerializer(), new StringSerializer());
      for (int i = 0; i < 400; i++) {
        RecordHeaders headers = new RecordHeaders();
        headers.add("trace", ("t" + i).getBytes(StandardCharsets.UTF_8));
        if (random.nextBoolean()) {
          headers.add("tenant", ("n" + random.nextInt(3)).getBytes(StandardCharsets.UTF_8));
        }
        String key = "k" + random.nextInt(20);
        String value = random.nextInt(10) == 0 ? null : "v" + random.nextInt(100);
        in.pipeInput(new TestRecord<>(key, value, headers, Instant.ofEpochMilli(1_000L * i)));
        events.pipeInput(
            new TestRecord<>(key, value, headers, Instant.ofEpochMilli(1_000L * i + 500)));
      }
      if (strata) {
        checkStrataStores(driver);
      }
      out.addAll(storedHeaders(driver));
      for (String topic : List.of("table-out", "agg-out")) {
        var output =
            driver.createOutputTopic(topic, new StringDeserializer(), new StringDeserializer());
        for (TestRecord<String, String> r : output.readRecordsToList()) {
          List<String> headers = new ArrayList<>();
          r.headers().forEach(h -> headers.add(h.key() + "=" + Arrays.toString(h.value())));
          out.add(topic + " " + r.key() + "=" + r.value() + " @" + r.timestamp() + " " + headers);
        }
      }
    }
    return out;
  }

  /**
   * Kafka 4.4: what the KTable's store holds, headers included, through the driver's headers-store
   * accessor ({@code ValueTimestampHeaders}); nothing on earlier Kafka, which has neither.
   */
  private static List<String> storedHeaders(TopologyTestDriver driver) {
    List<String> out = new ArrayList<>();
    java.lang.reflect.Method accessor;
    try {
      accessor = driver.getClass().getMethod("getTimestampedKeyValueStoreWithHeaders", String.class);
    } catch (NoSuchMethodException e) {
      return out;
    }
    try {
      for (String name : List.of("table", "agg")) {
      var store = (org.apache.kafka.streams.state.ReadOnlyKeyValueStore<?, ?>)
          accessor.invoke(driver, name);
      try (var it = store.all()) {
        while (it.hasNext()) {
          var kv = it.next();
          Object v = kv.value;
          var headers = (org.apache.kafka.common.header.Headers)
              v.getClass().getMethod("headers").invoke(v);
          List<String> h = new ArrayList<>();
          headers.forEach(x -> h.add(x.key() + "=" + new String(x.value(), StandardCharsets.UTF_8)));
          out.add("stored " + name + " " + kv.key + " "
              + v.getClass().getMethod("value").invoke(v) + " " + h);
        }
      }
      }
    } catch (ReflectiveOperationException e) {
      throw new AssertionError(e);
    }
    assertThat(out).as("stored entries").isNotEmpty();
    return out;
  }

  /** Both key-value stores are Strata's; on 4.4 in the headers format, with no adapter. */
  private static void checkStrataStores(TopologyTestDriver driver) {
    boolean headersRuntime = hasClass("org.apache.kafka.streams.state.HeadersBytesStore");
    for (StateStore outer : driver.getAllStateStores().values()) {
      StateStore inner = outer;
      while (inner instanceof WrappedStateStore<?, ?, ?> w) {
        inner = w.wrapped();
      }
      if (headersRuntime) {
        assertThat(Proxy.isProxyClass(inner.getClass())).as(outer.name() + ": " + inner).isTrue();
        assertThat(Arrays.stream(inner.getClass().getInterfaces()).map(Class::getSimpleName))
            .contains("HeadersBytesStore");
        assertThat(inner.name()).isEqualTo(outer.name());
        assertThat(inner.persistent()).isTrue();
      } else {
        assertThat(inner).as(outer.name()).isInstanceOf(StrataTimestampedKeyValueStore.class);
      }
    }
    assertThat(driver.getAllStateStores()).hasSize(2);
  }

  private static boolean hasClass(String name) {
    try {
      Class.forName(name);
      return true;
    } catch (ClassNotFoundException e) {
      return false;
    }
  }

  @Test
  void headersFormatStores_giveKafkaRocksDbOutputHeadersIncluded() {
    long seed = dev.strata.testing.Seeds.seed("HeadersFormatTest");
    List<String> rocks = run(false, seed);
    List<String> strata = run(true, seed);
    assertThat(strata).as("seed %d", seed).isEqualTo(rocks);
    assertThat(rocks).anyMatch(r -> r.contains("tenant=")).hasSizeGreaterThan(400);
  }
}
