package dev.strata.kafka;

import static dev.strata.kafka.EmbeddedKafka.await;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.TaskMetadata;
import org.apache.kafka.streams.ThreadMetadata;
import org.apache.kafka.streams.processor.StateRestoreListener;
import org.apache.kafka.streams.query.KeyQuery;
import org.apache.kafka.streams.query.QueryResult;
import org.apache.kafka.streams.query.RangeQuery;
import org.apache.kafka.streams.query.StateQueryRequest;
import org.apache.kafka.streams.query.StateQueryResult;
import org.apache.kafka.streams.query.WindowKeyQuery;
import org.apache.kafka.streams.query.WindowRangeQuery;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ValueAndTimestamp;
import org.apache.kafka.streams.state.WindowStoreIterator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Strata stores under a real Kafka: one KRaft node on loopback in this JVM ({@link EmbeddedKafka}),
 * and {@link ClusterApp} in two instances with {@code exactly_once_v2}. Three scenarios: an
 * instance killed with SIGKILL mid-stream and restarted (child JVMs), an instance whose state
 * directory is wiped and restored from the changelog, and a rebalance with a standby replica while
 * IQv2 queries run. Sizes: {@value #CI_RECORDS} records here, more with {@code -Psoak}; reproduce
 * an input with {@code -Dstrata.seed=}.
 */
class KafkaClusterTest {
  private static final boolean SOAK = Boolean.getBoolean("strata.soak");
  private static final int CI_RECORDS = 6_000;
  private static final int RECORDS = SOAK ? 200_000 : CI_RECORDS;
  private static final int KEYS = SOAK ? 20_000 : 400;
  private static final int PARTITIONS = 4;
  private static final Duration TIMEOUT = Duration.ofSeconds(SOAK ? 600 : 120);
  private static final long SEED = Long.getLong("strata.seed", System.nanoTime());

  // Kept when a test fails: the children's logs (<state dir>.log) and the broker's data.
  @TempDir(cleanup = CleanupMode.ON_SUCCESS)
  static Path dir;
  private static EmbeddedKafka kafka;

  @BeforeAll
  static void startKafka() throws Exception {
    System.out.println("KafkaClusterTest seed " + SEED + " (-Dstrata.seed=" + SEED + ")");
    kafka = EmbeddedKafka.start(dir.resolve("kafka"));
  }

  @AfterAll
  static void stopKafka() throws Exception {
    if (kafka != null) {
      kafka.close();
    }
  }

  private static ClusterInput topics(String app) throws Exception {
    kafka.createTopic(ClusterApp.input(app), PARTITIONS);
    kafka.createTopic(ClusterApp.aggOutput(app), PARTITIONS);
    kafka.createTopic(ClusterApp.windowOutput(app), PARTITIONS);
    kafka.createTopic(ClusterApp.sessionOutput(app), PARTITIONS);
    kafka.createTopic(ClusterApp.joinOutput(app), PARTITIONS);
    return new ClusterInput(SEED ^ app.hashCode(), KEYS, ClusterApp.input(app));
  }

  private static KafkaProducer<String, String> producer() {
    return kafka.producer();
  }

  private static void awaitCaughtUp(String app) throws Exception {
    await(TIMEOUT, app + " to commit the end of its input",
        () -> kafka.caughtUp(app, ClusterApp.input(app)),
        () -> "committed " + committed(app));
  }

  private static String committed(String app) {
    try {
      return String.valueOf(kafka.committedTotal(app, ClusterApp.input(app)));
    } catch (Exception e) {
      return e.toString();
    }
  }

  private static void checkOutputs(String app, ClusterInput input) throws Exception {
    input.checkAggregates(kafka.readCommitted(ClusterApp.aggOutput(app)));
    input.checkWindowCounts(kafka.readCommitted(ClusterApp.windowOutput(app)));
    input.checkSessionCounts(kafka.readCommitted(ClusterApp.sessionOutput(app)));
    input.checkJoin(kafka.readCommitted(ClusterApp.joinOutput(app)));
  }

  @Test
  void killedInstance_restartsAndFinalAggregatesMatchInput() throws Exception {
    String app = "kill";
    ClusterInput input = topics(app);
    Path stateA = dir.resolve("kill-a");
    Path stateB = dir.resolve("kill-b");
    Files.createDirectories(stateA);
    Files.createDirectories(stateB);
    int third = RECORDS / 3;
    try (KafkaProducer<String, String> producer = producer();
        ChildInstance b = ChildInstance.start(kafka.bootstrapServers(), app, stateB, 0)) {
      ChildInstance a = ChildInstance.start(kafka.bootstrapServers(), app, stateA, 0);
      try {
        await(TIMEOUT, "both instances RUNNING", () -> a.reached("RUNNING") && b.reached("RUNNING"),
            () -> "a " + a.lastStateAndLog(30) + "\nb " + b.lastStateAndLog(30));
        input.produce(producer, third);
        producer.flush();
        await(TIMEOUT, "progress on the first third",
            () -> kafka.committedTotal(app, ClusterApp.input(app)) >= third / 2,
            () -> "committed " + committed(app));
        // Kill while the second third is being produced (in flushed slices, so that it trickles
        // in) and processed: the instance has transactions open.
        Thread second =
            new Thread(
                () -> {
                  for (int slice = 0; slice < 20; slice++) {
                    input.produce(producer, third / 20);
                    producer.flush();
                  }
                },
                "second-third");
        second.start();
        try {
          await(TIMEOUT, "progress past the first third",
              () -> kafka.committedTotal(app, ClusterApp.input(app)) > third,
              () -> "committed " + committed(app));
          assertThat(a.isAlive()).as("instance a alive before the kill").isTrue();
          a.kill();
          System.out.println("killed instance a at " + committed(app) + " committed, "
              + input.produced() + " produced");
        } finally {
          second.join();
        }
      } finally {
        a.kill();
      }
      try (ChildInstance restarted =
          ChildInstance.start(kafka.bootstrapServers(), app, stateA, 0)) {
        input.produce(producer, (int) (RECORDS - input.produced()));
        producer.flush();
        awaitCaughtUp(app);
        await(TIMEOUT, "the restarted instance RUNNING", () -> restarted.reached("RUNNING"),
            () -> restarted.lastStateAndLog(60));
        assertThat(b.isAlive()).isTrue();
      }
    }
    checkOutputs(app, input);
  }

  @Test
  void wipedStateDirectory_restoresFromChangelogToTheLostStore() throws Exception {
    String app = "wipe";
    ClusterInput input = topics(app);
    Path stateA = dir.resolve("wipe-a");
    Path stateB = dir.resolve("wipe-b");
    try (KafkaProducer<String, String> producer = producer();
        KafkaStreams b = streams(app, stateB, 0, null)) {
      Map<Integer, Map<String, String>> before;
      Map<String, Long> windowsBefore;
      Map<String, Long> sessionsBefore;
      Set<Integer> lostPartitions;
      try (KafkaStreams a = streams(app, stateA, 0, null)) {
        a.start();
        b.start();
        input.produce(producer, RECORDS);
        producer.flush();
        awaitCaughtUp(app);
        awaitStable(List.of(a, b));
        before = storeContents(List.of(a, b));
        windowsBefore = windowContents(List.of(a, b));
        sessionsBefore = sessionContents(List.of(a, b), input.keys());
        // What the stores hold (within their retentions) is right, not only equal after the wipe.
        assertThat(windowsBefore).as("windowed counts").isNotEmpty();
        assertThat(input.windowCounts()).as("windowed counts of the input")
            .containsAllEntriesOf(windowsBefore);
        assertThat(sessionsBefore).as("sessions").isNotEmpty();
        assertThat(input.sessions()).as("sessions of the input")
            .containsAllEntriesOf(sessionsBefore);
        lostPartitions = activePartitions(a);
        assertThat(lostPartitions).as("partitions of the instance to wipe").isNotEmpty();
        assertThat(stateA.resolve(app)).as("a's state").isDirectory();
        a.close(Duration.ofSeconds(30));
      }
      deleteTree(stateA);
      Map<Integer, Long> restored = new ConcurrentHashMap<>();
      try (KafkaStreams a = streams(app, stateA, 0, restoreCounter(restored))) {
        a.start();
        awaitStable(List.of(a, b));
        await(TIMEOUT, "the wiped instance to own tasks again", () -> !activePartitions(a).isEmpty());
        awaitStable(List.of(a, b));
        Map<Integer, Map<String, String>> after = storeContents(List.of(a, b));
        assertThat(after).isEqualTo(before);
        assertThat(windowContents(List.of(a, b))).as("windowed counts").isEqualTo(windowsBefore);
        assertThat(sessionContents(List.of(a, b), input.keys())).as("sessions")
            .isEqualTo(sessionsBefore);
        assertThat(restored.keySet()).as("partitions a restored")
            .containsAll(activePartitions(a));
        assertThat(restored.values().stream().mapToLong(Long::longValue).sum())
            .as("records a restored").isPositive();
        try (Stream<Path> files = Files.walk(stateA)) {
          assertThat(files.anyMatch(p -> p.getFileName().toString().equals("CURRENT")
              && p.toString().contains("/strata/" + ClusterApp.AGG_STORE + "/")))
              .as("a Strata database of the restored store under " + stateA).isTrue();
        }
        // The restored instance goes on processing from where the lost one stopped.
        input.produce(producer, RECORDS / 10);
        producer.flush();
        awaitCaughtUp(app);
      }
    }
    checkOutputs(app, input);
  }

  @Test
  void rebalanceWithStandby_iqv2QueriesNeverSeeAWrongValue() throws Exception {
    String app = "rebalance";
    ClusterInput input = topics(app);
    Path stateA = dir.resolve("rebalance-a");
    Path stateB = dir.resolve("rebalance-b");
    List<String> wrong = new CopyOnWriteArrayList<>();
    AtomicLong answered = new AtomicLong();
    AtomicLong windowsAnswered = new AtomicLong();
    AtomicLong unavailable = new AtomicLong();
    AtomicBoolean stop = new AtomicBoolean();
    List<KafkaStreams> queried = new CopyOnWriteArrayList<>();
    Thread queries =
        new Thread(
            () -> {
              Random random = new Random(SEED);
              while (!stop.get()) {
                List<String> keys = input.keys();
                if (keys.isEmpty() || queried.isEmpty()) {
                  Thread.onSpinWait();
                  continue;
                }
                String key = keys.get(random.nextInt(keys.size()));
                for (KafkaStreams s : queried) {
                  try {
                    String v = queryKey(s, key, false);
                    if (v != null) {
                      answered.incrementAndGet();
                      String error = input.checkPrefix(key, v);
                      if (error != null) {
                        wrong.add(error);
                      }
                    }
                    windowsAnswered.addAndGet(checkWindows(s, key, input, wrong));
                  } catch (RuntimeException e) {
                    unavailable.incrementAndGet();
                  }
                }
                // Pacing, not synchronisation: leave the stream threads a share of two cores.
                LockSupport.parkNanos(200_000);
              }
            },
            "iqv2-queries");
    try (KafkaProducer<String, String> producer = producer();
        KafkaStreams a = streams(app, stateA, 1, null);
        KafkaStreams b = streams(app, stateB, 1, null)) {
      a.start();
      input.produce(producer, RECORDS / 2);
      producer.flush();
      awaitCaughtUp(app);
      queried.add(a);
      queries.start();
      // 1. b joins while input flows: partitions move to b, standbys go to both.
      b.start();
      queried.add(b);
      input.produce(producer, RECORDS / 4);
      producer.flush();
      awaitCaughtUp(app);
      await(TIMEOUT, "two actives and two standbys on each instance",
          () -> running(a) && running(b) && activePartitions(a).size() == 2
              && activePartitions(b).size() == 2 && standbyPartitions(b).size() == 2
              && standbyPartitions(a).size() == 2,
          () -> "a " + activePartitions(a) + "/" + standbyPartitions(a) + ", b "
              + activePartitions(b) + "/" + standbyPartitions(b));
      // 2. Each standby store catches up to the final values of its partition.
      for (KafkaStreams s : List.of(a, b)) {
        for (int p : standbyPartitions(s)) {
          for (String key : input.keys()) {
            if (partition(key) == p) {
              String expected = input.finalAggregate(key);
              await(TIMEOUT, "standby " + p + " to reach " + key + "=" + expected,
                  () -> expected.equals(queryKey(s, key, false)));
            }
          }
        }
      }
      // 3. a leaves mid-stream: b's standbys become its actives.
      input.produce(producer, RECORDS / 8);
      queried.remove(a);
      a.close(Duration.ofSeconds(30));
      input.produce(producer, RECORDS - input.produced() > 0
          ? (int) (RECORDS - input.produced()) : 0);
      producer.flush();
      awaitCaughtUp(app);
      await(TIMEOUT, "b to own every partition",
          () -> running(b) && activePartitions(b).size() == PARTITIONS);
      stop.set(true);
      queries.join();
      assertThat(wrong).as("wrong values seen by IQv2").isEmpty();
      assertThat(answered.get()).as("queries answered").isPositive();
      assertThat(windowsAnswered.get()).as("windowed counts answered").isPositive();
      for (String key : input.keys()) {
        assertThat(queryKey(b, key, true)).as(key).isEqualTo(input.finalAggregate(key));
      }
      System.out.println("rebalance: " + answered + " queries answered (" + windowsAnswered
          + " windowed counts), " + unavailable + " unavailable");
    } finally {
      stop.set(true);
      queries.join();
    }
    checkOutputs(app, input);
  }

  private static KafkaStreams streams(
      String app, Path stateDir, int standbys, StateRestoreListener listener) {
    KafkaStreams s =
        new KafkaStreams(
            ClusterApp.topology(app),
            ClusterApp.config(kafka.bootstrapServers(), app, stateDir.toString(), standbys));
    if (listener != null) {
      s.setGlobalStateRestoreListener(listener);
    }
    return s;
  }

  private static StateRestoreListener restoreCounter(Map<Integer, Long> restored) {
    return new StateRestoreListener() {
      @Override
      public void onRestoreStart(TopicPartition tp, String store, long start, long end) {}

      @Override
      public void onBatchRestored(TopicPartition tp, String store, long end, long n) {}

      @Override
      public void onRestoreEnd(TopicPartition tp, String store, long total) {
        if (store.equals(ClusterApp.AGG_STORE)) {
          restored.merge(tp.partition(), total, Long::sum);
        }
      }
    };
  }

  private static boolean running(KafkaStreams s) {
    return s.state() == KafkaStreams.State.RUNNING;
  }

  /** Both RUNNING and every partition active on exactly one of them. */
  private static void awaitStable(List<KafkaStreams> all) throws Exception {
    await(TIMEOUT, "instances RUNNING with every partition active once",
        () -> {
          List<Integer> owned = new ArrayList<>();
          for (KafkaStreams s : all) {
            if (!running(s)) {
              return false;
            }
            owned.addAll(activePartitions(s));
          }
          return owned.size() == PARTITIONS && new HashSet<>(owned).size() == PARTITIONS;
        });
  }

  private static Set<Integer> activePartitions(KafkaStreams s) {
    Set<Integer> out = new HashSet<>();
    for (ThreadMetadata t : s.metadataForLocalThreads()) {
      for (TaskMetadata task : t.activeTasks()) {
        out.add(task.taskId().partition());
      }
    }
    return out;
  }

  private static Set<Integer> standbyPartitions(KafkaStreams s) {
    Set<Integer> out = new HashSet<>();
    for (ThreadMetadata t : s.metadataForLocalThreads()) {
      for (TaskMetadata task : t.standbyTasks()) {
        out.add(task.taskId().partition());
      }
    }
    return out;
  }

  /** The partition of {@code key}, as the producer's default partitioner chose it. */
  private static int partition(String key) {
    byte[] bytes = new StringSerializer().serialize(null, key);
    return Utils.toPositive(Utils.murmur2(bytes)) % PARTITIONS;
  }

  /** {@code key}'s aggregate from the instance's store of its partition; null if not there. */
  private static String queryKey(KafkaStreams s, String key, boolean requireActive) {
    StateQueryRequest<String> request =
        StateQueryRequest.inStore(ClusterApp.AGG_STORE)
            .withQuery(KeyQuery.<String, String>withKey(key))
            .withPartitions(Set.of(partition(key)));
    if (requireActive) {
      request = request.requireActive();
    }
    StateQueryResult<String> result = s.query(request);
    QueryResult<String> r = result.getPartitionResults().get(partition(key));
    return r != null && r.isSuccess() ? r.getResult() : null;
  }

  /**
   * Reads {@code key}'s windowed counts from the instance's store of its partition (active or
   * standby) and adds to {@code wrong} each that is not a count the window had: at least 1 and at
   * most the input's count for the window so far (a count only rises). Answers how many it read.
   */
  private static int checkWindows(
      KafkaStreams s, String key, ClusterInput input, List<String> wrong) {
    // Object values: Kafka answers a timestamped window store with ValueAndTimestamp.
    StateQueryRequest<WindowStoreIterator<Object>> request =
        StateQueryRequest.inStore(ClusterApp.WINDOW_STORE)
            .withQuery(WindowKeyQuery.<String, Object>withKeyAndWindowStartRange(
                key, Instant.EPOCH, Instant.ofEpochMilli(Long.MAX_VALUE)))
            .withPartitions(Set.of(partition(key)));
    QueryResult<WindowStoreIterator<Object>> r =
        s.query(request).getPartitionResults().get(partition(key));
    if (r == null || !r.isSuccess()) {
      return 0;
    }
    int n = 0;
    try (WindowStoreIterator<Object> it = r.getResult()) {
      while (it.hasNext()) {
        KeyValue<Long, Object> kv = it.next();
        long count = (Long) (kv.value instanceof ValueAndTimestamp<?> v ? v.value() : kv.value);
        String window = key + "@" + kv.key;
        long max = input.windowCount(window);
        if (count < 1 || count > max) {
          wrong.add(window + "=" + count + ": the input has " + max + " records in it");
        }
        n++;
      }
    }
    return n;
  }

  /** Every partition's store contents, from whichever instance has it active. */
  private static Map<Integer, Map<String, String>> storeContents(List<KafkaStreams> all) {
    Map<Integer, Map<String, String>> out = new TreeMap<>();
    for (KafkaStreams s : all) {
      StateQueryResult<KeyValueIterator<String, String>> result =
          s.query(
              StateQueryRequest.inStore(ClusterApp.AGG_STORE)
                  .withQuery(RangeQuery.<String, String>withNoBounds())
                  .requireActive());
      result.getPartitionResults().forEach(
          (p, r) -> {
            assertThat(r.isSuccess()).as("range query of partition " + p + ": " + r).isTrue();
            Map<String, String> contents = new HashMap<>();
            try (KeyValueIterator<String, String> it = r.getResult()) {
              it.forEachRemaining((KeyValue<String, String> kv) -> contents.put(kv.key, kv.value));
            }
            assertThat(out.put(p, contents)).as("partition " + p + " active twice").isNull();
          });
    }
    assertThat(out.keySet()).hasSize(PARTITIONS);
    return out;
  }

  /**
   * The windowed counts of every partition ({@code key@windowStart}), from the instances that have
   * them active: an IQv2 range over all window starts, which the store answers within its
   * retention.
   */
  private static Map<String, Long> windowContents(List<KafkaStreams> all) {
    Map<String, Long> out = new TreeMap<>();
    Set<Integer> partitions = new HashSet<>();
    for (KafkaStreams s : all) {
      // Object values: Kafka answers a timestamped window store with ValueAndTimestamp.
      StateQueryResult<KeyValueIterator<Windowed<String>, Object>> result =
          s.query(
              StateQueryRequest.inStore(ClusterApp.WINDOW_STORE)
                  .withQuery(WindowRangeQuery.<String, Object>withWindowStartRange(
                      Instant.EPOCH, Instant.ofEpochMilli(Long.MAX_VALUE)))
                  .requireActive());
      result.getPartitionResults().forEach(
          (p, r) -> {
            assertThat(r.isSuccess()).as("window query of partition " + p + ": " + r).isTrue();
            assertThat(partitions.add(p)).as("partition " + p + " active twice").isTrue();
            try (KeyValueIterator<Windowed<String>, Object> it = r.getResult()) {
              it.forEachRemaining(
                  kv -> out.put(kv.key.key() + "@" + kv.key.window().start(),
                      (Long) (kv.value instanceof ValueAndTimestamp<?> v ? v.value() : kv.value)));
            }
          });
    }
    assertThat(partitions).hasSize(PARTITIONS);
    return out;
  }

  /** The sessions of {@code keys} ({@code key@start-end}), from the instances with them active. */
  private static Map<String, Long> sessionContents(List<KafkaStreams> all, List<String> keys) {
    Map<String, Long> out = new TreeMap<>();
    for (String key : keys) {
      int found = 0;
      for (KafkaStreams s : all) {
        StateQueryResult<KeyValueIterator<Windowed<String>, Long>> result =
            s.query(
                StateQueryRequest.inStore(ClusterApp.SESSION_STORE)
                    .withQuery(WindowRangeQuery.<String, Long>withKey(key))
                    .withPartitions(Set.of(partition(key)))
                    .requireActive());
        QueryResult<KeyValueIterator<Windowed<String>, Long>> r =
            result.getPartitionResults().get(partition(key));
        if (r != null && r.isSuccess()) {
          found++;
          try (KeyValueIterator<Windowed<String>, Long> it = r.getResult()) {
            it.forEachRemaining(kv -> out.put(kv.key.key() + "@" + kv.key.window().start() + "-"
                + kv.key.window().end(), kv.value));
          }
        }
      }
      assertThat(found).as("instances answering for " + key).isEqualTo(1);
    }
    return out;
  }

  private static void deleteTree(Path root) throws Exception {
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
