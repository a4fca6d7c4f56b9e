package dev.strata.ycsb;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.Vector;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import site.ycsb.ByteIterator;
import site.ycsb.DBException;
import site.ycsb.Status;
import site.ycsb.StringByteIterator;

/**
 * What both bindings must do, run once per engine by {@link StrataClientTest} and {@link
 * RocksDbClientTest}: the YCSB operations' semantics and the shared database's lifetime.
 */
abstract class BindingContract {
  private static final String TABLE = "usertable";

  @TempDir Path dir;

  private final List<RecordStoreClient> clients = new CopyOnWriteArrayList<>();

  abstract RecordStoreClient newClient();

  abstract SharedStore shared();

  abstract String dirProperty();

  /**
   * Opens the engine directly in {@code dir} (which fails while the binding still holds it) and
   * returns the value of {@code key}, or null.
   */
  abstract byte[] readDirectly(Path dir, String key) throws Exception;

  @AfterEach
  void cleanUpEveryClient() throws DBException {
    for (RecordStoreClient c : clients) {
      c.cleanup();
    }
    assertThat(shared().isOpenForTesting()).isFalse();
  }

  private RecordStoreClient client() throws DBException {
    RecordStoreClient c = newClient();
    Properties p = new Properties();
    p.setProperty(dirProperty(), dir.toString());
    c.setProperties(p);
    c.init();
    clients.add(c);
    return c;
  }

  private static Map<String, ByteIterator> values(String... namesAndValues) {
    Map<String, ByteIterator> m = new LinkedHashMap<>();
    for (int i = 0; i < namesAndValues.length; i += 2) {
      m.put(namesAndValues[i], new StringByteIterator(namesAndValues[i + 1]));
    }
    return m;
  }

  private static Map<String, String> read(RecordStoreClient c, String key, Set<String> fields) {
    Map<String, ByteIterator> result = new HashMap<>();
    assertThat(c.read(TABLE, key, fields, result)).isEqualTo(Status.OK);
    return StringByteIterator.getStringMap(result);
  }

  @Test
  void insert_thenRead_returnsEveryField() throws DBException {
    RecordStoreClient c = client();

    assertThat(c.insert(TABLE, "user1", values("field0", "a", "field1", "b"))).isEqualTo(Status.OK);

    assertThat(read(c, "user1", null)).containsExactlyInAnyOrderEntriesOf(
        Map.of("field0", "a", "field1", "b"));
  }

  @Test
  void read_fieldSubset_returnsOnlyThose() throws DBException {
    RecordStoreClient c = client();
    c.insert(TABLE, "user1", values("field0", "a", "field1", "b", "field2", "c"));

    assertThat(read(c, "user1", Set.of("field1", "field9"))).containsExactlyEntriesOf(
        Map.of("field1", "b"));
  }

  @Test
  void read_missingKey_notFound() throws DBException {
    RecordStoreClient c = client();
    c.insert(TABLE, "user1", values("field0", "a"));
    Map<String, ByteIterator> result = new HashMap<>();

    assertThat(c.read(TABLE, "user2", null, result)).isEqualTo(Status.NOT_FOUND);
    assertThat(result).isEmpty();
  }

  @Test
  void update_oneField_mergesIntoTheStoredRecord() throws DBException {
    RecordStoreClient c = client();
    c.insert(TABLE, "user1", values("field0", "a", "field1", "b", "field2", "c"));

    assertThat(c.update(TABLE, "user1", values("field1", "B"))).isEqualTo(Status.OK);

    assertThat(read(c, "user1", null)).containsExactlyInAnyOrderEntriesOf(
        Map.of("field0", "a", "field1", "B", "field2", "c"));
  }

  @Test
  void update_missingKey_notFoundAndNothingWritten() throws DBException {
    RecordStoreClient c = client();

    assertThat(c.update(TABLE, "user1", values("field0", "a"))).isEqualTo(Status.NOT_FOUND);

    assertThat(c.read(TABLE, "user1", null, new HashMap<>())).isEqualTo(Status.NOT_FOUND);
  }

  @Test
  void insert_existingKey_replacesTheWholeRecord() throws DBException {
    RecordStoreClient c = client();
    c.insert(TABLE, "user1", values("field0", "a", "field1", "b"));

    c.insert(TABLE, "user1", values("field2", "c"));

    assertThat(read(c, "user1", null)).containsExactlyEntriesOf(Map.of("field2", "c"));
  }

  @Test
  void delete_thenRead_notFound() throws DBException {
    RecordStoreClient c = client();
    c.insert(TABLE, "user1", values("field0", "a"));

    assertThat(c.delete(TABLE, "user1")).isEqualTo(Status.OK);

    assertThat(c.read(TABLE, "user1", null, new HashMap<>())).isEqualTo(Status.NOT_FOUND);
    assertThat(c.delete(TABLE, "user1")).isEqualTo(Status.OK);
  }

  @Test
  @SuppressWarnings("JdkObsolete") // YCSB's scan takes a Vector
  void scan_fromAKey_returnsTheNextRecordsInKeyOrderWithTheFieldsAsked() throws DBException {
    RecordStoreClient c = client();
    List<Integer> numbers = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      numbers.add(i * 7919 % 1000);
    }
    Collections.shuffle(numbers, new Random(11));
    TreeSet<String> keys = new TreeSet<>();
    for (int n : numbers) {
      String key = "user" + n;
      keys.add(key);
      c.insert(TABLE, key, values("field0", key, "field1", "x" + n));
    }
    String start = "user5"; // not a key: the scan starts at the next one
    Vector<HashMap<String, ByteIterator>> result = new Vector<>();

    assertThat(c.scan(TABLE, start, 10, Set.of("field0"), result)).isEqualTo(Status.OK);

    List<String> expected = new ArrayList<>(keys.tailSet(start, true)).subList(0, 10);
    List<String> got = new ArrayList<>();
    for (HashMap<String, ByteIterator> record : result) {
      assertThat(record.keySet()).containsExactly("field0");
      got.add(record.get("field0").toString());
    }
    assertThat(got).isEqualTo(expected);
  }

  @Test
  @SuppressWarnings("JdkObsolete") // YCSB's scan takes a Vector
  void scan_pastTheEndAndAllFields_returnsWhatIsThere() throws DBException {
    RecordStoreClient c = client();
    c.insert(TABLE, "user1", values("field0", "a", "field1", "b"));
    c.insert(TABLE, "user2", values("field0", "c", "field1", "d"));
    Vector<HashMap<String, ByteIterator>> result = new Vector<>();

    assertThat(c.scan(TABLE, "user15", 100, null, result)).isEqualTo(Status.OK);

    assertThat(result).hasSize(1);
    assertThat(StringByteIterator.getStringMap(result.get(0))).containsExactlyInAnyOrderEntriesOf(
        Map.of("field0", "c", "field1", "d"));
  }

  @Test
  void update_twoThreadsOnDifferentFieldsOfOneKey_keepsEveryField() throws Exception {
    RecordStoreClient first = client();
    RecordStoreClient second = client();
    first.insert(TABLE, "user1", values("field0", "a"));
    int perThread = 300;
    CyclicBarrier start = new CyclicBarrier(2);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      List<Future<Void>> done = new ArrayList<>();
      RecordStoreClient[] byThread = {first, second};
      for (int t = 0; t < 2; t++) {
        RecordStoreClient c = byThread[t];
        String prefix = "t" + t + "-";
        done.add(pool.submit(() -> {
          start.await(10, TimeUnit.SECONDS);
          for (int i = 0; i < perThread; i++) {
            assertThat(c.update(TABLE, "user1", values(prefix + i, "v"))).isEqualTo(Status.OK);
          }
          return null;
        }));
      }
      for (Future<Void> f : done) {
        f.get(30, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }

    assertThat(read(first, "user1", null)).hasSize(1 + 2 * perThread);
  }

  @Test
  void cleanup_ofAllButTheLastInstance_leavesTheDatabaseOpen() throws Exception {
    RecordStoreClient a = client();
    RecordStoreClient b = client();
    RecordStoreClient c = client();
    a.insert(TABLE, "user1", values("field0", "a"));

    a.cleanup();
    b.cleanup();

    assertThat(shared().referencesForTesting()).isEqualTo(1);
    assertThat(read(c, "user1", null)).containsEntry("field0", "a");
    c.cleanup();
    assertThat(shared().isOpenForTesting()).isFalse();
    byte[] stored = readDirectly(dir, "user1");
    assertThat(stored).isEqualTo(RecordCodec.encode(values("field0", "a")));
  }

  @Test
  void init_afterTheLastCleanup_reopensWithTheData() throws DBException {
    RecordStoreClient a = client();
    a.insert(TABLE, "user1", values("field0", "a"));
    int opens = shared().opensForTesting();
    a.cleanup();

    RecordStoreClient b = client();

    assertThat(shared().opensForTesting()).isEqualTo(opens + 1);
    assertThat(read(b, "user1", null)).containsEntry("field0", "a");
  }

  @Test
  void init_fromFourThreadsAtOnce_opensOnce() throws Exception {
    int threads = 4;
    int opens = shared().opensForTesting();
    CyclicBarrier start = new CyclicBarrier(threads);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    List<RecordStoreClient> started = new ArrayList<>();
    try {
      List<Future<RecordStoreClient>> futures = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        futures.add(pool.submit(() -> {
          start.await(10, TimeUnit.SECONDS);
          return client();
        }));
      }
      for (Future<RecordStoreClient> f : futures) {
        started.add(f.get(30, TimeUnit.SECONDS));
      }
    } finally {
      pool.shutdownNow();
    }

    assertThat(started).hasSize(threads);
    assertThat(shared().opensForTesting()).isEqualTo(opens + 1);
    assertThat(shared().referencesForTesting()).isEqualTo(threads);
  }
}
