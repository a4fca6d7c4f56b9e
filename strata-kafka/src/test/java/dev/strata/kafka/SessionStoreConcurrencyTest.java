package dev.strata.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.kstream.internals.SessionWindow;
import org.apache.kafka.streams.query.FailureReason;
import org.apache.kafka.streams.query.PositionBound;
import org.apache.kafka.streams.query.QueryConfig;
import org.apache.kafka.streams.query.QueryResult;
import org.apache.kafka.streams.query.WindowRangeQuery;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.SessionStore;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Interactive queries on a session store while the stream thread writes, as {@code
 * WindowStoreConcurrencyTest} for window stores: the test thread (the stream thread) runs a session
 * aggregation over simulated seconds, each second each key active or not, an active key extending
 * its session (Kafka's remove of the old session and put of the merged one) or starting a new one
 * after an inactivity gap; stream time crosses ten segment intervals, so expired segments are
 * closed and deleted under the queries. A query thread meanwhile runs {@code findSessions} by key
 * (forward and backward) and by key range, {@code fetch} by key and key range, {@code
 * fetchSession} of a key's latest session, IQv2 {@link WindowRangeQuery#withKey}, and on the
 * time-ordered layout {@code findSessions} by end time. Every session a query returns must be one
 * the writer wrote, with the value written for it (values name key, start and end), within the
 * query's bounds, no newer than the writes begun, none twice, by key in end order (by end time for
 * the time-ordered scan). A query may end with {@link InvalidStateStoreException} when the segment
 * under it was dropped, as Kafka's RocksDB stores do. Then the store is closed while queries go on:
 * every query begun after the close must end with {@link InvalidStateStoreException} (IQv2: a
 * {@code STORE_EXCEPTION} carrying it). Nothing else may be thrown. Key-first layout and the
 * time-ordered layout with its index. Reproduce with {@code -Dstrata.seed=}.
 */
class SessionStoreConcurrencyTest {
  private static final Duration RETENTION = Duration.ofSeconds(30);
  /** Inactivity gap: a key idle longer starts a new session. */
  private static final long GAP = 3_000;
  /** Longest session; a key active longer starts a new one (keeps sessions within retention). */
  private static final long MAX_SESSION = 20_000;
  private static final int KEYS = 20;
  /** Simulated seconds of writes: ten minutes (ten segment intervals), a hundred in soak. */
  private static final int SECONDS = Boolean.getBoolean("strata.soak") ? 6_000 : 600;
  /** Queries begun before the close, at least; the writes may end first. */
  private static final int QUERIES_BEFORE_CLOSE = 50;
  /** Queries that must fail after the close, each begun after it returned. */
  private static final int QUERIES_AFTER_CLOSE = 50;

  @TempDir File dir;

  private static Bytes key(int k) {
    return Bytes.wrap(("k" + k).getBytes());
  }

  private static Windowed<Bytes> session(int k, long start, long end) {
    return new Windowed<>(key(k), new SessionWindow(start, end));
  }

  /** The value written for a session: it names the session, whose end is its last update. */
  private static String value(Bytes key, long start, long end) {
    return new String(key.get()) + "@" + start + "-" + end;
  }

  /** What the query thread asks, and the bounds an answer must keep. */
  private record Query(String name, Bytes keyFrom, Bytes keyTo, long earliestEnd, long latestStart,
      boolean byEndTime) {
    boolean contains(Windowed<Bytes> s) {
      return s.key().compareTo(keyFrom) >= 0
          && s.key().compareTo(keyTo) <= 0
          && s.window().end() >= earliestEnd
          && s.window().start() <= latestStart;
    }
  }

  /** Where the run is; each query notes it when it begins. */
  private enum Phase { WRITING, WRITTEN, CLOSING, CLOSED }

  @ParameterizedTest(name = "time-ordered with index: {0}")
  @ValueSource(booleans = {false, true})
  void queriesDuringWritesDropsAndClose_seeOnlyWrittenSessions(boolean timeOrdered)
      throws Exception {
    long seed = dev.strata.testing.Seeds.seed("SessionStoreConcurrencyTest");
    SessionStore<Bytes, byte[]> store =
        (timeOrdered
                ? StrataStores.timeOrderedSessionStore("conc", RETENTION)
                : StrataStores.sessionStore("conc", RETENTION))
            .get();
    store.init(StoreContexts.context(dir), store);
    // The second about to be written, set before its writes: a session seen never ends later.
    AtomicLong writing = new AtomicLong();
    // Each key's latest session {start, end}, published after its put; null before the first.
    AtomicReferenceArray<long[]> latest = new AtomicReferenceArray<>(KEYS);
    AtomicReference<Phase> phase = new AtomicReference<>(Phase.WRITING);
    ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
    AtomicInteger duringWrites = new AtomicInteger();
    AtomicInteger answered = new AtomicInteger();
    AtomicInteger sessions = new AtomicInteger();
    AtomicInteger dropped = new AtomicInteger();
    AtomicInteger refusedAfterClose = new AtomicInteger();
    // A permit per query ended: the writer takes one at each segment interval (see write).
    Semaphore queried = new Semaphore(0);
    CountDownLatch enoughQueries = new CountDownLatch(QUERIES_BEFORE_CLOSE);
    Thread reader =
        new Thread(
            () -> {
              Random random = new Random(seed);
              while (refusedAfterClose.get() < QUERIES_AFTER_CLOSE) {
                Phase begun = phase.get();
                try {
                  int n = query(store, random, writing, latest, timeOrdered);
                  if (begun == Phase.CLOSED) {
                    problems.add("a query begun after the close answered " + n + " sessions");
                    return;
                  }
                  if (begun != Phase.CLOSING) {
                    answered.incrementAndGet();
                    sessions.addAndGet(n);
                  }
                } catch (InvalidStateStoreException e) {
                  // Documented: a segment dropped under the query, or the store closed.
                  switch (begun) {
                    case WRITING -> dropped.incrementAndGet();
                    case WRITTEN -> {
                      if (phase.get() == Phase.WRITTEN) {
                        problems.add("neither writes nor a close, yet " + e);
                      }
                    }
                    case CLOSING -> { }
                    case CLOSED -> refusedAfterClose.incrementAndGet();
                  }
                } catch (RuntimeException | AssertionError e) {
                  problems.add(begun + ": " + e);
                  if (begun == Phase.CLOSED) {
                    return;
                  }
                }
                if (begun == Phase.WRITING) {
                  duringWrites.incrementAndGet();
                }
                if (begun == Phase.WRITING || begun == Phase.WRITTEN) {
                  enoughQueries.countDown();
                }
                queried.release();
              }
            },
            "query-thread");
    int segments;
    try {
      segments = write(store, seed, writing, latest, reader, queried);
      phase.set(Phase.WRITTEN);
      assertThat(enoughQueries.await(60, TimeUnit.SECONDS))
          .as("%d queries before the close", QUERIES_BEFORE_CLOSE).isTrue();
    } finally {
      // Queries keep running into and past the close.
      phase.set(Phase.CLOSING);
      store.close();
      phase.set(Phase.CLOSED);
      if (reader.isAlive()) {
        reader.join();
      }
    }
    System.out.printf("SessionStoreConcurrencyTest: %d queries during the writes, %d answered"
            + " before the close (%d sessions), %d ended by a dropped segment, %d refused after"
            + " the close%n",
        duringWrites.get(), answered.get(), sessions.get(), dropped.get(),
        refusedAfterClose.get());
    assertThat(problems).as("seed %d", seed).isEmpty();
    // Every segment interval waited for a query: they overlapped the writes throughout.
    assertThat(duringWrites.get()).isGreaterThanOrEqualTo(SECONDS / 60);
    assertThat(sessions.get())
        .as("sessions seen by %d queries answered", answered.get())
        .isGreaterThan(answered.get());
    assertThat(refusedAfterClose.get()).isEqualTo(QUERIES_AFTER_CLOSE);
    // Retention 30 s, segments of 60 s: however long the run, one or two are left.
    assertThat(segments).isBetween(1, 2);
  }

  /**
   * The session aggregation, second by second; returns the segments left at the end. Each active
   * key extends its session if it was active within the gap (remove, then put the longer one),
   * else starts a new one. Starts {@code reader} once every key had ten seconds to get a session,
   * and at the start of each later segment interval waits until it ended a query begun after the
   * previous one: the queries overlap the writes whatever the scheduling.
   */
  private static int write(SessionStore<Bytes, byte[]> store, long seed, AtomicLong writing,
      AtomicReferenceArray<long[]> latest, Thread reader, Semaphore queried)
      throws InterruptedException {
    Random random = new Random(seed ^ 0x5E55);
    long[] start = new long[KEYS];
    long[] end = new long[KEYS];
    Arrays.fill(end, -1);
    for (int second = 1; second <= SECONDS; second++) {
      if (second == 10) {
        reader.start();
      }
      if (second > 10 && second % 60 == 0) {
        queried.drainPermits();
        if (!queried.tryAcquire(60, TimeUnit.SECONDS)) {
          throw new AssertionError("no query ended within 60 s");
        }
      }
      writing.set(second);
      long time = second * 1_000L;
      for (int k = 0; k < KEYS; k++) {
        if (random.nextInt(5) < 2) {
          continue;
        }
        if (end[k] >= 0 && time - end[k] <= GAP && time - start[k] < MAX_SESSION) {
          store.remove(session(k, start[k], end[k]));
        } else {
          start[k] = time;
        }
        end[k] = time;
        store.put(session(k, start[k], end[k]), value(key(k), start[k], end[k]).getBytes());
        latest.set(k, new long[] {start[k], end[k]});
      }
    }
    return ((SegmentedStateStore) store).store.segmentCountForTesting();
  }

  /** One random query, checked; returns the sessions it answered. */
  private static int query(SessionStore<Bytes, byte[]> store, Random random, AtomicLong writing,
      AtomicReferenceArray<long[]> latest, boolean timeOrdered) {
    long now = writing.get() * 1_000;
    // Not negative: Kafka's session key schema rejects negative times, in RocksDB's stores too.
    long earliestEnd = Math.max(0, now - random.nextInt(60_000));
    long latestStart = earliestEnd + random.nextInt(60_000);
    int k = random.nextInt(KEYS);
    Bytes key = key(k);
    Bytes low = key(random.nextInt(KEYS));
    Bytes high = key(random.nextInt(KEYS));
    if (low.compareTo(high) > 0) {
      Bytes t = low;
      low = high;
      high = t;
    }
    long all = Long.MAX_VALUE;
    List<KeyValue<Windowed<Bytes>, byte[]>> seen;
    Query q;
    switch (random.nextInt(timeOrdered ? 9 : 8)) {
      case 0 -> {
        q = new Query("findSessions(k)", key, key, earliestEnd, latestStart, false);
        seen = drain(store.findSessions(key, earliestEnd, latestStart));
      }
      case 1 -> {
        q = new Query("backwardFindSessions(k)", key, key, earliestEnd, latestStart, false);
        seen = reversed(drain(store.backwardFindSessions(key, earliestEnd, latestStart)));
      }
      case 2 -> {
        q = new Query("findSessions(a,b)", low, high, earliestEnd, latestStart, false);
        seen = drain(store.findSessions(low, high, earliestEnd, latestStart));
      }
      case 3 -> {
        q = new Query("fetch(k)", key, key, 0, all, false);
        seen = drain(store.fetch(key));
      }
      case 4 -> {
        q = new Query("backwardFetch(k)", key, key, 0, all, false);
        seen = reversed(drain(store.backwardFetch(key)));
      }
      case 5 -> {
        q = new Query("fetch(a,b)", low, high, 0, all, false);
        seen = drain(store.fetch(low, high));
      }
      case 6 -> {
        q = new Query("IQv2 withKey", key, key, 0, all, false);
        seen = drain(iqv2(store, key));
      }
      case 7 -> {
        long[] s = latest.get(k);
        q = new Query("fetchSession", key, key, 0, all, false);
        seen = new ArrayList<>();
        byte[] v = s == null ? store.fetchSession(key, 0, 0) : store.fetchSession(key, s[0], s[1]);
        if (v != null) {
          if (s == null) {
            throw new AssertionError("fetchSession of a key never written answered");
          }
          seen.add(KeyValue.pair(session(k, s[0], s[1]), v));
        }
      }
      default -> {
        // Every key, by end time; the query's latest end is checked here, the rest by check.
        long latestEnd = earliestEnd + random.nextInt(60_000);
        q = new Query("findSessions(earliestEnd,latestEnd)", Bytes.wrap(new byte[0]),
            Bytes.wrap(new byte[] {(byte) 0xFF}), earliestEnd, all, true);
        seen = drain(store.findSessions(earliestEnd, latestEnd));
        for (KeyValue<Windowed<Bytes>, byte[]> kv : seen) {
          if (kv.key.window().end() > latestEnd) {
            throw new AssertionError(q.name + " up to " + latestEnd + " answered " + kv.key);
          }
        }
      }
    }
    check(q, seen, writing.get());
    return seen.size();
  }

  /**
   * Checks each session has the value written for it, lies within the query's bounds, ended no
   * later than the second being written at the query's end ({@code writing}), and appears once;
   * and the order: by end time ({@code byEndTime}), else a key's consecutive sessions by end (then
   * start).
   */
  private static void check(Query q, List<KeyValue<Windowed<Bytes>, byte[]>> seen, long writing) {
    Set<Windowed<Bytes>> distinct = new HashSet<>();
    Comparator<Windowed<Bytes>> order =
        Comparator.<Windowed<Bytes>>comparingLong(s -> s.window().end())
            .thenComparingLong(s -> s.window().start());
    Windowed<Bytes> previous = null;
    for (KeyValue<Windowed<Bytes>, byte[]> kv : seen) {
      Windowed<Bytes> s = kv.key;
      String expected = value(s.key(), s.window().start(), s.window().end());
      String value = new String(kv.value);
      if (!value.equals(expected)) {
        throw new AssertionError(q.name + ": session " + expected + " holds " + value);
      }
      if (!q.contains(s)) {
        throw new AssertionError(q + " answered " + expected);
      }
      if (s.window().end() > writing * 1_000) {
        throw new AssertionError(q.name + " answered " + expected + " from the future");
      }
      if (!distinct.add(s)) {
        throw new AssertionError(q.name + " answered " + expected + " twice");
      }
      boolean sameKeyOrAny = q.byEndTime || (previous != null && previous.key().equals(s.key()));
      if (previous != null && sameKeyOrAny
          && (q.byEndTime
              ? previous.window().end() > s.window().end()
              : order.compare(previous, s) > 0)) {
        throw new AssertionError(q.name + " answered " + previous + " before " + s);
      }
      previous = s;
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

  private static <T> List<T> reversed(List<T> list) {
    List<T> out = new ArrayList<>(list);
    Collections.reverse(out);
    return out;
  }

  /**
   * IQv2's session query; a store exception carrying {@link InvalidStateStoreException} (a closed
   * store) is rethrown as it.
   */
  private static KeyValueIterator<Windowed<Bytes>, byte[]> iqv2(
      SessionStore<Bytes, byte[]> store, Bytes key) {
    QueryResult<KeyValueIterator<Windowed<Bytes>, byte[]>> result =
        store.query(
            WindowRangeQuery.withKey(key), PositionBound.unbounded(), new QueryConfig(false));
    if (!result.isSuccess()) {
      if (result.getFailureReason() == FailureReason.STORE_EXCEPTION
          && result.getFailureMessage().contains(InvalidStateStoreException.class.getName())) {
        throw new InvalidStateStoreException(result.getFailureMessage());
      }
      throw new AssertionError("IQv2 query failed: " + result);
    }
    return result.getResult();
  }
}
