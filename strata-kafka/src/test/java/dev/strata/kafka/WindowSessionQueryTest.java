package dev.strata.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Random;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.kstream.internals.SessionWindow;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.query.PositionBound;
import org.apache.kafka.streams.query.Query;
import org.apache.kafka.streams.query.QueryConfig;
import org.apache.kafka.streams.query.QueryResult;
import org.apache.kafka.streams.query.WindowKeyQuery;
import org.apache.kafka.streams.query.WindowRangeQuery;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.SessionStore;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * IQv2 on window and session stores, Strata's against Kafka's RocksDB ones: a processor writes the
 * same random windows and sessions into both (stream time crossing many segments, so retention
 * drops some), and between records the test asks both, through the stores Kafka built around them
 * (metered, as {@code KafkaStreams.query} reaches them), the same {@link WindowKeyQuery} and {@link
 * WindowRangeQuery}: every answer, failure reason and position must be equal. Reproduce with {@code
 * -Dstrata.seed=}.
 */
class WindowSessionQueryTest {
  private static final long WINDOW = 10_000;
  private static final Duration RETENTION = Duration.ofMinutes(3);
  private static final List<String> KEYS = List.of("a", "b", "c", "d", "e");

  @TempDir File dir;

  /** Writes each record's random windows and sessions into both stores of each kind. */
  private static final class Writer implements Processor<String, String, Void, Void> {
    private final Random random;
    private final List<WindowStore<Bytes, byte[]>> windows = new ArrayList<>();
    private final List<SessionStore<Bytes, byte[]>> sessions = new ArrayList<>();
    private int step;

    Writer(long seed) {
      this.random = new Random(seed);
    }

    @Override
    public void init(ProcessorContext<Void, Void> context) {
      windows.add(context.getStateStore("w-strata"));
      windows.add(context.getStateStore("w-rocks"));
      sessions.add(context.getStateStore("s-strata"));
      sessions.add(context.getStateStore("s-rocks"));
    }

    @Override
    public void process(Record<String, String> record) {
      long now = record.timestamp();
      for (int i = 0; i < 3; i++) {
        step++;
        Bytes key = bytes(KEYS.get(random.nextInt(KEYS.size())));
        long t = now - random.nextInt(200_000);
        long start = t - t % WINDOW;
        byte[] value = random.nextInt(8) == 0 ? null : ("v" + step).getBytes();
        for (WindowStore<Bytes, byte[]> w : windows) {
          w.put(key, value, start);
        }
        Windowed<Bytes> session =
            new Windowed<>(key, new SessionWindow(t, t + random.nextInt(30_000)));
        boolean remove = random.nextInt(5) == 0;
        byte[] aggregate = ("s" + step).getBytes();
        for (SessionStore<Bytes, byte[]> s : sessions) {
          if (remove) {
            s.remove(session);
          } else {
            s.put(session, aggregate);
          }
        }
      }
    }
  }

  private static Bytes bytes(String s) {
    return Bytes.wrap(s.getBytes());
  }

  private static Topology topology(long seed) {
    Topology topology = new Topology();
    topology.addSource("in", new StringDeserializer(), new StringDeserializer(), "ops");
    topology.addProcessor("write", () -> new Writer(seed), "in");
    Duration window = Duration.ofMillis(WINDOW);
    topology.addStateStore(Stores.windowStoreBuilder(
            StrataStores.windowStore("w-strata", RETENTION, window, false, false),
            Serdes.Bytes(), Serdes.ByteArray()).withLoggingDisabled(), "write");
    topology.addStateStore(Stores.windowStoreBuilder(
            Stores.persistentWindowStore("w-rocks", RETENTION, window, false),
            Serdes.Bytes(), Serdes.ByteArray()).withLoggingDisabled(), "write");
    topology.addStateStore(Stores.sessionStoreBuilder(
            StrataStores.sessionStore("s-strata", RETENTION),
            Serdes.Bytes(), Serdes.ByteArray()).withLoggingDisabled(), "write");
    topology.addStateStore(Stores.sessionStoreBuilder(
            Stores.persistentSessionStore("s-rocks", RETENTION),
            Serdes.Bytes(), Serdes.ByteArray()).withLoggingDisabled(), "write");
    return topology;
  }

  /** One answer as text: the records in order, or the failure reason, and the position. */
  private static String answer(StateStore store, Query<?> query) {
    QueryResult<?> r = store.query(query, PositionBound.unbounded(), new QueryConfig(false));
    if (r.isFailure()) {
      return "failure " + r.getFailureReason() + " at " + r.getPosition();
    }
    List<String> records = new ArrayList<>();
    Object result = r.getResult();
    if (result instanceof WindowStoreIterator<?> it) {
      try (it) {
        while (it.hasNext()) {
          KeyValue<Long, ?> kv = it.next();
          records.add(kv.key + "=" + new String((byte[]) kv.value));
        }
      }
    } else {
      @SuppressWarnings("unchecked")
      KeyValueIterator<Windowed<Bytes>, byte[]> it =
          (KeyValueIterator<Windowed<Bytes>, byte[]>) result;
      try (it) {
        while (it.hasNext()) {
          KeyValue<Windowed<Bytes>, byte[]> kv = it.next();
          records.add(kv.key + "=" + new String(kv.value));
        }
      }
    }
    return records + " at " + r.getPosition();
  }

  @Test
  void windowAndSessionQueries_answerAsKafkaRocksDbStores() throws Exception {
    long seed = dev.strata.testing.Seeds.seed("WindowSessionQueryTest");
    Random random = new Random(seed ^ 0x5DEECE66DL);
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "window-queries");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "localhost:9");
    props.put(StreamsConfig.STATE_DIR_CONFIG, dir.getAbsolutePath());
    List<String> differences = new ArrayList<>();
    int nonEmpty = 0;
    int queries = 0;
    try (TopologyTestDriver driver = new TopologyTestDriver(topology(seed), props)) {
      var in = driver.createInputTopic("ops", new StringSerializer(), new StringSerializer());
      // The stores Kafka built (metered around Strata's or RocksDB's), as IQv2 reaches them.
      StateStore ws = driver.<Bytes, byte[]>getWindowStore("w-strata");
      StateStore wr = driver.<Bytes, byte[]>getWindowStore("w-rocks");
      StateStore ss = driver.<Bytes, byte[]>getSessionStore("s-strata");
      StateStore sr = driver.<Bytes, byte[]>getSessionStore("s-rocks");
      long time = 10_000_000;
      for (int i = 0; i < 600; i++) {
        time += 1_000 + random.nextInt(4_000);
        in.pipeInput("k", "op", Instant.ofEpochMilli(time));
        for (int q = 0; q < 3; q++) {
          Bytes key = bytes(KEYS.get(random.nextInt(KEYS.size())));
          long from = time - random.nextInt(260_000);
          long to = from + random.nextInt(120_000) - 20_000;
          Instant a = Instant.ofEpochMilli(from);
          Instant b = Instant.ofEpochMilli(to);
          List<Query<?>> asked =
              List.of(
                  WindowKeyQuery.withKeyAndWindowStartRange(key, a, b),
                  WindowRangeQuery.withWindowStartRange(a, b),
                  WindowRangeQuery.withKey(key));
          for (Query<?> query : asked) {
            queries++;
            String strata = answer(ws, query);
            String rocks = answer(wr, query);
            if (!strata.equals(rocks)) {
              differences.add("step " + i + " window " + query + ": strata " + strata
                  + " rocksdb " + rocks);
            }
            if (!rocks.startsWith("[] ") && !rocks.startsWith("failure")) {
              nonEmpty++;
            }
          }
          // Sessions answer WindowRangeQuery.withKey (all sessions of the key); other queries fail.
          for (Query<?> query : List.of(WindowRangeQuery.withKey(key),
              WindowRangeQuery.withWindowStartRange(a, b))) {
            String strata = answer(ss, query);
            String rocks = answer(sr, query);
            if (!strata.equals(rocks)) {
              differences.add("step " + i + " session " + query + ": strata " + strata
                  + " rocksdb " + rocks);
            }
          }
        }
      }
      // Position bounds: a bound past the store's position fails as NOT_UP_TO_BOUND; one it has
      // reached is answered.
      org.apache.kafka.streams.query.Position reached =
          org.apache.kafka.streams.query.Position.emptyPosition().withComponent("ops", 0, 599);
      org.apache.kafka.streams.query.Position beyond =
          org.apache.kafka.streams.query.Position.emptyPosition().withComponent("ops", 0, 600);
      Query<?> windowQuery =
          WindowKeyQuery.withKeyAndWindowStartRange(
              bytes("a"), Instant.ofEpochMilli(0), Instant.ofEpochMilli(time));
      Query<?> sessionQuery = WindowRangeQuery.withKey(bytes("a"));
      for (var storeAndQuery : List.of(KeyValue.pair(ws, windowQuery), KeyValue.pair(ss, sessionQuery))) {
        QueryResult<?> ahead =
            storeAndQuery.key.query(
                storeAndQuery.value, PositionBound.at(beyond), new QueryConfig(false));
        assertThat(ahead.getFailureReason())
            .isEqualTo(org.apache.kafka.streams.query.FailureReason.NOT_UP_TO_BOUND);
        QueryResult<?> within =
            storeAndQuery.key.query(
                storeAndQuery.value, PositionBound.at(reached), new QueryConfig(false));
        assertThat(within.isSuccess()).as(String.valueOf(within)).isTrue();
        assertThat(within.getPosition()).isEqualTo(reached);
        ((AutoCloseable) within.getResult()).close();
      }
    }
    assertThat(differences).as("seed %d", seed).isEmpty();
    assertThat(nonEmpty).as("non-empty answers of %d queries", queries).isGreaterThan(500);
  }
}
