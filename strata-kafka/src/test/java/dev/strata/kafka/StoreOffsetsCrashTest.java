package dev.strata.kafka;

import static dev.strata.kafka.EmbeddedKafka.await;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.internals.RecordBatchingStateRestoreCallback;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.internals.WindowKeySchema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The key-value store's own committed offsets (KIP-1035) across a crash: a child JVM restores
 * changelog records into the store (unlogged), commits their offsets, writes and restores more
 * without committing, and is killed with SIGKILL; the store reopened here must have every record
 * up to the committed offset (the offsets never ahead of the data), and restoring from that offset
 * on must end in exactly the changelog's state (nothing lost, nothing applied twice). Under
 * exactly-once the crashed store's offsets are not trusted (Kafka then wipes and restores the
 * task); after a clean close they are.
 */
class StoreOffsetsCrashTest {
  private static final TopicPartition CHANGELOG = new TopicPartition("app-kv-changelog", 0);
  private static final TopicPartition WINDOW_CHANGELOG = new TopicPartition("app-w-changelog", 0);
  private static final int COMMITTED = 300;
  private static final int UNCOMMITTED = 200;

  @TempDir File dir;

  /** Changelog records {@code from} to {@code to - 1}: key k{i % 250}, value v{i}. */
  static List<ConsumerRecord<byte[], byte[]>> changelog(int from, int to) {
    List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
    for (int i = from; i < to; i++) {
      out.add(new ConsumerRecord<>(CHANGELOG.topic(), CHANGELOG.partition(), i,
          ("k" + i % 250).getBytes(), ("v" + i).getBytes()));
    }
    return out;
  }

  /** The state a changelog leaves: each key's last value, a null value deleting. */
  static Map<String, String> apply(List<ConsumerRecord<byte[], byte[]>> records) {
    Map<String, String> out = new TreeMap<>();
    for (ConsumerRecord<byte[], byte[]> r : records) {
      if (r.value() == null) {
        out.remove(new String(r.key()));
      } else {
        out.put(new String(r.key()), new String(r.value()));
      }
    }
    return out;
  }

  static Map<String, String> contents(StrataKeyValueStore store) {
    Map<String, String> out = new TreeMap<>();
    try (KeyValueIterator<Bytes, byte[]> it = store.all()) {
      it.forEachRemaining(kv -> out.put(new String(kv.key.get()), new String(kv.value)));
    }
    return out;
  }

  static CapturingContext context(File stateDir, String guarantee) {
    Properties extra = new Properties();
    extra.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, guarantee);
    return new CapturingContext(StoreContexts.context(stateDir, "offsets", extra));
  }

  /** Window changelog records {@code from} to {@code to - 1}: key w{i % 50} at i seconds. */
  static List<ConsumerRecord<byte[], byte[]>> windowChangelog(int from, int to) {
    List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
    for (int i = from; i < to; i++) {
      byte[] key =
          WindowKeySchema.toStoreKeyBinary(Bytes.wrap(("w" + i % 50).getBytes()), i * 1000L, 0)
              .get();
      out.add(new ConsumerRecord<>(WINDOW_CHANGELOG.topic(), 0, i, key, ("v" + i).getBytes()));
    }
    return out;
  }

  static StateStore newStore(String kind) {
    return kind.equals("window")
        ? StrataStores.windowStore("w", Duration.ofMinutes(10), Duration.ofMinutes(1), false, false)
            .get()
        : new StrataKeyValueStore("kv");
  }

  static TopicPartition changelogOf(String kind) {
    return kind.equals("window") ? WINDOW_CHANGELOG : CHANGELOG;
  }

  static List<ConsumerRecord<byte[], byte[]>> records(String kind, int from, int to) {
    return kind.equals("window") ? windowChangelog(from, to) : changelog(from, to);
  }

  /** KIP-1035's commit, on either store kind (the methods exist on Kafka 4.4 only). */
  static void commit(StateStore store, long offset, String kind) {
    Map<TopicPartition, Long> offsets = Map.of(changelogOf(kind), offset);
    if (store instanceof StrataKeyValueStore kv) {
      kv.commit(offsets);
    } else {
      ((SegmentedStateStore) store).commit(offsets);
    }
  }

  static Long committedOffset(StateStore store, String kind) {
    return store instanceof StrataKeyValueStore kv
        ? kv.committedOffset(changelogOf(kind))
        : ((SegmentedStateStore) store).committedOffset(changelogOf(kind));
  }

  /** Every entry of either store kind, as text. */
  static Map<String, String> contents(StateStore store) {
    if (store instanceof StrataKeyValueStore kv) {
      return contents(kv);
    }
    Map<String, String> out = new TreeMap<>();
    try (KeyValueIterator<org.apache.kafka.streams.kstream.Windowed<Bytes>, byte[]> it =
        ((StrataWindowStore) store).all()) {
      it.forEachRemaining(kv -> out.put(
          new String(kv.key.key().get()) + "@" + kv.key.window().start(), new String(kv.value)));
    }
    return out;
  }

  /** What a changelog leaves in a store of {@code kind}, in {@link #contents}' form. */
  static Map<String, String> expected(String kind, int to) {
    if (kind.equals("kv")) {
      return apply(changelog(0, to));
    }
    Map<String, String> out = new TreeMap<>();
    for (int i = 0; i < to; i++) {
      out.put("w" + i % 50 + "@" + i * 1000L, "v" + i);
    }
    return out;
  }

  /**
   * The child: {@code STATE_DIR GUARANTEE crash|close KIND} ({@code kv} or {@code window}).
   * Restores and commits the first {@value #COMMITTED} records, then restores {@value
   * #UNCOMMITTED} more (for the window store into a segment made after the commit) and, for the
   * key-value store, writes one key directly; then either prints READY and waits to be killed, or
   * closes the store and prints CLOSED.
   */
  public static void main(String[] args) throws Exception {
    String kind = args.length > 3 ? args[3] : "kv";
    CapturingContext ctx = context(new File(args[0]), args[1]);
    StateStore store = newStore(kind);
    store.init(ctx, store);
    RecordBatchingStateRestoreCallback restore =
        (RecordBatchingStateRestoreCallback) ctx.restoreCallback;
    restore.restoreBatch(records(kind, 0, COMMITTED / 2));
    restore.restoreBatch(records(kind, COMMITTED / 2, COMMITTED));
    commit(store, COMMITTED - 1, kind);
    restore.restoreBatch(records(kind, COMMITTED, COMMITTED + UNCOMMITTED));
    if (store instanceof StrataKeyValueStore kv) {
      kv.put(Bytes.wrap("direct".getBytes()), "uncommitted".getBytes());
    }
    if (args[2].equals("close")) {
      store.close();
      System.out.println("CLOSED");
      System.exit(0);
    }
    System.out.println("READY");
    System.out.flush();
    new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
    System.exit(0);
  }

  private File runChild(String guarantee, String mode, String line) throws Exception {
    return runChild(guarantee, mode, line, "kv");
  }

  private File runChild(String guarantee, String mode, String line, String kind)
      throws Exception {
    File stateDir = new File(dir, kind + "-" + guarantee);
    try (ChildInstance child =
        ChildInstance.start(StoreOffsetsCrashTest.class, new File(dir, kind + guarantee + ".log"),
            stateDir.getPath(), guarantee, mode, kind)) {
      await(Duration.ofSeconds(60), "the child to print " + line, () -> child.printed(line));
      if (mode.equals("crash")) {
        child.kill();
      }
    }
    return stateDir;
  }

  @Test
  void crashAfterCommit_atLeastOnce_offsetsNeverAheadAndReplayEndsInTheChangelogState()
      throws Exception {
    File stateDir = runChild(StreamsConfig.AT_LEAST_ONCE, "crash", "READY");
    CapturingContext ctx = context(stateDir, StreamsConfig.AT_LEAST_ONCE);
    StrataKeyValueStore store = new StrataKeyValueStore("kv");
    store.init(ctx, store);
    try {
      Long committed = store.committedOffset(CHANGELOG);
      assertThat(committed).isEqualTo(COMMITTED - 1L);
      // Every record up to the committed offset is there: its last value per key.
      Map<String, String> upToCommit = apply(changelog(0, COMMITTED));
      upToCommit.forEach(
          (k, v) -> {
            byte[] got = store.get(Bytes.wrap(k.getBytes()));
            String value = got == null ? null : new String(got);
            // A key restored again after the commit may hold its newer value, never an older one.
            Map<String, String> later = apply(changelog(0, COMMITTED + UNCOMMITTED));
            assertThat(value).as(k).isIn(v, later.get(k));
          });
      // Kafka restores from the committed offset on; the end state is the changelog's.
      ((RecordBatchingStateRestoreCallback) ctx.restoreCallback)
          .restoreBatch(changelog((int) (committed + 1), COMMITTED + UNCOMMITTED));
      store.commit(Map.of(CHANGELOG, (long) COMMITTED + UNCOMMITTED - 1));
      Map<String, String> expected = apply(changelog(0, COMMITTED + UNCOMMITTED));
      Map<String, String> actual = contents(store);
      actual.remove("direct"); // a logged write of the crashed run: there or not, both fine
      assertThat(actual).isEqualTo(expected);
      assertThat(store.committedOffset(CHANGELOG)).isEqualTo(COMMITTED + UNCOMMITTED - 1L);
    } finally {
      store.close();
    }
  }

  @Test
  void crashAfterCommit_exactlyOnce_offsetsNotTrusted() throws Exception {
    File stateDir = runChild(StreamsConfig.EXACTLY_ONCE_V2, "crash", "READY");
    // Twice: opening and closing the crashed store (as Kafka 4.4 does at start-up to read the
    // offsets of every task directory) must not make it trusted.
    for (int open = 0; open < 2; open++) {
      StrataKeyValueStore store = new StrataKeyValueStore("kv");
      store.init(context(stateDir, StreamsConfig.EXACTLY_ONCE_V2), store);
      try {
        assertThat(store.committedOffset(CHANGELOG))
            .as("offsets of a store that may hold aborted writes, opening " + open).isNull();
      } finally {
        store.close();
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {StreamsConfig.AT_LEAST_ONCE, StreamsConfig.EXACTLY_ONCE_V2})
  void cleanClose_offsetsTrustedAndDataComplete(String guarantee) throws Exception {
    File stateDir = runChild(guarantee, "close", "CLOSED");
    StrataKeyValueStore store = new StrataKeyValueStore("kv");
    store.init(context(stateDir, guarantee), store);
    try {
      assertThat(store.committedOffset(CHANGELOG)).isEqualTo(COMMITTED - 1L);
      Map<String, String> expected = apply(changelog(0, COMMITTED + UNCOMMITTED));
      expected.put("direct", "uncommitted");
      assertThat(contents(store)).isEqualTo(expected);
    } finally {
      store.close();
    }
  }

  /**
   * The window store: segments each keep the offsets behind their own data; the one made after
   * the commit gets a copy, so a crash that loses its unlogged restore replays it from the
   * smallest offset, and the store ends in the changelog's state.
   */
  @Test
  void windowStore_crashAfterCommit_atLeastOnce_replayFromTheOffsetEndsInTheChangelogState()
      throws Exception {
    File stateDir = runChild(StreamsConfig.AT_LEAST_ONCE, "crash", "READY", "window");
    CapturingContext ctx = context(stateDir, StreamsConfig.AT_LEAST_ONCE);
    StateStore store = newStore("window");
    store.init(ctx, store);
    try {
      assertThat(committedOffset(store, "window")).isEqualTo(COMMITTED - 1L);
      Map<String, String> now = contents(store);
      assertThat(now).containsAllEntriesOf(expected("window", COMMITTED));
      ((RecordBatchingStateRestoreCallback) ctx.restoreCallback)
          .restoreBatch(windowChangelog(COMMITTED, COMMITTED + UNCOMMITTED));
      commit(store, COMMITTED + UNCOMMITTED - 1, "window");
      assertThat(contents(store)).isEqualTo(expected("window", COMMITTED + UNCOMMITTED));
      assertThat(committedOffset(store, "window")).isEqualTo(COMMITTED + UNCOMMITTED - 1L);
    } finally {
      store.close();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"crash", "close"})
  void windowStore_exactlyOnce_offsetsTrustedOnlyAfterACleanClose(String mode) throws Exception {
    File stateDir =
        runChild(StreamsConfig.EXACTLY_ONCE_V2, mode, mode.equals("crash") ? "READY" : "CLOSED",
            "window");
    for (int open = 0; open < 2; open++) {
      StateStore store = newStore("window");
      store.init(context(stateDir, StreamsConfig.EXACTLY_ONCE_V2), store);
      try {
        if (mode.equals("crash")) {
          assertThat(committedOffset(store, "window")).as("opening " + open).isNull();
        } else {
          assertThat(committedOffset(store, "window")).isEqualTo(COMMITTED - 1L);
          assertThat(contents(store)).isEqualTo(expected("window", COMMITTED + UNCOMMITTED));
        }
      } finally {
        store.close();
      }
    }
  }

  /**
   * Through Kafka itself (TopologyTestDriver): on Kafka 4.4 the runtime commits the changelog
   * offsets into the store, which then holds them; Kafka 4.1 to 4.3 never ask the store and write
   * them to the task's {@code .checkpoint} file instead.
   */
  @Test
  void kafkaRuntime_commitsChangelogOffsetsIntoTheStoreWhereSupported() throws Exception {
    String app = "offsets-ttd";
    StreamsBuilder builder = new StreamsBuilder();
    builder.stream("in", Consumed.with(Serdes.String(), Serdes.String()))
        .groupByKey()
        .count(Materialized.as(StrataStores.timestampedKeyValueStore("counts")));
    builder.stream("in", Consumed.with(Serdes.String(), Serdes.String()))
        .groupByKey()
        .windowedBy(TimeWindows.ofSizeWithNoGrace(Duration.ofMinutes(1)))
        .count(Materialized.as(StrataStores.windowStore("wcounts", Duration.ofMinutes(10),
            Duration.ofMinutes(1), false, true)));
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, app);
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "localhost:9");
    props.put(StreamsConfig.STATE_DIR_CONFIG, dir.getAbsolutePath());
    TopicPartition changelog = new TopicPartition(app + "-counts-changelog", 0);
    TopicPartition windowChangelog = new TopicPartition(app + "-wcounts-changelog", 0);
    java.lang.reflect.Method committedOffset = method(StateStore.class, "committedOffset");
    try (TopologyTestDriver driver = new TopologyTestDriver(builder.build(), props)) {
      var in = driver.createInputTopic("in", new StringSerializer(), new StringSerializer());
      for (int i = 0; i < 50; i++) {
        in.pipeInput("k" + i % 7, "v");
      }
      // The store as Kafka built it (metered, cached); the driver commits after each record.
      StateStore store = driver.<String, Long>getTimestampedKeyValueStore("counts");
      StateStore windows = driver.<String, Long>getTimestampedWindowStore("wcounts");
      if (committedOffset != null) {
        assertThat(committedOffset.invoke(store, changelog))
            .as("changelog offset committed into the store").isEqualTo(49L);
        assertThat(committedOffset.invoke(windows, windowChangelog))
            .as("changelog offset committed into the window store").isEqualTo(49L);
      } else {
        Map<TopicPartition, Long> checkpoint =
            new org.apache.kafka.streams.state.internals.OffsetCheckpoint(
                new File(dir, app + "/0_0/.checkpoint")).read();
        assertThat(checkpoint).containsEntry(changelog, 49L);
        assertThat(checkpoint).containsEntry(windowChangelog, 49L);
      }
    }
  }

  /** {@code type}'s public method {@code name}, or null if this Kafka has none. */
  private static java.lang.reflect.Method method(Class<?> type, String name) {
    for (java.lang.reflect.Method m : type.getMethods()) {
      if (m.getName().equals(name)) {
        return m;
      }
    }
    return null;
  }
}
