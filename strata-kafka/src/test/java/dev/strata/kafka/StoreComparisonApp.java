package dev.strata.kafka;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.processor.StateRestoreListener;
import org.apache.kafka.streams.state.BuiltInDslStoreSuppliers;
import org.apache.kafka.streams.state.RocksDBConfigSetter;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.Cache;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.WriteBufferManager;

/**
 * One side of {@link StoreComparison}, in its own JVM: the same Kafka Streams application on
 * RocksDB or Strata stores, caching off so that every record reaches both stores: a count and a sum
 * per key ({@code groupByKey().count()} and {@code .aggregate()}). It processes the whole input
 * topic and reports records per second, the p99 of a record's processing (from the source to the
 * sum's output, both stores read and written), peak RSS and the state directory's size; then it
 * wipes its state directory and measures the restore of both changelogs (from the first
 * changelog partition's restore start to the last one's end, as the restore listener sees them). Both store kinds get the
 * same memory: Strata's cache plus memtable budget, RocksDB's one LRU cache of that size with a
 * {@code WriteBufferManager} charging memtables to it ({@link BoundedRocksDb}, Kafka's documented
 * bounded-memory setter). Kind {@code inmemory} runs the same application on Kafka's in-memory
 * stores, which persist nothing: the ceiling the application itself sets for any store. Prints one
 * {@code RESULT} line.
 *
 * <p>{@code StoreComparisonApp KIND BOOTSTRAP TOPIC RECORDS STATE_DIR CACHE_BYTES BUDGET_BYTES}
 */
public final class StoreComparisonApp {
  private static final ThreadLocal<Long> STARTED = new ThreadLocal<>();

  private StoreComparisonApp() {}

  /** Kafka's bounded-memory RocksDB setter: one cache for blocks and memtables, for all stores. */
  public static final class BoundedRocksDb implements RocksDBConfigSetter {
    private static Cache cache;
    private static WriteBufferManager writeBufferManager;

    private static synchronized void make(Map<String, Object> configs) {
      if (cache == null) {
        long cacheBytes = StrataConfig.longValue(configs, StrataConfig.CACHE_BYTES, 64L << 20);
        long budget = StrataConfig.longValue(configs, StrataConfig.MEMORY_BUDGET_BYTES, 256L << 20);
        cache = new LRUCache(cacheBytes + budget, -1, false, 0.1);
        writeBufferManager = new WriteBufferManager(budget, cache);
      }
    }

    @Override
    public void setConfig(String storeName, Options options, Map<String, Object> configs) {
      make(configs);
      BlockBasedTableConfig table = (BlockBasedTableConfig) options.tableFormatConfig();
      table.setBlockCache(cache);
      table.setCacheIndexAndFilterBlocks(true);
      table.setCacheIndexAndFilterBlocksWithHighPriority(true);
      table.setPinTopLevelIndexAndFilter(true);
      options.setWriteBufferManager(writeBufferManager);
      options.setTableFormatConfig(table);
    }

    @Override
    public void close(String storeName, Options options) {}
  }

  /**
   * Records each record's latency and the time the first record entered ({@code firstNanos});
   * counts {@code done} down when {@code records} are through.
   */
  static StreamsBuilder topology(String topic, Histogram latency, long records,
      CountDownLatch done, AtomicLong firstNanos) {
    AtomicLong processed = new AtomicLong();
    StreamsBuilder b = new StreamsBuilder();
    KStream<String, String> in =
        b.stream(topic, Consumed.with(Serdes.String(), Serdes.String()))
            .peek(
                (k, v) -> {
                  long now = System.nanoTime();
                  STARTED.set(now);
                  if (firstNanos.get() == 0) {
                    firstNanos.set(now);
                  }
                });
    in.groupByKey(Grouped.with(Serdes.String(), Serdes.String()))
        .count(Materialized.as("counts"));
    // Children run in the order they were added: the sum's output ends the record's processing.
    in.groupByKey(Grouped.with(Serdes.String(), Serdes.String()))
        .aggregate(
            () -> 0L,
            (k, v, sum) -> sum + Long.parseLong(v),
            Materialized.<String, Long, org.apache.kafka.streams.state.KeyValueStore<
                        org.apache.kafka.common.utils.Bytes, byte[]>>as("sums")
                .withKeySerde(Serdes.String())
                .withValueSerde(Serdes.Long()))
        .toStream()
        .foreach(
            (k, v) -> {
              latency.recordValue((System.nanoTime() - STARTED.get()) / 1_000);
              if (processed.incrementAndGet() == records) {
                done.countDown();
              }
            });
    return b;
  }

  static Properties config(String kind, String bootstrap, Path stateDir, long cache, long budget) {
    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, "compare-" + kind);
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    p.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0);
    p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
    p.put(StreamsConfig.consumerPrefix("auto.offset.reset"), "earliest");
    // The restore run joins as a new member: the processing run's member must expire quickly.
    p.put(StreamsConfig.consumerPrefix("session.timeout.ms"), 6_000);
    p.put(StreamsConfig.consumerPrefix("heartbeat.interval.ms"), 1_000);
    p.put(StrataConfig.CACHE_BYTES, cache);
    p.put(StrataConfig.MEMORY_BUDGET_BYTES, budget);
    switch (kind) {
      case "strata" ->
          p.put(StreamsConfig.DSL_STORE_SUPPLIERS_CLASS_CONFIG, StrataDslStoreSuppliers.class);
      case "rocksdb" -> {
        p.put(StreamsConfig.DSL_STORE_SUPPLIERS_CLASS_CONFIG,
            BuiltInDslStoreSuppliers.RocksDBDslStoreSuppliers.class);
        p.put(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, BoundedRocksDb.class);
      }
      // Kafka's in-memory stores: no persistent store at all, the application's own ceiling.
      case "inmemory" ->
          p.put(StreamsConfig.DSL_STORE_SUPPLIERS_CLASS_CONFIG,
              BuiltInDslStoreSuppliers.InMemoryDslStoreSuppliers.class);
      default -> throw new IllegalArgumentException("unknown store kind " + kind);
    }
    return p;
  }

  public static void main(String[] args) throws Exception {
    String kind = args[0];
    String bootstrap = args[1];
    String topic = args[2];
    long records = Long.parseLong(args[3]);
    Path stateDir = Path.of(args[4]);
    long cache = Long.parseLong(args[5]);
    long budget = Long.parseLong(args[6]);
    Properties config = config(kind, bootstrap, stateDir, cache, budget);

    // 1. Process the whole input: throughput and per-record latency.
    Histogram latency = new Histogram(3_600_000_000L, 3);
    CountDownLatch done = new CountDownLatch(1);
    AtomicLong firstNanos = new AtomicLong();
    long endNanos;
    long rssKb;
    try (KafkaStreams streams =
        new KafkaStreams(topology(topic, latency, records, done, firstNanos).build(), config)) {
      streams.setStateListener(
          (now, before) -> {
            if (now == KafkaStreams.State.ERROR) {
              done.countDown();
            }
          });
      streams.start();
      done.await();
      if (streams.state() == KafkaStreams.State.ERROR) {
        throw new IllegalStateException(kind + ": the application failed");
      }
      endNanos = System.nanoTime();
      rssKb = procStatusKb("VmHWM");
      streams.close(Duration.ofMinutes(2));
    }
    long stateBytes = directoryBytes(stateDir);

    // 2. Wipe the state and restore both changelogs, once the first run's member has left the
    // group (Streams does not leave on close; the session timeout expires it): a restore run that
    // joined beside it would be given only some of the tasks.
    awaitEmptyGroup(bootstrap, config.getProperty(StreamsConfig.APPLICATION_ID_CONFIG));
    deleteTree(stateDir);
    AtomicLong restored = new AtomicLong();
    AtomicLong restoreStart = new AtomicLong();
    AtomicLong restoreEnd = new AtomicLong();
    CountDownLatch running = new CountDownLatch(1);
    try (KafkaStreams streams =
        new KafkaStreams(
            topology(topic, new Histogram(3, 2), Long.MAX_VALUE, new CountDownLatch(1),
                    new AtomicLong()).build(),
            config)) {
      streams.setGlobalStateRestoreListener(
          new StateRestoreListener() {
            @Override
            public void onRestoreStart(TopicPartition tp, String store, long start, long end) {
              restoreStart.compareAndSet(0, System.nanoTime());
            }

            @Override
            public void onBatchRestored(TopicPartition tp, String store, long end, long n) {}

            @Override
            public void onRestoreEnd(TopicPartition tp, String store, long total) {
              restored.addAndGet(total);
              restoreEnd.set(System.nanoTime());
            }
          });
      streams.setStateListener(
          (now, before) -> {
            if (now == KafkaStreams.State.RUNNING) {
              running.countDown();
            }
          });
      streams.start();
      if (!running.await(2, TimeUnit.HOURS)) {
        throw new IllegalStateException(kind + ": no RUNNING after the restore");
      }
      streams.close(Duration.ofMinutes(2));
    }
    // From the first record's entry to the last one's end: the group's start-up is not counted.
    double seconds = (endNanos - firstNanos.get()) / 1e9;
    // From the first changelog partition's restore start to the last one's end.
    double restoreSeconds = (restoreEnd.get() - restoreStart.get()) / 1e9;
    System.out.println(String.format(Locale.ROOT,
        "RESULT kind=%s records=%d records_per_s=%.0f p50_us=%d p99_us=%d p999_us=%d"
            + " rss_peak_mib=%.1f max_heap_mib=%d state_dir_mib=%.3f restored_records=%d"
            + " restore_s=%.2f",
        kind, records, records / seconds, latency.getValueAtPercentile(50),
        latency.getValueAtPercentile(99), latency.getValueAtPercentile(99.9), rssKb / 1024.0,
        Runtime.getRuntime().maxMemory() >> 20, stateBytes / 1048576.0, restored.get(),
        restoreSeconds));
    System.out.flush();
    System.exit(0);
  }

  private static void awaitEmptyGroup(String bootstrap, String group) throws Exception {
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    try (Admin admin = Admin.create(p)) {
      EmbeddedKafka.await(Duration.ofMinutes(5), "group " + group + " to have no member",
          () -> admin.describeConsumerGroups(List.of(group)).all().get().get(group).members()
              .isEmpty());
    }
  }

  /** A field of /proc/self/status in kB (VmHWM: peak RSS); -1 where there is none. */
  static long procStatusKb(String field) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"), StandardCharsets.UTF_8)) {
        if (line.startsWith(field + ":")) {
          return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
    } catch (IOException | NumberFormatException e) {
      return -1;
    }
    return -1;
  }

  static long directoryBytes(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return 0;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      return walk.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
    }
  }

  static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
