package dev.strata.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Properties;
import java.util.function.Supplier;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.kstream.internals.SessionWindow;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.SessionBytesStoreSupplier;
import org.apache.kafka.streams.state.SessionStore;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowBytesStoreSupplier;
import org.apache.kafka.streams.state.WindowStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Writes older than a window or session store's retention are dropped and counted in the task's
 * {@code dropped-records-total} (group {@code stream-task-metrics}), as by Kafka's RocksDB stores:
 * the same writes run on both kinds, and both counts must be the number of expired writes. Each
 * input record {@code "put:<age ms>"} writes one window and one session that old (relative to the
 * record's time); the store's stream time is the newest written.
 */
class DroppedRecordsTest {
  private static final Duration RETENTION = Duration.ofMinutes(1);
  private static final Duration WINDOW = Duration.ofSeconds(10);

  @TempDir File dir;

  private static final class Writer implements Processor<String, String, Void, Void> {
    private WindowStore<Bytes, byte[]> windows;
    private SessionStore<Bytes, byte[]> sessions;

    @Override
    public void init(ProcessorContext<Void, Void> context) {
      windows = context.getStateStore("w");
      sessions = context.getStateStore("s");
    }

    @Override
    public void process(Record<String, String> record) {
      long time = record.timestamp() - Long.parseLong(record.value());
      Bytes key = Bytes.wrap(record.key().getBytes());
      windows.put(key, record.value().getBytes(), time - time % WINDOW.toMillis());
      sessions.put(new Windowed<>(key, new SessionWindow(time, time)), record.value().getBytes());
    }
  }

  private double droppedRecords(Supplier<WindowBytesStoreSupplier> windowStore,
      Supplier<SessionBytesStoreSupplier> sessionStore, File stateDir) {
    Topology topology = new Topology();
    topology.addSource("in", new StringDeserializer(), new StringDeserializer(), "in");
    topology.addProcessor("write", Writer::new, "in");
    topology.addStateStore(Stores.windowStoreBuilder(windowStore.get(), Serdes.Bytes(),
        Serdes.ByteArray()).withLoggingDisabled(), "write");
    topology.addStateStore(Stores.sessionStoreBuilder(sessionStore.get(), Serdes.Bytes(),
        Serdes.ByteArray()).withLoggingDisabled(), "write");
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "dropped");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "localhost:9");
    props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.getAbsolutePath());
    try (TopologyTestDriver driver = new TopologyTestDriver(topology, props)) {
      var in = driver.createInputTopic("in", new StringSerializer(), new StringSerializer());
      Instant now = Instant.ofEpochMilli(10_000_000);
      in.pipeInput("a", "0", now);
      in.pipeInput("b", "59000", now);
      in.pipeInput("c", "61000", now); // past the retention, but maybe in a live segment
      in.pipeInput("d", "600000", now); // one window and one session dropped
      in.pipeInput("e", "0", now.plus(RETENTION.multipliedBy(3))); // moves stream time
      in.pipeInput("a", "1000", now.plus(RETENTION.multipliedBy(3))); // live: kept
      in.pipeInput("f", "0", now); // now older than the retention: 2 more dropped
      return metric(driver.metrics(), "dropped-records-total");
    }
  }

  private static double metric(Map<MetricName, ? extends Metric> metrics, String name) {
    return metrics.entrySet().stream()
        .filter(e -> e.getKey().name().equals(name)
            && e.getKey().group().equals("stream-task-metrics")
            && "0_0".equals(e.getKey().tags().get("task-id")))
        .mapToDouble(e -> (Double) e.getValue().metricValue())
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + name + " in " + metrics.keySet()));
  }

  @Test
  void writesPastRetention_areDroppedAndCountedAsKafkaRocksDbStores() {
    double rocks =
        droppedRecords(
            () -> Stores.persistentWindowStore("w", RETENTION, WINDOW, false),
            () -> Stores.persistentSessionStore("s", RETENTION),
            new File(dir, "rocks"));
    double strata =
        droppedRecords(
            () -> StrataStores.windowStore("w", RETENTION, WINDOW, false, false),
            () -> StrataStores.sessionStore("s", RETENTION),
            new File(dir, "strata"));
    assertThat(rocks).as("RocksDB's count").isGreaterThanOrEqualTo(4.0);
    assertThat(strata).isEqualTo(rocks);
  }
}
