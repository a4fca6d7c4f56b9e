package dev.strata.bench.engine;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What the runner relies on from every engine of the service file: reads see writes, cursors walk
 * keys in unsigned byte order and seek to the first key at or after a target, empty and 1 MiB
 * values survive, a persistent engine keeps its data across close and open, and four threads may
 * put and get at once. The memtable is 1 MiB, so the LSM engines flush during the larger tests.
 */
class EngineAdapterContractTest {
  private static final EngineSettings SETTINGS =
      EngineSettings.defaults().with(Map.of("memtable-mb", "1", "cache-mb", "8"));

  @TempDir Path dir;

  static Stream<String> engines() {
    return Engines.installed().names().stream();
  }

  /** The engines that keep data across sessions: the reopen contract applies to them only. */
  static Stream<String> persistentEngines() {
    return engines().filter(e -> Engines.installed().create(e).persistent());
  }

  @org.junit.jupiter.api.Test
  void persistentEngines_areEveryEngineButTheInMemoryMap() {
    assertThat(persistentEngines()).doesNotContain("skiplist-map").contains("strata", "rocksdb");
  }

  private static EngineAdapter open(String engine, Path dir) throws Exception {
    EngineAdapter db = Engines.installed().create(engine);
    db.open(dir, SETTINGS, Map.of());
    return db;
  }

  private static byte[] bytes(String s) {
    return s.getBytes(UTF_8);
  }

  @ParameterizedTest
  @MethodSource("engines")
  void putGetDelete_overwriteAndDelete_readsTheLatest(String engine) throws Exception {
    try (EngineAdapter db = open(engine, dir)) {
      db.put(bytes("k1"), bytes("v1"));
      db.put(bytes("k2"), bytes("v2"));
      db.put(bytes("k1"), bytes("v1b"));
      db.delete(bytes("k2"));
      db.delete(bytes("never-written"));

      assertThat(db.get(bytes("k1"))).asString(UTF_8).isEqualTo("v1b");
      assertThat(db.get(bytes("k2"))).isNull();
      assertThat(db.get(bytes("k3"))).isNull();
      db.put(bytes("k2"), bytes("again"));
      assertThat(db.get(bytes("k2"))).asString(UTF_8).isEqualTo("again");
    }
  }

  /** Keys whose signed and unsigned orders differ, and keys that are prefixes of others. */
  private static List<byte[]> orderingKeys() {
    return List.of(
        new byte[] {0x00}, new byte[] {0x01}, new byte[] {0x01, 0x00}, new byte[] {0x7f},
        new byte[] {(byte) 0x80}, new byte[] {(byte) 0x80, 0x00}, new byte[] {(byte) 0xff},
        bytes("a"), bytes("ab"), bytes("b"));
  }

  @ParameterizedTest
  @MethodSource("engines")
  void cursor_fromFirst_walksKeysInUnsignedOrderWithTheirValues(String engine) throws Exception {
    List<byte[]> keys = new ArrayList<>(orderingKeys());
    Collections.shuffle(keys, new Random(301));
    try (EngineAdapter db = open(engine, dir)) {
      for (byte[] k : keys) {
        db.put(k, value(k));
      }
      keys.sort(Arrays::compareUnsigned);
      List<byte[]> seen = new ArrayList<>();
      try (EngineCursor c = db.newCursor()) {
        for (c.seekToFirst(); c.isValid(); c.next()) {
          assertThat(c.value()).isEqualTo(value(c.key()));
          seen.add(c.key());
        }
      }
      assertThat(seen).containsExactlyElementsOf(keys);
    }
  }

  private static byte[] value(byte[] key) {
    return bytes("value of " + Arrays.toString(key));
  }

  @ParameterizedTest
  @MethodSource("engines")
  void seek_landsOnTheFirstKeyAtOrAfterTheTarget(String engine) throws Exception {
    try (EngineAdapter db = open(engine, dir)) {
      for (String k : List.of("b", "d", "f")) {
        db.put(bytes(k), bytes("v" + k));
      }
      try (EngineCursor c = db.newCursor()) {
        c.seek(bytes("d"));
        assertThat(c.key()).asString(UTF_8).isEqualTo("d");
        assertThat(c.value()).asString(UTF_8).isEqualTo("vd");
        c.next();
        assertThat(c.key()).asString(UTF_8).isEqualTo("f");
        c.next();
        assertThat(c.isValid()).isFalse();

        c.seek(bytes("c"));
        assertThat(c.key()).asString(UTF_8).isEqualTo("d");
        c.seek(bytes("a"));
        assertThat(c.key()).asString(UTF_8).isEqualTo("b");
        c.seek(bytes("g"));
        assertThat(c.isValid()).isFalse();
      }
    }
  }

  @ParameterizedTest
  @MethodSource("engines")
  void cursor_onAnEmptyDatabase_isNotValid(String engine) throws Exception {
    try (EngineAdapter db = open(engine, dir); EngineCursor c = db.newCursor()) {
      c.seekToFirst();
      assertThat(c.isValid()).isFalse();
      c.seek(bytes("a"));
      assertThat(c.isValid()).isFalse();
    }
  }

  @ParameterizedTest
  @MethodSource("engines")
  void emptyAndOneMebibyteValues_roundTrip(String engine) throws Exception {
    byte[] large = new byte[1 << 20];
    new Random(301).nextBytes(large);
    try (EngineAdapter db = open(engine, dir)) {
      db.put(bytes("empty"), new byte[0]);
      db.put(bytes("large"), large);

      assertThat(db.get(bytes("empty"))).isNotNull().isEmpty();
      assertThat(db.get(bytes("large"))).isEqualTo(large);
      try (EngineCursor c = db.newCursor()) {
        c.seek(bytes("empty"));
        assertThat(c.value()).isEmpty();
        c.next();
        assertThat(c.key()).asString(UTF_8).isEqualTo("large");
        assertThat(c.value()).isEqualTo(large);
      }
    }
  }

  @ParameterizedTest
  @MethodSource("persistentEngines")
  void closeThenOpen_persistentEngine_keepsWritesAndDeletes(String engine) throws Exception {
    byte[] large = new byte[1 << 20];
    new Random(302).nextBytes(large);
    try (EngineAdapter db = open(engine, dir)) {
      for (int i = 0; i < 2000; i++) {
        db.put(key(i), bytes("v" + i));
      }
      for (int i = 0; i < 2000; i += 3) {
        db.delete(key(i));
      }
      db.put(bytes("large"), large);
      db.put(bytes("empty"), new byte[0]);
    }
    for (int session = 0; session < 2; session++) {
      try (EngineAdapter db = open(engine, dir)) {
        for (int i = 0; i < 2000; i++) {
          assertThat(db.get(key(i))).as("key %d", i)
              .isEqualTo(i % 3 == 0 ? null : bytes("v" + i));
        }
        assertThat(db.get(bytes("large"))).isEqualTo(large);
        assertThat(db.get(bytes("empty"))).isNotNull().isEmpty();
        int count = 0;
        try (EngineCursor c = db.newCursor()) {
          for (c.seekToFirst(); c.isValid(); c.next()) {
            count++;
          }
        }
        assertThat(count).isEqualTo(2000 - 667 + 2);
      }
    }
  }

  private static byte[] key(int i) {
    return bytes(String.format("key%08d", i));
  }

  @ParameterizedTest
  @MethodSource("engines")
  void putAndGet_fromFourThreads_eachSeesItsWritesAndAllArePresentAfter(String engine)
      throws Exception {
    int threads = 4;
    int perThread = 1000;
    try (EngineAdapter db = open(engine, dir)) {
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      try {
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
          int first = t * perThread;
          done.add(pool.submit(() -> {
            start.await();
            for (int i = first; i < first + perThread; i++) {
              db.put(key(i), bytes("v" + i));
              assertThat(db.get(key(i))).asString(UTF_8).isEqualTo("v" + i);
              // A key of another thread: absent or its only value, never anything else.
              byte[] other = db.get(key((i + perThread) % (threads * perThread)));
              if (other != null) {
                assertThat(other).asString(UTF_8)
                    .isEqualTo("v" + (i + perThread) % (threads * perThread));
              }
            }
            return null;
          }));
        }
        start.countDown();
        for (Future<?> f : done) {
          f.get(60, TimeUnit.SECONDS);
        }
      } finally {
        pool.shutdownNow();
      }
      for (int i = 0; i < threads * perThread; i++) {
        assertThat(db.get(key(i))).asString(UTF_8).isEqualTo("v" + i);
      }
    }
  }
}
