package dev.strata.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.Random;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.kstream.internals.SessionWindow;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.SessionStore;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowBytesStoreSupplier;
import org.apache.kafka.streams.state.WindowStoreIterator;
import org.apache.kafka.streams.state.internals.RocksDbIndexedTimeOrderedWindowBytesStoreSupplier;
import org.apache.kafka.streams.state.internals.RocksDbTimeOrderedSessionBytesStoreSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Strata's window and session stores against Kafka's RocksDB ones, in a TopologyTestDriver (which
 * gives both the internal context Kafka's segmented stores need): a processor runs the same random
 * operations on both and records every difference. Stream time moves over many segment intervals,
 * so retention drops segments (whole directories); window stores run with and without duplicates,
 * key first and time-ordered (without and with the key-first index), session stores key first and
 * time-ordered. Reproduce with {@code -Dstrata.seed=}.
 */
class WindowSessionContractTest {
  private static final long WINDOW = 10_000;
  private static final Duration RETENTION = Duration.ofMinutes(3);

  @TempDir File dir;

  private static final class Compare implements Processor<String, String, Void, Void> {
    final List<String> differences;
    final Random rnd;
    /** Strata and RocksDB window stores, pair by pair: {@link #WINDOW_PAIRS}. */
    final List<WindowStore<Bytes, byte[]>> windowStores = new ArrayList<>();
    /** Strata and RocksDB session stores, pair by pair: {@link #SESSION_PAIRS}. */
    final List<SessionStore<Bytes, byte[]>> sessionStores = new ArrayList<>();
    int step;
    int nonEmpty;

    Compare(List<String> differences, long seed) {
      this.differences = differences;
      this.rnd = new Random(seed);
    }

    @Override
    public void init(ProcessorContext<Void, Void> context) {
      for (String pair : WINDOW_PAIRS) {
        windowStores.add(context.getStateStore(pair + "-strata"));
        windowStores.add(context.getStateStore(pair + "-rocks"));
      }
      for (String pair : SESSION_PAIRS) {
        sessionStores.add(context.getStateStore(pair + "-strata"));
        sessionStores.add(context.getStateStore(pair + "-rocks"));
      }
    }

    private Bytes key() {
      return Bytes.wrap(new byte[] {(byte) ('a' + rnd.nextInt(6))});
    }

    private Bytes keyOrNull() {
      return rnd.nextInt(5) == 0 ? null : key();
    }

    @Override
    public void process(Record<String, String> record) {
      long now = record.timestamp();
      for (int i = 0; i < 4; i++) {
        step++;
        int w = rnd.nextInt(WINDOW_PAIRS.size());
        WindowStore<Bytes, byte[]> s = windowStores.get(2 * w);
        WindowStore<Bytes, byte[]> r = windowStores.get(2 * w + 1);
        int p = rnd.nextInt(SESSION_PAIRS.size());
        SessionStore<Bytes, byte[]> ss = sessionStores.get(2 * p);
        SessionStore<Bytes, byte[]> sr = sessionStores.get(2 * p + 1);
        long t = now - rnd.nextInt(240_000);
        long start = t - t % WINDOW;
        long t2 = t + rnd.nextInt(120_000) - 20_000;
        Bytes k = key();
        switch (rnd.nextInt(14)) {
          case 0, 1, 2 -> {
            byte[] v = rnd.nextInt(6) == 0 ? null : ("v" + step).getBytes();
            s.put(k, v, start);
            r.put(k, v, start);
          }
          case 3 -> check("fetch(k,t)", () -> s.fetch(k, start), () -> r.fetch(k, start));
          case 4 -> check("fetch(k,from,to)", () -> values(s.fetch(k, t, t2)), () -> values(r.fetch(k, t, t2)));
          case 5 -> check("backwardFetch(k,from,to)", () -> values(s.backwardFetch(k, t, t2)), () -> values(r.backwardFetch(k, t, t2)));
          case 6 -> {
            Bytes a = keyOrNull();
            Bytes b = keyOrNull();
            check("fetch(a,b,from,to)", () -> windowed(s.fetch(a, b, t, t2)), () -> windowed(r.fetch(a, b, t, t2)));
            check("backwardFetch(a,b,from,to)", () -> windowed(s.backwardFetch(a, b, t, t2)), () -> windowed(r.backwardFetch(a, b, t, t2)));
          }
          case 7 -> check("fetchAll", () -> windowed(s.fetchAll(t, t2)), () -> windowed(r.fetchAll(t, t2)));
          case 8 -> {
            check("all", () -> windowed(s.all()), () -> windowed(r.all()));
            check("backwardAll", () -> windowed(s.backwardAll()), () -> windowed(r.backwardAll()));
            check("backwardFetchAll", () -> windowed(s.backwardFetchAll(t, t2)), () -> windowed(r.backwardFetchAll(t, t2)));
          }
          case 9, 10 -> {
            long sessionStart = t;
            long sessionEnd = t + rnd.nextInt(20_000);
            Windowed<Bytes> session = new Windowed<>(k, new SessionWindow(sessionStart, sessionEnd));
            if (rnd.nextInt(4) == 0) {
              ss.remove(session);
              sr.remove(session);
            } else {
              byte[] v = ("s" + step).getBytes();
              ss.put(session, v);
              sr.put(session, v);
            }
          }
          case 11 -> {
            check("findSessions(k)", () -> windowed(ss.findSessions(k, t, t2)), () -> windowed(sr.findSessions(k, t, t2)));
            check("backwardFindSessions(k)", () -> windowed(ss.backwardFindSessions(k, t, t2)), () -> windowed(sr.backwardFindSessions(k, t, t2)));
          }
          case 12 -> {
            Bytes a = keyOrNull();
            Bytes b = keyOrNull();
            check("findSessions(a,b)", () -> windowed(ss.findSessions(a, b, t, t2)), () -> windowed(sr.findSessions(a, b, t, t2)));
            check("fetch(k)", () -> windowed(ss.fetch(k)), () -> windowed(sr.fetch(k)));
            check("findSessions(earliestEnd,latestEnd)", () -> windowed(ss.findSessions(t, t2)),
                () -> windowed(sr.findSessions(t, t2)));
          }
          default -> check("fetchSession", () -> ss.fetchSession(k, t, t2), () -> sr.fetchSession(k, t, t2));
        }
      }
    }

    /** Compares two answers; an exception counts as its class (Kafka 4.1 lacks some calls). */
    private void check(String what, Supplier<Object> strataCall, Supplier<Object> rocksCall) {
      Object strata = answer(strataCall);
      Object rocks = answer(rocksCall);
      Object a = strata instanceof byte[] b ? Arrays.toString(b) : strata;
      Object b = rocks instanceof byte[] c ? Arrays.toString(c) : rocks;
      if (b != null && !(b instanceof List<?> l && l.isEmpty())) {
        nonEmpty++;
      }
      if (!java.util.Objects.equals(a, b)) {
        differences.add("step " + step + " " + what + ": strata " + a + " rocksdb " + b);
      }
    }
  }

  private static Object answer(Supplier<Object> call) {
    try {
      return call.get();
    } catch (RuntimeException e) {
      return e.getClass().getName();
    }
  }

  private static List<String> values(WindowStoreIterator<byte[]> it) {
    List<String> out = new ArrayList<>();
    try (it) {
      while (it.hasNext()) {
        KeyValue<Long, byte[]> kv = it.next();
        out.add(kv.key + "=" + new String(kv.value));
      }
    }
    return out;
  }

  private static List<String> windowed(KeyValueIterator<Windowed<Bytes>, byte[]> it) {
    List<String> out = new ArrayList<>();
    try (it) {
      while (it.hasNext()) {
        KeyValue<Windowed<Bytes>, byte[]> kv = it.next();
        out.add(kv.key + "=" + new String(kv.value));
      }
    }
    return out;
  }

  /**
   * Window store pairs: key first ({@code w}), with duplicates ({@code d}), time-ordered without
   * ({@code tw}) and with ({@code ti}) the key-first index, time-ordered with duplicates ({@code
   * td}).
   */
  private static final List<String> WINDOW_PAIRS = List.of("w", "d", "tw", "ti", "td");

  /** Session store pairs: key first ({@code s}), time-ordered with the index ({@code ts}). */
  private static final List<String> SESSION_PAIRS = List.of("s", "ts");

  private static void addWindowPair(Topology topology, String pair,
      WindowBytesStoreSupplier strata, WindowBytesStoreSupplier rocks) {
    topology.addStateStore(Stores.windowStoreBuilder(strata, Serdes.Bytes(), Serdes.ByteArray())
        .withLoggingDisabled(), "compare");
    topology.addStateStore(Stores.windowStoreBuilder(rocks, Serdes.Bytes(), Serdes.ByteArray())
        .withLoggingDisabled(), "compare");
    assertThat(strata.name()).isEqualTo(pair + "-strata");
  }

  @Test
  void randomOperations_matchKafkaRocksDbWindowAndSessionStores() throws Exception {
    long seed = dev.strata.testing.Seeds.seed("WindowSessionContractTest");
    List<String> differences = new ArrayList<>();
    Topology topology = new Topology();
    topology.addSource("in", new org.apache.kafka.common.serialization.StringDeserializer(),
        new org.apache.kafka.common.serialization.StringDeserializer(), "ops");
    List<Compare> made = new ArrayList<>();
    Supplier<Processor<String, String, Void, Void>> processor =
        () -> {
          Compare c = new Compare(differences, seed);
          made.add(c);
          return c;
        };
    topology.addProcessor("compare", processor::get, "in");
    Duration window = Duration.ofMillis(WINDOW);
    addWindowPair(topology, "w", StrataStores.windowStore("w-strata", RETENTION, window, false, false),
        Stores.persistentWindowStore("w-rocks", RETENTION, window, false));
    addWindowPair(topology, "d", StrataStores.windowStore("d-strata", RETENTION, window, true, false),
        Stores.persistentWindowStore("d-rocks", RETENTION, window, true));
    addWindowPair(topology, "tw",
        StrataStores.timeOrderedWindowStore("tw-strata", RETENTION, window, false, false),
        RocksDbIndexedTimeOrderedWindowBytesStoreSupplier.create(
            "tw-rocks", RETENTION, window, false, false));
    addWindowPair(topology, "ti",
        StrataStores.timeOrderedWindowStore("ti-strata", RETENTION, window, false, true),
        RocksDbIndexedTimeOrderedWindowBytesStoreSupplier.create(
            "ti-rocks", RETENTION, window, false, true));
    addWindowPair(topology, "td",
        StrataStores.timeOrderedWindowStore("td-strata", RETENTION, window, true, false),
        RocksDbIndexedTimeOrderedWindowBytesStoreSupplier.create(
            "td-rocks", RETENTION, window, true, false));
    topology.addStateStore(Stores.sessionStoreBuilder(
            StrataStores.sessionStore("s-strata", RETENTION),
            Serdes.Bytes(), Serdes.ByteArray()).withLoggingDisabled(), "compare");
    topology.addStateStore(Stores.sessionStoreBuilder(
            Stores.persistentSessionStore("s-rocks", RETENTION),
            Serdes.Bytes(), Serdes.ByteArray()).withLoggingDisabled(), "compare");
    topology.addStateStore(Stores.sessionStoreBuilder(
            StrataStores.timeOrderedSessionStore("ts-strata", RETENTION),
            Serdes.Bytes(), Serdes.ByteArray()).withLoggingDisabled(), "compare");
    topology.addStateStore(Stores.sessionStoreBuilder(
            new RocksDbTimeOrderedSessionBytesStoreSupplier("ts-rocks", RETENTION.toMillis(), true),
            Serdes.Bytes(), Serdes.ByteArray()).withLoggingDisabled(), "compare");
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "window-contract");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "localhost:9");
    props.put(StreamsConfig.STATE_DIR_CONFIG, dir.getAbsolutePath());
    int maxSegments = 0;
    try (TopologyTestDriver driver = new TopologyTestDriver(topology, props)) {
      var in = driver.createInputTopic("ops", new StringSerializer(), new StringSerializer());
      long time = 10_000_000;
      // CI: 1,500 operations (each compares every store kind); soak: 10 times as many.
      int operations = Boolean.getBoolean("strata.soak") ? 15_000 : 1_500;
      for (int i = 0; i < operations; i++) {
        time += 1_000 + new Random(seed + i).nextInt(4_000);
        in.pipeInput("k", "op", Instant.ofEpochMilli(time));
        if (i % 100 == 0) {
          maxSegments = Math.max(maxSegments, segmentDirs("w-strata"));
        }
      }
    }
    assertThat(differences).as("seed %d", seed).isEmpty();
    assertThat(made.get(made.size() - 1).nonEmpty).as("answers with something in them").isGreaterThan(2_000);
    // Retention 3 min, segments of 1.5 min: at most three live at once, older ones deleted whole.
    assertThat(maxSegments).isBetween(1, 4);
  }

  private int segmentDirs(String store) throws Exception {
    Path p = dir.toPath().resolve("window-contract").resolve("0_0").resolve("strata").resolve(store);
    try (Stream<Path> s = Files.list(p)) {
      return (int) s.filter(d -> Files.isDirectory(d)
          && d.getFileName().toString().startsWith(store + ".")).count();
    }
  }
}
