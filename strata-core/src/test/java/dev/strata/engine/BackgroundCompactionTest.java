package dev.strata.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.Compression;
import dev.strata.Options;
import dev.strata.StrataDB;
import dev.strata.testing.FaultInjectionFileSystem;
import dev.strata.testing.Seeds;
import dev.strata.version.FileNames;
import dev.strata.version.Level;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Background compaction under sustained writes: level 0 stays at or under the stop trigger, levels
 * below it stay disjoint, space stays near the live data after a full compaction, and closing in
 * the middle of compactions leaves no thread, no unreferenced table and no lost write.
 */
class BackgroundCompactionTest {
  @TempDir Path dir;

  private static Options tiny() {
    return Options.builder()
        .memtableSizeBytes(32 * 1024)
        .targetFileSizeBytes(32 * 1024)
        .maxBytesForLevelBase(128 * 1024)
        .level0CompactionTrigger(2)
        .level0SlowdownTrigger(4)
        .level0StopTrigger(6)
        .compression(Compression.NONE)
        .build();
  }

  @Test
  void sustainedWrites_keepLevelsInShape() {
    long seed = Seeds.seed("BackgroundCompactionTest.sustainedWrites");
    Random rnd = new Random(seed);
    Options o = tiny();
    TreeMap<String, Integer> live = new TreeMap<>();
    try (DbImpl db = (DbImpl) StrataDB.open(dir, o)) {
      for (int i = 0; i < 60_000; i++) {
        String k = String.format("key%06d", rnd.nextInt(20_000));
        byte[] v = new byte[60];
        rnd.nextBytes(v);
        db.put(k.getBytes(), v);
        live.put(k, v.length);
        if (i % 500 == 0) {
          Level[] levels = db.levelsForProperties();
          assertThat(levels[0].fileCount()).as("L0 at op %d", i).isLessThanOrEqualTo(o.level0StopTrigger());
          for (int l = 1; l < levels.length; l++) {
            assertThat(levels[l].isDisjoint()).as("L%d disjoint at op %d", l, i).isTrue();
          }
        }
      }
      assertThat(Long.parseLong(db.getProperty("strata.max-level0-files")))
          .isLessThanOrEqualTo(o.level0StopTrigger());
      db.compactRange(null, null);
      long liveBytes = 0;
      for (var e : live.entrySet()) {
        liveBytes += e.getKey().length() + e.getValue();
      }
      long disk = Long.parseLong(db.getProperty("strata.total-sst-bytes"));
      assertThat(disk).as("disk %d vs live %d", disk, liveBytes).isLessThanOrEqualTo((long) (1.5 * liveBytes));
      int compactions = 0;
      for (var c : db.stats.compactions) {
        compactions += c.intValue();
      }
      assertThat(compactions).isGreaterThan(0);
      for (String k : live.keySet()) {
        assertThat(db.get(k.getBytes())).as(k).hasSize(60);
      }
    }
  }

  @Test
  void closeDuringCompaction_leavesNoThreadNoOrphanNoLoss() throws IOException {
    long seed = Seeds.seed("BackgroundCompactionTest.closeDuringCompaction");
    Random rnd = new Random(seed);
    Options o = tiny().toBuilder().level0SlowdownTrigger(20).level0StopTrigger(30).build();
    TreeMap<String, byte[]> model = new TreeMap<>();
    for (int cycle = 0; cycle < 50; cycle++) {
      DbImpl db = (DbImpl) StrataDB.open(dir, o);
      int writes = 200 + rnd.nextInt(3000);
      for (int i = 0; i < writes; i++) {
        String k = String.format("key%06d", rnd.nextInt(5000));
        byte[] v = ("v" + cycle + "-" + i).getBytes();
        db.put(k.getBytes(), v);
        model.put(k, v);
      }
      var threads = db.backgroundThreadsForTesting();
      db.close();
      for (Thread t : threads) {
        assertThat(t.isAlive()).as("cycle %d thread %s", cycle, t.getName()).isFalse();
      }
      // Reopen without a compaction thread, so that no new table is being written while the
      // directory is listed: every table on disk must then be one the levels list.
      Options verify = o.toBuilder().backgroundCompaction(false).build();
      try (DbImpl reopened = (DbImpl) StrataDB.open(dir, verify)) {
        // The memtable the open replayed is flushed in the background: wait for that table too.
        reopened.flush();
        Set<Long> live = new HashSet<>();
        for (Level l : reopened.levelsForProperties()) {
          for (var f : l.files()) {
            live.add(f.number());
          }
        }
        try (Stream<Path> files = Files.list(dir)) {
          files.forEach(
              p -> {
                FileNames.Parsed parsed = FileNames.parse(p.getFileName().toString());
                if (parsed.kind() == FileNames.Kind.TABLE) {
                  assertThat(live).as("orphan table %s", p).contains(parsed.number());
                }
              });
        }
        if (cycle % 10 == 9) {
          for (var e : model.entrySet()) {
            assertThat(reopened.get(e.getKey().getBytes())).as(e.getKey()).isEqualTo(e.getValue());
          }
        }
      }
    }
  }

  @Test
  void sharedExecutor_runsWorkOfSeveralDatabases_closingOneLeavesOthers() throws Exception {
    ExecutorService shared = Executors.newFixedThreadPool(2);
    Options o = tiny().toBuilder().backgroundExecutor(shared).build();
    try {
      StrataDB[] dbs = new StrataDB[3];
      for (int d = 0; d < dbs.length; d++) {
        dbs[d] = StrataDB.open(dir.resolve("db" + d), o);
        assertThat(((DbImpl) dbs[d]).backgroundThreadsForTesting()).isEmpty();
      }
      for (int i = 0; i < 5000; i++) {
        for (StrataDB db : dbs) {
          db.put(String.format("key%06d", i).getBytes(), ("v" + i).getBytes());
        }
      }
      dbs[0].close();
      for (int i = 5000; i < 10000; i++) {
        dbs[1].put(String.format("key%06d", i).getBytes(), ("v" + i).getBytes());
      }
      dbs[1].flush();
      for (int d = 1; d < dbs.length; d++) {
        assertThat(new String(dbs[d].get("key004999".getBytes()))).isEqualTo("v4999");
        assertThat(Integer.parseInt(dbs[d].getProperty("strata.num-files-at-level0")))
            .isLessThanOrEqualTo(o.level0StopTrigger());
      }
      assertThat(new String(dbs[1].get("key009999".getBytes()))).isEqualTo("v9999");
      dbs[1].close();
      dbs[2].close();
      try (StrataDB again = StrataDB.open(dir.resolve("db0"), o)) {
        assertThat(new String(again.get("key004999".getBytes()))).isEqualTo("v4999");
      }
    } finally {
      shared.shutdownNow();
    }
  }

  @Test
  void compactionOff_noThread_andCompactRangeCompactsInCaller() {
    Options o = tiny().toBuilder().backgroundCompaction(false).level0SlowdownTrigger(100).level0StopTrigger(100).build();
    try (DbImpl db = (DbImpl) StrataDB.open(dir, o)) {
      assertThat(db.backgroundThreadsForTesting())
          .extracting(Thread::getName)
          .noneMatch(n -> n.startsWith("strata-compaction"));
      for (int i = 0; i < 20_000; i++) {
        db.put(String.format("key%06d", i % 7000).getBytes(), ("v" + i).getBytes());
      }
      db.flush();
      assertThat(Integer.parseInt(db.getProperty("strata.num-files-at-level0"))).isGreaterThan(2);
      db.compactRange(null, null);
      assertThat(db.getProperty("strata.num-files-at-level0")).isEqualTo("0");
      assertThat(new String(db.get("key006999".getBytes()))).isEqualTo("v13999");
    }
  }

  @Test
  void compactionOff_compactRangeBesideAWriter_neitherBlocksTheOther() throws Exception {
    // Level 0 has no stall with compaction off: the writer runs at its own pace while
    // compactRange flushes and compacts underneath it, round after round.
    Options o =
        tiny().toBuilder()
            .backgroundCompaction(false)
            .level0SlowdownTrigger(3)
            .level0StopTrigger(3)
            .build();
    try (DbImpl db = (DbImpl) StrataDB.open(dir, o)) {
      java.util.concurrent.CompletableFuture<Void> writer =
          java.util.concurrent.CompletableFuture.runAsync(
              () -> {
                for (int i = 0; i < 30_000; i++) {
                  db.put(String.format("key%06d", i).getBytes(), new byte[40]);
                }
              });
      int rounds = 0;
      while (!writer.isDone()) {
        db.compactRange(null, null);
        rounds++;
      }
      writer.get();
      assertThat(rounds).isPositive();
      assertThat(db.stats.slowdowns.sum()).as("no level-0 slowdown with compaction off").isZero();
      for (int i = 0; i < 30_000; i += 101) {
        assertThat(db.get(String.format("key%06d", i).getBytes())).hasSize(40);
      }
      assertThat(db.get("key029999".getBytes())).hasSize(40);
    }
  }

  @Test
  void pastSlowdownTrigger_writesAreDelayedAndTheDelaysTimed() {
    // The compaction worker is held inside its first compaction (random keys: level-0 files
    // overlap, so it merges rather than moves) and the stop trigger is far away: once level 0
    // holds the slowdown trigger's files, every write group waits its full 1 ms (nothing can
    // shrink level 0), and that wait must show in strata.stall-micros (beside any stop while a
    // flush catches up).
    FaultInjectionFileSystem fs = new FaultInjectionFileSystem(1);
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    fs.onCrashPoint(
        p -> {
          if (p == dev.strata.fs.CrashPoint.COMPACTION_MID
              && Thread.currentThread().getName().startsWith("strata-compaction")) {
            try {
              release.await();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
        });
    Options o =
        tiny().toBuilder()
            .fileSystem(fs)
            .level0SlowdownTrigger(2)
            .level0StopTrigger(1000)
            .build();
    try (DbImpl db = (DbImpl) StrataDB.open(Path.of("/db"), o)) {
      try {
        // Each write past the trigger waits 1 ms: stop after 20 of them.
        Random rnd = new Random(1);
        for (int i = 0; i < 100_000 && db.stats.slowdowns.sum() < 20; i++) {
          db.put(String.format("key%06d", rnd.nextInt(1_000_000)).getBytes(), new byte[40]);
        }
        long slowdowns = Long.parseLong(db.getProperty("strata.slowdown-count"));
        long slowdownMicros = Long.parseLong(db.getProperty("strata.slowdown-micros"));
        long stallMicros = Long.parseLong(db.getProperty("strata.stall-micros"));
        assertThat(Integer.parseInt(db.getProperty("strata.num-files-at-level0")))
            .isGreaterThanOrEqualTo(2);
        assertThat(slowdowns).as("writes delayed past the slowdown trigger").isEqualTo(20);
        assertThat(slowdownMicros)
            .as("each delay waited its 1 ms")
            .isGreaterThanOrEqualTo(1000 * slowdowns);
        assertThat(stallMicros)
            .as("stall time includes the delays")
            .isGreaterThanOrEqualTo(slowdownMicros);
        assertThat(db.getProperty("strata.stats")).contains(slowdowns + " slowdowns", "ms waiting");
      } finally {
        release.countDown();
      }
    }
  }
}
