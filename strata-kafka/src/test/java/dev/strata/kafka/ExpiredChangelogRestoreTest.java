package dev.strata.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.kstream.internals.SessionWindow;
import org.apache.kafka.streams.processor.StateRestoreListener;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlySessionStore;
import org.apache.kafka.streams.state.ReadOnlyWindowStore;
import org.apache.kafka.streams.state.SessionBytesStoreSupplier;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowBytesStoreSupplier;
import org.apache.kafka.streams.state.internals.SessionKeySchema;
import org.apache.kafka.streams.state.internals.WindowKeySchema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * A window and a session store restored from changelogs that hold expired and live records, on a
 * real broker ({@link EmbeddedKafka}): Kafka 4.4 skips the expired head of such a changelog for a
 * store that reports its retention ({@code WithRetentionPeriod}); earlier Kafka restores it all.
 * The changelogs are written directly ({@value #RECORDS} records a second apart, Kafka's key
 * layouts), then one instance with an empty state directory restores Strata's stores and Kafka's
 * RocksDB stores from identical changelogs: both must restore the same number of records, on 4.4
 * only those at or after the last record's time minus the retention, before 4.4 all; and both must
 * then answer the same live windows and sessions.
 */
class ExpiredChangelogRestoreTest {
  private static final String APP = "expired-restore";
  private static final String INPUT = APP + "-input";
  private static final Duration RETENTION = Duration.ofMinutes(1);
  private static final int RECORDS = 300;
  private static final int KEYS = 5;
  private static final List<String> STORES =
      List.of("strata-windows", "rocks-windows", "strata-sessions", "rocks-sessions");

  @TempDir(cleanup = CleanupMode.ON_SUCCESS)
  Path dir;

  private static String changelog(String store) {
    return APP + "-" + store + "-changelog";
  }

  /** Holds the stores; never gets a record. */
  private static final class Ignore implements Processor<byte[], byte[], Void, Void> {
    @Override
    public void process(Record<byte[], byte[]> record) {}
  }

  /** Connects the stores to the input; the input stays empty, the stores only get restored. */
  private static Topology topology() {
    Topology t = new Topology();
    t.addSource("in", new ByteArrayDeserializer(), new ByteArrayDeserializer(), INPUT);
    t.addProcessor("touch", Ignore::new, "in");
    Duration window = Duration.ofSeconds(1);
    WindowBytesStoreSupplier strataWindows =
        StrataStores.windowStore("strata-windows", RETENTION, window, false, false);
    WindowBytesStoreSupplier rocksWindows =
        Stores.persistentWindowStore("rocks-windows", RETENTION, window, false);
    SessionBytesStoreSupplier strataSessions =
        StrataStores.sessionStore("strata-sessions", RETENTION);
    SessionBytesStoreSupplier rocksSessions =
        Stores.persistentSessionStore("rocks-sessions", RETENTION);
    for (WindowBytesStoreSupplier s : List.of(strataWindows, rocksWindows)) {
      t.addStateStore(Stores.windowStoreBuilder(s, Serdes.String(), Serdes.String()), "touch");
    }
    for (SessionBytesStoreSupplier s : List.of(strataSessions, rocksSessions)) {
      t.addStateStore(Stores.sessionStoreBuilder(s, Serdes.String(), Serdes.String()), "touch");
    }
    return t;
  }

  private static Properties config(String bootstrap, Path stateDir) {
    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, APP);
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
    p.put(StrataConfig.MEMORY_BUDGET_BYTES, 16L << 20);
    p.put(StrataConfig.CACHE_BYTES, 4L << 20);
    p.put(StrataConfig.BACKGROUND_THREADS, 1);
    return p;
  }

  /**
   * Record {@code i} of every changelog: key {@code k<i % KEYS>}, at {@code base + i} seconds (its
   * window start, its session's end), value {@code v<i>}.
   */
  private static void writeChangelogs(EmbeddedKafka kafka, long base) throws Exception {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
      for (int i = 0; i < RECORDS; i++) {
        long time = base + i * 1_000L;
        byte[] key = ("k" + i % KEYS).getBytes();
        byte[] value = ("v" + i).getBytes();
        byte[] windowKey = WindowKeySchema.toStoreKeyBinary(Bytes.wrap(key), time, 0).get();
        byte[] sessionKey =
            SessionKeySchema.toBinary(
                new Windowed<>(Bytes.wrap(key), new SessionWindow(time - 500, time))).get();
        for (String store : STORES) {
          byte[] k = store.endsWith("windows") ? windowKey : sessionKey;
          producer.send(new ProducerRecord<>(changelog(store), 0, time, k, value));
        }
      }
      producer.flush();
    }
  }

  @Test
  void restore_ofChangelogWithExpiredRecords_skipsThemOn44AsKafkaDoes() throws Exception {
    // Times an hour back: the broker accepts them and keeps them (its retention is 7 days).
    long base = System.currentTimeMillis() - Duration.ofHours(1).toMillis();
    long last = base + (RECORDS - 1) * 1_000L;
    Map<String, Long> restored = new ConcurrentHashMap<>();
    CountDownLatch restoresEnded = new CountDownLatch(STORES.size());
    CountDownLatch running = new CountDownLatch(1);
    try (EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"))) {
      kafka.createTopic(INPUT, 1);
      for (String store : STORES) {
        kafka.createTopic(changelog(store), 1);
      }
      writeChangelogs(kafka, base);
      try (KafkaStreams streams = new KafkaStreams(topology(), config(kafka.bootstrapServers(),
          dir.resolve("state")))) {
        streams.setGlobalStateRestoreListener(
            new StateRestoreListener() {
              @Override
              public void onRestoreStart(TopicPartition tp, String store, long from, long to) {}

              @Override
              public void onBatchRestored(TopicPartition tp, String store, long end, long n) {}

              @Override
              public void onRestoreEnd(TopicPartition tp, String store, long total) {
                restored.merge(store, total, Long::sum);
                restoresEnded.countDown();
              }
            });
        streams.setStateListener(
            (now, before) -> {
              if (now == KafkaStreams.State.RUNNING) {
                running.countDown();
              }
            });
        streams.start();
        assertThat(restoresEnded.await(120, TimeUnit.SECONDS))
            .as("restores ended: %s", restored).isTrue();
        assertThat(running.await(120, TimeUnit.SECONDS)).as("RUNNING").isTrue();

        // 4.4 starts at the first record at or after (last - retention): records 239 to 299.
        long firstRestored = RECORDS - 1 - RETENTION.toSeconds();
        long expected =
            RetentionPeriodTest.kafkaAsksRetention() ? RECORDS - firstRestored : RECORDS;
        assertThat(restored)
            .as("records restored per store")
            .isEqualTo(Map.of(
                "strata-windows", expected, "rocks-windows", expected,
                "strata-sessions", expected, "rocks-sessions", expected));

        Map<Long, String> windows = windows(streams, "strata-windows");
        assertThat(windows).isEqualTo(windows(streams, "rocks-windows"));
        // Live: windows after (last - retention), whatever was restored.
        assertThat(windows.keySet()).hasSize((int) RETENTION.toSeconds())
            .allMatch(start -> start > last - RETENTION.toMillis() && start <= last);
        windows.forEach((start, value) ->
            assertThat(value).isEqualTo("k" + (start - base) / 1_000 % KEYS + "=v"
                + (start - base) / 1_000));
        List<String> sessions = sessions(streams, "strata-sessions");
        assertThat(sessions).isEqualTo(sessions(streams, "rocks-sessions"))
            .contains("k" + (RECORDS - 1) % KEYS + "@" + (last - 500) + "-" + last + "=v"
                + (RECORDS - 1));
      }
    }
  }

  /** Every window of the store: its start to {@code key=value}. */
  private static Map<Long, String> windows(KafkaStreams streams, String store) {
    ReadOnlyWindowStore<String, String> s =
        streams.store(
            StoreQueryParameters.fromNameAndType(store, QueryableStoreTypes.windowStore()));
    Map<Long, String> out = new TreeMap<>();
    try (KeyValueIterator<Windowed<String>, String> it =
        s.fetchAll(Instant.EPOCH, Instant.ofEpochMilli(Long.MAX_VALUE))) {
      it.forEachRemaining(kv -> out.put(kv.key.window().start(), kv.key.key() + "=" + kv.value));
    }
    return out;
  }

  /** Every key's sessions, {@code key@start-end=value}, key by key. */
  private static List<String> sessions(KafkaStreams streams, String store) {
    ReadOnlySessionStore<String, String> s =
        streams.store(
            StoreQueryParameters.fromNameAndType(store, QueryableStoreTypes.sessionStore()));
    List<String> out = new ArrayList<>();
    for (int k = 0; k < KEYS; k++) {
      try (KeyValueIterator<Windowed<String>, String> it = s.fetch("k" + k)) {
        while (it.hasNext()) {
          KeyValue<Windowed<String>, String> kv = it.next();
          out.add(kv.key.key() + "@" + kv.key.window().start() + "-" + kv.key.window().end() + "="
              + kv.value);
        }
      }
    }
    return out;
  }
}
