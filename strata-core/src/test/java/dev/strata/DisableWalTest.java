package dev.strata;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.strata.testing.ManualExecutor;
import dev.strata.testing.Seeds;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Writes that skip the WAL ({@link WriteOptions.Builder#disableWal}): readable at once, durable
 * after a flush, gone after a reopen without one, and never in the way of the logged writes made
 * around them (recovery keeps every logged write and reads their sequence gaps as no lost tail).
 */
class DisableWalTest {
  private static final WriteOptions NO_WAL = WriteOptions.builder().disableWal(true).build();

  /** A close that leaves the memtable's writes in the WAL, as a crash does for unlogged ones. */
  private static final Options NO_FLUSH_ON_CLOSE = Options.builder().flushOnClose(false).build();

  @TempDir Path dir;

  private static byte[] b(String s) {
    return s.getBytes(UTF_8);
  }

  @Test
  void put_withWalDisabled_isReadableAndLeavesTheWalAlone() {
    try (StrataDB db = StrataDB.open(dir)) {
      long walBefore = Long.parseLong(db.getProperty("strata.bytes-written-wal"));
      db.put(b("k"), b("v"), NO_WAL);
      WriteBatch batch = new WriteBatch().put(b("a"), b("1")).delete(b("k"));
      db.write(batch, NO_WAL);
      assertThat(db.get(b("a"))).isEqualTo(b("1"));
      assertThat(db.get(b("k"))).isNull();
      assertThat(Long.parseLong(db.getProperty("strata.bytes-written-wal"))).isEqualTo(walBefore);
    }
  }

  @Test
  void put_withWalDisabled_survivesFlushAndReopen() {
    try (StrataDB db = StrataDB.open(dir)) {
      db.put(b("k"), b("v"), NO_WAL);
      db.flush();
    }
    try (StrataDB db = StrataDB.open(dir)) {
      assertThat(db.get(b("k"))).isEqualTo(b("v"));
    }
  }

  @Test
  void put_withWalDisabled_isGoneAfterReopenWithoutFlush() {
    try (StrataDB db = StrataDB.open(dir, NO_FLUSH_ON_CLOSE)) {
      db.put(b("logged"), b("1"));
      db.put(b("k"), b("v"), NO_WAL);
    }
    try (StrataDB db = StrataDB.open(dir)) {
      assertThat(db.get(b("k"))).isNull();
      assertThat(db.get(b("logged"))).isEqualTo(b("1"));
    }
  }

  /** A clean close flushes the memtable ({@code Options.flushOnClose}): unlogged writes too. */
  @Test
  void put_withWalDisabled_survivesACleanCloseThatFlushes() {
    try (StrataDB db = StrataDB.open(dir)) {
      db.put(b("logged"), b("1"));
      db.put(b("k"), b("v"), NO_WAL);
    }
    try (StrataDB db = StrataDB.open(dir)) {
      assertThat(db.get(b("k"))).isEqualTo(b("v"));
      assertThat(db.get(b("logged"))).isEqualTo(b("1"));
    }
  }

  /**
   * The first logged write of the replayed logs follows unlogged ones, so it starts above the
   * manifest's last sequence plus one: recovery must not read that as a manifest that lost edits.
   */
  @Test
  void loggedWrite_afterUnloggedOnesSinceTheLastFlush_isRecovered() {
    try (StrataDB db = StrataDB.open(dir, NO_FLUSH_ON_CLOSE)) {
      db.put(b("unlogged"), b("1"), NO_WAL);
      db.put(b("logged"), b("1"));
    }
    try (StrataDB db = StrataDB.open(dir, NO_FLUSH_ON_CLOSE)) {
      assertThat(db.get(b("logged"))).isEqualTo(b("1"));
      assertThat(db.get(b("unlogged"))).isNull();
      db.put(b("flushed"), b("2"));
      db.flush();
      db.put(b("unlogged"), b("2"), NO_WAL);
      db.put(b("logged"), b("2"));
    }
    try (StrataDB db = StrataDB.open(dir, NO_FLUSH_ON_CLOSE)) {
      assertThat(db.get(b("logged"))).isEqualTo(b("2"));
      assertThat(db.get(b("flushed"))).isEqualTo(b("2"));
      assertThat(db.get(b("unlogged"))).isNull();
    }
  }

  @Test
  void build_syncWithWalDisabled_isRefused() {
    assertThatThrownBy(() -> WriteOptions.builder().sync(true).disableWal(true).build())
        .isInstanceOf(IllegalArgumentException.class);
  }

  /**
   * Unlogged writes fill whole memtables (so retired logs hold no logged write) while no flush
   * runs, between logged writes; every logged write is recovered, in order, across several
   * reopens, and an unlogged value shows only where no later logged write replaced it.
   */
  @Test
  void mixedWrites_acrossMemtableSwitchesWithoutFlush_recoverEveryLoggedWrite() {
    ManualExecutor background = new ManualExecutor();
    // No flush runs, so a round must switch fewer than 64 times or its writes stall for good: 4 KiB
    // memtables switched 51 to 62 times a round, too close; 8 KiB ones switch about half as often.
    Options options =
        Options.builder()
            .memtableSizeBytes(8 << 10)
            .maxImmutableMemtables(64)
            .backgroundExecutor(background).flushOnClose(false)
            .build();
    Map<String, String> logged = new HashMap<>();
    for (int round = 0; round < 3; round++) {
      try (StrataDB db = StrataDB.open(dir, options)) {
        for (Map.Entry<String, String> e : logged.entrySet()) {
          assertThat(db.get(b(e.getKey()))).as("round %d", round).isEqualTo(b(e.getValue()));
        }
        for (int i = 0; i < 40; i++) {
          String k = "logged-" + round + "-" + i;
          db.put(b(k), b("v" + i));
          logged.put(k, "v" + i);
          for (int j = 0; j < 20; j++) {
            db.put(b("unlogged-" + round + "-" + i + "-" + j), new byte[100], NO_WAL);
          }
          // An unlogged write to a key a later logged write replaces.
          db.put(b("shared"), b("unlogged"), NO_WAL);
          db.put(b("shared"), b("logged-" + round + "-" + i));
          logged.put("shared", "logged-" + round + "-" + i);
        }
        assertThat(db.getProperty("strata.num-immutable-memtables")).isNotEqualTo("0");
      }
    }
    try (StrataDB db = StrataDB.open(dir, options)) {
      for (Map.Entry<String, String> e : logged.entrySet()) {
        assertThat(db.get(b(e.getKey()))).isEqualTo(b(e.getValue()));
      }
      assertThat(db.get(b("unlogged-2-39-19"))).isNull();
    }
  }

  /**
   * A random mix of logged and unlogged puts and deletes with flushes and reopens: keys only
   * logged writes touched come back exactly; a key an unlogged write touched holds one of the
   * values it ever held, or nothing. Reproduce with {@code -Dstrata.seed=}.
   */
  @org.junit.jupiter.params.ParameterizedTest(name = "reuseLogs={0}")
  @org.junit.jupiter.params.provider.ValueSource(booleans = {false, true})
  void randomMix_withReopens_keepsLoggedKeysExact(boolean reuseLogs) {
    long seed = Seeds.seed("DisableWalTest");
    Random rnd = new Random(seed);
    // With reuseLogs an open that finds the last WAL recorded by the close appends to it: logged
    // writes after unlogged ones then follow markers in a log that spans several sessions.
    Options options = Options.builder().memtableSizeBytes(8 << 10).reuseLogs(reuseLogs).flushOnClose(false).build();
    Map<String, byte[]> model = new HashMap<>();
    Map<String, List<byte[]>> history = new HashMap<>();
    Set<String> touchedUnlogged = new HashSet<>();
    for (int round = 0; round < 4; round++) {
      try (StrataDB db = StrataDB.open(dir, options)) {
        for (String k : model.keySet()) {
          if (!touchedUnlogged.contains(k)) {
            assertThat(db.get(b(k))).as("seed %d key %s", seed, k).isEqualTo(model.get(k));
          }
        }
        for (String k : touchedUnlogged) {
          byte[] v = db.get(b(k));
          if (v != null) {
            assertThat(history.get(k)).as("seed %d key %s", seed, k).contains(v);
          }
        }
        for (int i = 0; i < 2_000; i++) {
          String k = "k" + rnd.nextInt(300);
          boolean unlogged = rnd.nextInt(3) == 0;
          WriteOptions wo = unlogged ? NO_WAL : WriteOptions.DEFAULT;
          if (rnd.nextInt(5) == 0) {
            db.delete(b(k), wo);
            model.remove(k);
          } else {
            byte[] v = b(k + "@" + round + "." + i);
            db.put(b(k), v, wo);
            model.put(k, v);
            history.computeIfAbsent(k, x -> new ArrayList<>()).add(v);
          }
          if (unlogged) {
            touchedUnlogged.add(k);
          }
          if (rnd.nextInt(500) == 0) {
            db.flush();
          }
        }
      }
    }
    if (reuseLogs) {
      // The variant is only worth its name if some reopen did append to the log it replayed.
      assertThat(infoLogText()).as("seed %d", seed).contains("appending to");
    }
  }

  /** Every info log of the database directory (LOG and its predecessors), concatenated. */
  private String infoLogText() {
    StringBuilder sb = new StringBuilder();
    try (java.util.stream.Stream<java.nio.file.Path> files = java.nio.file.Files.list(dir)) {
      for (java.nio.file.Path f : (Iterable<java.nio.file.Path>) files::iterator) {
        if (f.getFileName().toString().startsWith("LOG")) {
          sb.append(java.nio.file.Files.readString(f));
        }
      }
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return sb.toString();
  }

  /** Logged and unlogged writers side by side: no group mixes them, every logged write stays. */
  @Test
  void concurrentLoggedAndUnloggedWriters_recoverEveryLoggedWrite() throws Exception {
    Options options = Options.builder().memtableSizeBytes(16 << 10).flushOnClose(false).build();
    int n = 3_000;
    try (StrataDB db = StrataDB.open(dir, options)) {
      CountDownLatch start = new CountDownLatch(1);
      List<Thread> threads = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        int id = t;
        WriteOptions wo = id % 2 == 0 ? WriteOptions.DEFAULT : NO_WAL;
        Thread th =
            new Thread(
                () -> {
                  try {
                    start.await();
                  } catch (InterruptedException e) {
                    throw new AssertionError(e);
                  }
                  for (int i = 0; i < n; i++) {
                    db.put(b(id + "-" + i), b("v" + i), wo);
                  }
                },
                "writer-" + t);
        threads.add(th);
        th.start();
      }
      start.countDown();
      for (Thread th : threads) {
        th.join();
      }
    }
    try (StrataDB db = StrataDB.open(dir, options)) {
      for (int t = 0; t < 4; t += 2) {
        for (int i = 0; i < n; i++) {
          assertThat(db.get(b(t + "-" + i))).isEqualTo(b("v" + i));
        }
      }
    }
  }
}
