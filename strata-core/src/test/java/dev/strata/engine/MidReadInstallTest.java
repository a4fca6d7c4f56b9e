package dev.strata.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.DBIterator;
import dev.strata.Options;
import dev.strata.ReadOptions;
import dev.strata.Snapshot;
import dev.strata.StrataDB;
import dev.strata.fs.CrashPoint;
import dev.strata.testing.FaultInjectionFileSystem;
import dev.strata.version.VersionSet;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Installs landing between the steps of a read: at every {@link ReadHook.Step} (and every level)
 * of a get and of an iterator's creation, the hook runs a flush, a full or bounded compaction, or
 * enough writes to switch the memtable, each of which also overwrites and deletes keys the read is
 * after. The read is then checked against a model: a get returns the value before or after the
 * hook's writes (both held during the call), never another; an iterator, whose sequence is
 * registered before the hook runs, sees exactly the state before, forward and backward.
 *
 * <p>The data is laid out so that every read crosses the memtable, an immutable memtable's
 * successor, level-0 files chained by overlap, and a lower level.
 */
class MidReadInstallTest {
  private static final Path DIR = Path.of("/db");
  private static final int KEYS = 300;

  enum Action {
    FLUSH,
    COMPACT_ALL,
    COMPACT_BOUNDED,
    SWITCH_MEMTABLE
  }

  static Stream<Arguments> cases() {
    List<Arguments> out = new ArrayList<>();
    for (Action a : Action.values()) {
      out.add(Arguments.of(ReadHook.Step.GET_SEQUENCE_READ, -1, a));
      out.add(Arguments.of(ReadHook.Step.GET_MEMTABLES_LOADED, -1, a));
      out.add(Arguments.of(ReadHook.Step.GET_MEMTABLES_READ, -1, a));
      out.add(Arguments.of(ReadHook.Step.ITERATOR_SEQUENCE_READ, -1, a));
      out.add(Arguments.of(ReadHook.Step.ITERATOR_MEMTABLES_LOADED, -1, a));
      out.add(Arguments.of(ReadHook.Step.ITERATOR_MEMTABLES_PINNED, -1, a));
      for (int level = 0; level < VersionSet.NUM_LEVELS - 1; level++) {
        out.add(Arguments.of(ReadHook.Step.GET_LEVEL_READ, level, a));
        out.add(Arguments.of(ReadHook.Step.ITERATOR_LEVEL_PINNED, level, a));
      }
    }
    return out.stream();
  }

  private static byte[] key(int i) {
    return String.format("k%04d", i).getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static Options options(FaultInjectionFileSystem fs) {
    return Options.builder()
        .fileSystem(fs)
        .backgroundCompaction(false)
        .memtableSizeBytes(16 * 1024)
        .maxImmutableMemtables(4)
        .build();
  }

  private static void put(StrataDB db, TreeMap<String, String> model, int i, String v) {
    db.put(key(i), bytes(v));
    model.put(new String(key(i), StandardCharsets.UTF_8), v);
  }

  private static void delete(StrataDB db, TreeMap<String, String> model, int i) {
    db.delete(key(i));
    model.remove(new String(key(i), StandardCharsets.UTF_8));
  }

  /** Lower level, then chained level-0 files, then the memtable, with deletes in between. */
  private static void layOut(StrataDB db, TreeMap<String, String> model) {
    for (int i = 0; i < KEYS; i++) {
      put(db, model, i, "base-" + i);
    }
    db.compactRange(null, null);
    for (int i = 0; i < 150; i++) {
      put(db, model, i, "l0a-" + i);
    }
    for (int i = 10; i < 30; i++) {
      delete(db, model, i);
    }
    db.flush();
    for (int i = 100; i < 200; i++) {
      put(db, model, i, "l0b-" + i);
    }
    db.flush();
    for (int i = 180; i < 260; i++) {
      put(db, model, i, "l0c-" + i);
    }
    db.flush();
    for (int i = 50; i < 80; i++) {
      put(db, model, i, "mem-" + i);
    }
    delete(db, model, 190);
  }

  /** The hook's work: writes that overwrite and delete what the read is after, then the action. */
  private static void act(StrataDB db, TreeMap<String, String> after, Action action) {
    for (int i = 0; i < KEYS; i += 3) {
      put(db, after, i, "hook-" + i);
    }
    for (int i = 1; i < KEYS; i += 7) {
      delete(db, after, i);
    }
    switch (action) {
      case FLUSH -> db.flush();
      case COMPACT_ALL -> db.compactRange(null, null);
      case COMPACT_BOUNDED -> db.compactRange(key(120), key(125));
      case SWITCH_MEMTABLE -> {
        for (int i = 0; i < 200; i++) {
          put(db, after, KEYS + i, "fill-" + "x".repeat(100));
        }
      }
    }
  }

  @ParameterizedTest(name = "{0} level {1}: {2}")
  @MethodSource("cases")
  void read_installBetweenItsSteps_matchesTheModel(ReadHook.Step step, int level, Action action) {
    FaultInjectionFileSystem fs = new FaultInjectionFileSystem(1);
    try (DbImpl db = (DbImpl) StrataDB.open(DIR, options(fs))) {
      TreeMap<String, String> before = new TreeMap<>();
      layOut(db, before);
      TreeMap<String, String> after = new TreeMap<>(before);
      boolean[] fired = {false};
      db.setReadHookForTesting(
          (s, l) -> {
            if (s == step && l == level && !fired[0]) {
              fired[0] = true;
              act(db, after, action);
            }
          });

      if (step.name().startsWith("GET")) {
        checkGets(db, before, after, fired);
      } else {
        try (DBIterator it = db.newIterator()) {
          assertThat(fired[0]).as("hook ran while the iterator was made").isTrue();
          assertThat(scanForward(it)).isEqualTo(before);
          assertThat(scanBackward(it)).isEqualTo(before);
        }
        db.setReadHookForTesting(ReadHook.NONE);
        try (DBIterator it = db.newIterator()) {
          assertThat(scanForward(it)).isEqualTo(after);
        }
      }
    }
  }

  /**
   * Gets every key; the hook fires inside the first get that reaches its step (for a level step:
   * the first whose key is not found above that level). That get may answer from before or after
   * the hook's writes; every later one from after.
   */
  private static void checkGets(
      DbImpl db, TreeMap<String, String> before, TreeMap<String, String> after, boolean[] fired) {
    for (int i = 0; i < KEYS; i++) {
      String k = new String(key(i), StandardCharsets.UTF_8);
      boolean wasFired = fired[0];
      byte[] got = db.get(key(i));
      String value = got == null ? null : new String(got, StandardCharsets.UTF_8);
      if (wasFired) {
        assertThat(value).as("get %s after the install", k).isEqualTo(after.get(k));
      } else if (fired[0]) {
        assertThat(value).as("get %s during the install", k).isIn(before.get(k), after.get(k));
      } else {
        assertThat(value).as("get %s", k).isEqualTo(before.get(k));
      }
    }
    assertThat(fired[0]).as("some get reached the hook's step").isTrue();
  }

  private static Map<String, String> scanForward(DBIterator it) {
    TreeMap<String, String> out = new TreeMap<>();
    for (it.seekToFirst(); it.isValid(); it.next()) {
      out.put(new String(it.key(), StandardCharsets.UTF_8), new String(it.value(), StandardCharsets.UTF_8));
    }
    return out;
  }

  private static Map<String, String> scanBackward(DBIterator it) {
    TreeMap<String, String> out = new TreeMap<>();
    for (it.seekToLast(); it.isValid(); it.prev()) {
      out.put(new String(it.key(), StandardCharsets.UTF_8), new String(it.value(), StandardCharsets.UTF_8));
    }
    return out;
  }

  /**
   * A snapshot taken while a compaction is midway (its list of live snapshots already taken
   * without this one) still reads, after the compaction installs, exactly what it saw when taken.
   */
  @ParameterizedTest(name = "bounded {0}")
  @MethodSource("bounded")
  void snapshot_takenWhileACompactionRuns_keepsItsView(boolean bounded) throws Exception {
    FaultInjectionFileSystem fs = new FaultInjectionFileSystem(1);
    CountDownLatch mid = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    try (DbImpl db = (DbImpl) StrataDB.open(DIR, options(fs))) {
      TreeMap<String, String> model = new TreeMap<>();
      layOut(db, model);
      db.flush();
      fs.onCrashPoint(
          p -> {
            if (p == CrashPoint.COMPACTION_MID && mid.getCount() > 0) {
              mid.countDown();
              try {
                release.await();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            }
          });
      CompletableFuture<Void> compaction =
          CompletableFuture.runAsync(
              () -> db.compactRange(bounded ? key(100) : null, bounded ? key(200) : null));
      assertThat(mid.await(30, TimeUnit.SECONDS)).isTrue();

      Snapshot snapshot = db.getSnapshot();
      TreeMap<String, String> seen = new TreeMap<>(model);
      act(db, model, Action.FLUSH);
      release.countDown();
      compaction.get(30, TimeUnit.SECONDS);
      db.compactRange(null, null);

      try (DBIterator it = db.newIterator(ReadOptions.builder().snapshot(snapshot).build())) {
        assertThat(scanForward(it)).isEqualTo(seen);
      }
      for (int i = 0; i < KEYS; i++) {
        String k = new String(key(i), StandardCharsets.UTF_8);
        byte[] got = db.get(key(i), ReadOptions.builder().snapshot(snapshot).build());
        assertThat(got == null ? null : new String(got, StandardCharsets.UTF_8))
            .as("get %s at the snapshot", k)
            .isEqualTo(seen.get(k));
      }
      snapshot.close();
      try (DBIterator it = db.newIterator()) {
        assertThat(scanForward(it)).isEqualTo(model);
      }
    }
  }

  static Stream<Boolean> bounded() {
    return Stream.of(false, true);
  }
}
