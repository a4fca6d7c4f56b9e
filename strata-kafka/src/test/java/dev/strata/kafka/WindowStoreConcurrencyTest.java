package dev.strata.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.query.PositionBound;
import org.apache.kafka.streams.query.QueryConfig;
import org.apache.kafka.streams.query.QueryResult;
import org.apache.kafka.streams.query.WindowKeyQuery;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Interactive queries on a window store while the stream thread writes: the test thread (the
 * stream thread) updates every key's current window once per simulated second, so that stream time
 * crosses ten segment intervals and expired segments are closed and deleted under the queries; a
 * query thread meanwhile runs fetches by key (forward and backward), {@code fetchAll}, {@code
 * all()} and IQv2 {@link WindowKeyQuery}s. Every entry a query returns must be one the writer wrote
 * for that key and window (values name both, and the update number), by key in window order, with
 * no window twice; a query may end with {@link InvalidStateStoreException} when the segment under
 * it was dropped (as Kafka's RocksDB stores do), and nothing else may be thrown. Key-first layout
 * and the time-ordered layout with its index (whose fetches read values from the base entries).
 * Reproduce with {@code -Dstrata.seed=}.
 */
class WindowStoreConcurrencyTest {
  private static final long WINDOW = 10_000;
  private static final Duration RETENTION = Duration.ofSeconds(30);
  private static final int KEYS = 20;
  /** Simulated seconds of writes: ten minutes (ten segment intervals), a hundred in soak. */
  private static final int SECONDS = Boolean.getBoolean("strata.soak") ? 6_000 : 600;

  @TempDir File dir;

  private static Bytes key(int k) {
    return Bytes.wrap(("k" + k).getBytes());
  }

  @ParameterizedTest(name = "time-ordered with index: {0}")
  @ValueSource(booleans = {false, true})
  void queriesDuringWritesAndSegmentDrops_seeOnlyWrittenWindowsInOrder(boolean timeOrdered)
      throws Exception {
    long seed = dev.strata.testing.Seeds.seed("WindowStoreConcurrencyTest");
    WindowStore<Bytes, byte[]> store =
        (timeOrdered
                ? StrataStores.timeOrderedWindowStore(
                    "conc", RETENTION, Duration.ofMillis(WINDOW), false, true)
                : StrataStores.windowStore(
                    "conc", RETENTION, Duration.ofMillis(WINDOW), false, false))
            .get();
    store.init(StoreContexts.context(dir), store);
    // The update about to be written, set before its puts: a value seen is never newer.
    AtomicLong writing = new AtomicLong();
    AtomicBoolean done = new AtomicBoolean();
    ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
    AtomicInteger queries = new AtomicInteger();
    AtomicInteger entries = new AtomicInteger();
    AtomicInteger dropped = new AtomicInteger();
    // A permit per query ended: the writer takes one at each segment interval (below).
    Semaphore queried = new Semaphore(0);
    Thread reader =
        new Thread(
            () -> {
              Random random = new Random(seed);
              while (!done.get() || queries.get() < 50) {
                long now = writing.get() * 1_000;
                long from = now - random.nextInt(60_000);
                long to = from + random.nextInt(60_000);
                Bytes key = key(random.nextInt(KEYS));
                try {
                  List<KeyValue<Windowed<Bytes>, byte[]>> seen =
                      switch (random.nextInt(6)) {
                        case 0 -> byKey(key, store.fetch(key, from, to), true);
                        case 1 -> byKey(key, store.backwardFetch(key, from, to), false);
                        case 2 -> drain(store.fetchAll(from, to));
                        case 3 -> drain(store.all());
                        case 4 -> drain(store.fetch(key(0), key(9), from, to));
                        default -> byKey(key, iqv2(store, key, from, to), true);
                      };
                  check(seen, writing.get(), problems);
                  entries.addAndGet(seen.size());
                } catch (InvalidStateStoreException e) {
                  dropped.incrementAndGet();
                } catch (RuntimeException | AssertionError e) {
                  problems.add(e.toString());
                }
                queries.incrementAndGet();
                queried.release();
              }
            },
            "query-thread");
    try {
      for (int second = 1; second <= SECONDS; second++) {
        // Queries begin once every key has a window, and each segment interval waits until one
        // begun after the previous ended: they overlap the writes whatever the scheduling (a
        // reader started first could spin through thousands of empty answers while the first
        // segment opens).
        if (second == 10) {
          reader.start();
        }
        if (second > 10 && second % 60 == 0) {
          queried.drainPermits();
          assertThat(queried.tryAcquire(60, TimeUnit.SECONDS)).as("a query ended").isTrue();
        }
        writing.set(second);
        long time = second * 1_000L;
        for (int k = 0; k < KEYS; k++) {
          long start = time - time % WINDOW;
          store.put(key(k), ("k" + k + "@" + start + "#" + second).getBytes(), start);
        }
      }
    } finally {
      done.set(true);
      if (reader.isAlive()) {
        reader.join();
      }
    }
    int segments = ((SegmentedStateStore) store).store.segmentCountForTesting();
    store.close();
    assertThat(problems).as("seed %d", seed).isEmpty();
    assertThat(entries.get()).as("entries seen by %d queries (%d ended by a dropped segment)",
        queries.get(), dropped.get()).isGreaterThan(queries.get());
    // Retention 30 s, segments of 60 s: however long the run, one or two are left.
    assertThat(segments).isBetween(1, 2);
  }

  /** Checks each entry is a write for its own key and window, no newer than {@code latest}. */
  private static void check(
      List<KeyValue<Windowed<Bytes>, byte[]>> seen, long latest, ConcurrentLinkedQueue<String> out) {
    Set<Windowed<Bytes>> windows = new HashSet<>();
    for (KeyValue<Windowed<Bytes>, byte[]> kv : seen) {
      String value = new String(kv.value);
      String window = new String(kv.key.key().get()) + "@" + kv.key.window().start();
      long update = Long.parseLong(value.substring(value.indexOf('#') + 1));
      if (!value.startsWith(window + "#") || update > latest) {
        out.add("window " + window + " holds " + value + " (latest update " + latest + ")");
      }
      if (!windows.add(kv.key)) {
        out.add("window " + window + " seen twice in one query");
      }
    }
  }

  private static List<KeyValue<Windowed<Bytes>, byte[]>> drain(
      KeyValueIterator<Windowed<Bytes>, byte[]> it) {
    List<KeyValue<Windowed<Bytes>, byte[]>> out = new ArrayList<>();
    try (it) {
      it.forEachRemaining(out::add);
    }
    return out;
  }

  /** A fetch by one key as windowed entries; its window starts must rise ({@code forward}) or fall. */
  private static List<KeyValue<Windowed<Bytes>, byte[]>> byKey(
      Bytes key, WindowStoreIterator<byte[]> it, boolean forward) {
    List<KeyValue<Windowed<Bytes>, byte[]>> out = new ArrayList<>();
    List<Long> starts = new ArrayList<>();
    try (it) {
      while (it.hasNext()) {
        KeyValue<Long, byte[]> kv = it.next();
        starts.add(kv.key);
        out.add(KeyValue.pair(
            new Windowed<>(key, new org.apache.kafka.streams.kstream.internals.TimeWindow(
                kv.key, kv.key + WINDOW)), kv.value));
      }
    }
    List<Long> sorted = new ArrayList<>(starts);
    sorted.sort(forward ? Comparator.naturalOrder() : Comparator.reverseOrder());
    if (!starts.equals(sorted)) {
      throw new AssertionError("window starts out of order: " + starts);
    }
    return out;
  }

  private static WindowStoreIterator<byte[]> iqv2(
      WindowStore<Bytes, byte[]> store, Bytes key, long from, long to) {
    QueryResult<WindowStoreIterator<byte[]>> result =
        store.query(
            WindowKeyQuery.withKeyAndWindowStartRange(
                key, java.time.Instant.ofEpochMilli(from), java.time.Instant.ofEpochMilli(to)),
            PositionBound.unbounded(),
            new QueryConfig(false));
    if (!result.isSuccess()) {
      throw new AssertionError("IQv2 query failed: " + result);
    }
    return result.getResult();
  }
}
