package dev.strata.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.Options;
import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.processor.internals.RecordBatchingStateRestoreCallback;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store's life beyond single calls: changelog restore through the batching callback without
 * the WAL, shared resources across many stores (threads bounded), snapshot-consistent reads while
 * the stream thread writes, the config setter, metrics, and oversized batches.
 */
class StoreLifecycleTest {
  @TempDir File dir;

  private static Bytes key(int i) {
    return Bytes.wrap(String.format("key-%06d", i).getBytes());
  }

  @Test
  void restore_appliesBatchesWithoutWal_andSurvivesReopenAfterCommit() throws Exception {
    CapturingContext ctx = new CapturingContext(StoreContexts.context(dir));
    StrataKeyValueStore store = new StrataKeyValueStore("restored");
    store.init(ctx, store);
    assertThat(ctx.restoreCallback).isInstanceOf(RecordBatchingStateRestoreCallback.class);
    RecordBatchingStateRestoreCallback restore =
        (RecordBatchingStateRestoreCallback) ctx.restoreCallback;
    TreeMap<Bytes, byte[]> model = new TreeMap<>();
    long offset = 0;
    for (int batch = 0; batch < 20; batch++) {
      List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
      for (int i = 0; i < 2_000; i++) {
        int k = (batch * 1_237 + i * 7) % 15_000;
        byte[] value = (i % 11 == 0) ? null : ("v" + batch + "-" + i).getBytes();
        records.add(new ConsumerRecord<>("changelog", 0, offset++, key(k).get(), value));
        if (value == null) {
          model.remove(key(k));
        } else {
          model.put(key(k), value);
        }
      }
      restore.restoreBatch(records);
    }
    // Unlogged markers only: 25 bytes at most per memtable switch.
    assertThat(store.db().property("strata.bytes-written-wal")).isLessThan(1_000);
    assertThat(store.approximateNumEntries()).isEqualTo(model.size());
    store.flush();
    ctx.commitCallback.onCommit();
    store.close();

    StrataKeyValueStore reopened = new StrataKeyValueStore("restored");
    reopened.init(new CapturingContext(StoreContexts.context(dir)), reopened);
    try (KeyValueIterator<Bytes, byte[]> it = reopened.all()) {
      for (Map.Entry<Bytes, byte[]> e : model.entrySet()) {
        KeyValue<Bytes, byte[]> kv = it.next();
        assertThat(kv.key).isEqualTo(e.getKey());
        assertThat(kv.value).isEqualTo(e.getValue());
      }
      assertThat(it.hasNext()).isFalse();
    } finally {
      reopened.close();
    }
  }

  /**
   * A window store restores each poll as one unlogged batch per segment, skips records older than
   * the retention as Kafka does, and reports its metrics summed over its segments.
   */
  @Test
  void windowStoreRestore_fillsLiveSegmentsOnly_andReportsMetrics() throws Exception {
    CapturingContext ctx = new CapturingContext(StoreContexts.context(dir));
    org.apache.kafka.streams.state.WindowStore<Bytes, byte[]> store =
        StrataStores.windowStore("windows", java.time.Duration.ofMinutes(2),
            java.time.Duration.ofSeconds(10), false, false).get();
    store.init(ctx, store);
    try {
      RecordBatchingStateRestoreCallback restore =
          (RecordBatchingStateRestoreCallback) ctx.restoreCallback;
      List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
      long offset = 0;
      for (long t = 0; t <= 600_000; t += 10_000) {
        for (int k = 0; k < 5; k++) {
          Bytes storeKey =
              org.apache.kafka.streams.state.internals.WindowKeySchema.toStoreKeyBinary(
                  key(k), t, 0);
          records.add(new ConsumerRecord<>("changelog", 0, offset++, storeKey.get(),
              ("v" + t).getBytes()));
        }
      }
      restore.restoreBatch(records);
      // Stream time 600 s, retention 2 min: windows from 480 s on are live, older ones skipped.
      List<Long> times = new ArrayList<>();
      try (var it = store.fetch(key(3), 0, 600_000)) {
        it.forEachRemaining(kv -> times.add(kv.key));
      }
      assertThat(times).first().isEqualTo(490_000L);
      assertThat(times).last().isEqualTo(600_000L);
      store.flush();
      double written = 0;
      for (var e : ctx.metrics().metrics().entrySet()) {
        if ("windows".equals(e.getKey().tags().get(StoreMetrics.STORE_TAG))
            && e.getKey().name().equals("estimate-num-keys")) {
          written = (double) e.getValue().metricValue();
        }
      }
      assertThat(written).isGreaterThanOrEqualTo(5 * 12);
    } finally {
      store.close();
    }
  }

  /** Segments a previous run left are opened again, as Kafka's {@code openExisting} does. */
  @Test
  void windowStore_reopened_findsItsSegments() {
    var supplier = StrataStores.windowStore("kept", java.time.Duration.ofMinutes(10),
        java.time.Duration.ofSeconds(10), false, true);
    org.apache.kafka.streams.state.WindowStore<Bytes, byte[]> store = supplier.get();
    assertThat(store).isInstanceOf(org.apache.kafka.streams.state.TimestampedBytesStore.class);
    store.init(StoreContexts.context(dir), store);
    for (long t = 0; t < 300_000; t += 10_000) {
      store.put(key(1), ("v" + t).getBytes(), t);
    }
    store.close();
    store.close();
    org.apache.kafka.streams.state.WindowStore<Bytes, byte[]> again = supplier.get();
    again.init(StoreContexts.context(dir), again);
    try {
      List<Long> times = new ArrayList<>();
      try (var it = again.fetch(key(1), 0, 300_000)) {
        it.forEachRemaining(kv -> times.add(kv.key));
      }
      assertThat(times).hasSize(30);
      assertThat(again.fetch(key(1), 120_000)).isEqualTo("v120000".getBytes());
    } finally {
      again.close();
    }
  }

  @Test
  void hundredStores_shareOneCacheAndABoundedNumberOfThreads() throws Exception {
    Properties config = new Properties();
    config.put(StrataConfig.BACKGROUND_THREADS, "2");
    config.put(StrataConfig.MEMORY_BUDGET_BYTES, String.valueOf(8L << 20));
    config.put(StrataConfig.CACHE_BYTES, String.valueOf(16L << 20));
    List<StrataKeyValueStore> stores = new ArrayList<>();
    int before = strataThreads();
    for (int i = 0; i < 100; i++) {
      StrataKeyValueStore s = new StrataKeyValueStore("store-" + i);
      s.init(StoreContexts.context(new File(dir, "task-" + i), "hundred", config), s);
      stores.add(s);
    }
    SharedResources shared = stores.get(0).sharedForTesting();
    assertThat(SharedResources.refsForTesting("hundred")).isEqualTo(100);
    byte[] value = new byte[1_000];
    for (int round = 0; round < 200; round++) {
      for (StrataKeyValueStore s : stores) {
        s.put(key(round), value);
      }
    }
    // 20 MB written against an 8 MiB budget: the budget had memtables switched and flushed.
    assertThat(shared.writeBufferManager.switchesAsked()).isPositive();
    assertThat(shared.writeBufferManager.databases()).isEqualTo(100);
    assertThat(strataThreads() - before).isLessThanOrEqualTo(2 + 2);
    for (StrataKeyValueStore s : stores) {
      assertThat(s.get(key(199))).hasSize(1_000);
      s.close();
    }
    assertThat(SharedResources.refsForTesting("hundred")).isZero();
    assertThat(shared.executor.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
  }

  private static int strataThreads() {
    int n = 0;
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.isAlive() && t.getName().startsWith("strata")) {
        n++;
      }
    }
    return n;
  }

  /**
   * A query thread iterates while the stream thread rewrites every key in one putAll per round:
   * each iteration sees one round whole (a snapshot), never a mix.
   */
  @Test
  void queriesDuringWrites_seeOneAtomicRoundPerIteration() throws Exception {
    StrataKeyValueStore store = new StrataKeyValueStore("concurrent");
    store.init(StoreContexts.context(dir), store);
    int keys = 200;
    AtomicBoolean done = new AtomicBoolean();
    ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
    AtomicInteger iterations = new AtomicInteger();
    CountDownLatch started = new CountDownLatch(1);
    Thread reader =
        new Thread(
            () -> {
              started.countDown();
              while (!done.get() || iterations.get() == 0) {
                try (KeyValueIterator<Bytes, byte[]> it = store.all()) {
                  String round = null;
                  int n = 0;
                  while (it.hasNext()) {
                    String v = new String(it.next().value);
                    if (round == null) {
                      round = v;
                    } else if (!round.equals(v)) {
                      problems.add("mixed rounds " + round + " and " + v);
                    }
                    n++;
                  }
                  if (n != 0 && n != keys) {
                    problems.add("saw " + n + " keys");
                  }
                  iterations.incrementAndGet();
                }
                store.get(key(0));
              }
            },
            "query-thread");
    reader.start();
    started.await();
    for (int round = 0; round < 300; round++) {
      List<KeyValue<Bytes, byte[]>> batch = new ArrayList<>();
      for (int k = 0; k < keys; k++) {
        batch.add(KeyValue.pair(key(k), ("round-" + round).getBytes()));
      }
      store.putAll(batch);
    }
    done.set(true);
    reader.join();
    store.close();
    assertThat(problems).isEmpty();
    assertThat(iterations.get()).isPositive();
  }

  /** Records what the setter saw; static because Kafka makes the setter by reflection. */
  public static final class RecordingSetter implements StrataConfigSetter {
    static final ConcurrentLinkedQueue<String> CALLS = new ConcurrentLinkedQueue<>();

    @Override
    public void setConfig(String storeName, Options.Builder options, Map<String, Object> configs) {
      options.memtableSizeBytes(1 << 20);
      CALLS.add("set " + storeName + " " + configs.get("custom.key"));
    }

    @Override
    public void close(String storeName, Options options) {
      CALLS.add("close " + storeName + " " + options.memtableSizeBytes());
    }
  }

  @Test
  void configSetter_tunesEachStore_andIsClosedWithIt() {
    Properties config = new Properties();
    config.put(StrataConfig.CONFIG_SETTER, RecordingSetter.class.getName());
    config.put("custom.key", "x");
    StrataKeyValueStore store = new StrataKeyValueStore("tuned");
    store.init(StoreContexts.context(dir, "setter-app", config), store);
    store.close();
    assertThat(RecordingSetter.CALLS).containsExactly("set tuned x", "close tuned 1048576");
  }

  @Test
  void metrics_areRegisteredUnderTheStrataStateId_andRemovedAtClose() {
    StateStoreContext ctx = StoreContexts.context(dir);
    KeyValueStore<Bytes, byte[]> store = new StrataKeyValueBytesStoreSupplier("measured").get();
    store.init(ctx, store);
    store.put(key(1), new byte[10]);
    List<String> names = new ArrayList<>();
    for (MetricName m : ctx.metrics().metrics().keySet()) {
      if ("measured".equals(m.tags().get(StoreMetrics.STORE_TAG))) {
        names.add(m.name());
        if (m.name().equals("bytes-written-total")) {
          assertThat(ctx.metrics().metrics().get(m).metricValue()).isEqualTo(20.0);
        }
      }
    }
    assertThat(names).contains("bytes-written-rate", "bytes-read-rate", "memtable-bytes",
        "memtable-hit-ratio", "compaction-time-total",
        "block-cache-data-hit-ratio", "write-stall-duration-total", "number-open-iterators",
        "estimate-num-keys");
    store.close();
    assertThat(ctx.metrics().metrics().keySet())
        .noneMatch(m -> "measured".equals(m.tags().get(StoreMetrics.STORE_TAG)));
  }

  @Test
  void putAll_emptyAndHuge_areOneBatchEach() {
    KeyValueStore<Bytes, byte[]> store = new StrataKeyValueBytesStoreSupplier("bulk").get();
    store.init(StoreContexts.context(dir), store);
    try {
      store.putAll(List.of());
      assertThat(store.approximateNumEntries()).isZero();
      List<KeyValue<Bytes, byte[]>> huge = new ArrayList<>();
      for (int i = 0; i < 200_000; i++) {
        huge.add(KeyValue.pair(key(i), new byte[100]));
      }
      store.putAll(huge);
      // Past 100,000 keys the count is an estimate from the bytes held (memtable overhead too).
      assertThat(store.approximateNumEntries()).isBetween(100_000L, 400_000L);
      int n = 0;
      try (KeyValueIterator<Bytes, byte[]> it = store.all()) {
        for (; it.hasNext(); it.next()) {
          n++;
        }
      }
      assertThat(n).isEqualTo(200_000);
      assertThat(store.get(key(199_999))).hasSize(100);
    } finally {
      store.close();
    }
  }
}
