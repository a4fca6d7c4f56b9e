package dev.strata.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.ColumnFamilyHandle;
import dev.strata.ColumnFamilyOptions;
import dev.strata.Compression;
import dev.strata.EventListener;
import dev.strata.Options;
import dev.strata.StrataDB;
import dev.strata.fs.CrashPoint;
import dev.strata.testing.FaultInjectionFileSystem;
import dev.strata.version.FileNames;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bound on the live WALs with column families ({@code Options.maxTotalWalBytes}, RocksDB's
 * {@code max_total_wal_size}): a family holding a few unflushed writes while another writes many
 * memtables' worth is sealed and flushed once the WALs pass the bound, so that they can be deleted;
 * with one family the bound changes nothing. Each check follows a {@code flush()}, which returns
 * once its pass (and every pass of an older memtable before it) has deleted the WALs it made
 * obsolete. Power loss with the bound: {@code reliability.ColumnFamilyPowerLossTest}.
 */
class WalBoundTest {
  private static final byte[] VALUE = new byte[200];

  @TempDir Path tmp;

  private Path db() {
    return tmp.resolve("db");
  }

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String s(byte[] b) {
    return b == null ? null : new String(b, StandardCharsets.UTF_8);
  }

  private static Options.Builder options() {
    return Options.builder()
        .memtableSizeBytes(8 * 1024)
        .targetFileSizeBytes(16 * 1024)
        .blockSizeBytes(512)
        .level0CompactionTrigger(2)
        .compression(Compression.NONE)
        .jmx(false);
  }

  /** Records the reason of every memtable sealed. */
  private static final class Seals implements EventListener {
    final List<String> reasons = Collections.synchronizedList(new ArrayList<>());

    @Override
    public void onMemtableSealed(MemtableInfo info) {
      reasons.add(info.reason());
    }

    long count(String reason) {
      synchronized (reasons) {
        return reasons.stream().filter(reason::equals).count();
      }
    }
  }

  private static List<Path> wals(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> FileNames.parse(p.getFileName().toString()).kind() == FileNames.Kind.LOG)
          .toList();
    }
  }

  private static long walFileBytes(Path dir) throws IOException {
    long n = 0;
    for (Path p : wals(dir)) {
      n += Files.size(p);
    }
    return n;
  }

  @Test
  void aFamilyWithOneUnflushedWrite_isFlushedOnceTheWalsPassTheBound() throws IOException {
    long bound = 64 * 1024;
    Seals seals = new Seals();
    try (DbImpl db =
        (DbImpl) StrataDB.open(db(), options().maxTotalWalBytes(bound).listener(seals).build())) {
      ColumnFamily pinned =
          (ColumnFamily) db.createColumnFamily("pinned", ColumnFamilyOptions.defaults());
      assertThat(db.maxTotalWalBytesForTesting()).isEqualTo(bound);
      for (int round = 0; round < 3; round++) {
        db.put(pinned, b("p" + round), b("x" + round));
        // About 75 memtables' worth of the default family, ten times the bound.
        for (int i = 0; i < 3000; i++) {
          db.put(b("k" + i), VALUE);
        }
        db.flush();
        // Without the bound the one write would keep its WAL and the ~70 after it (see
        // ColumnFamilyTest.anIdleFamily_doesNotKeepOldWals_butAFamilyWithUnflushedWritesDoes).
        assertThat(wals(db())).as("round %d", round).hasSize(1);
        assertThat(db.liveWalBytesForTesting())
            .as("the engine's count is the WALs' bytes")
            .isEqualTo(walFileBytes(db()))
            .isLessThanOrEqualTo(bound);
        MemtableSet m = pinned.mems;
        assertThat(m.active.isEmpty() && m.immutables.isEmpty())
            .as("round %d: the pinned family's write left its memtables", round)
            .isTrue();
        assertThat(Long.parseLong(db.getProperty(pinned, "strata.total-sst-bytes"))).isPositive();
      }
    }
    assertThat(seals.count("wal-bound")).as("seals for the bound").isGreaterThanOrEqualTo(3);
    try (StrataDB db = StrataDB.open(db(), options().build())) {
      ColumnFamilyHandle pinned = db.columnFamily("pinned");
      for (int round = 0; round < 3; round++) {
        assertThat(s(db.get(pinned, b("p" + round)))).isEqualTo("x" + round);
      }
      assertThat(db.get(b("k2999"))).isEqualTo(VALUE);
    }
  }

  /**
   * A family whose memtable was empty at a switch moves to the new WAL, but its manifest still
   * names the older one until a flush pass records that it needs none: a write made before that
   * pass keeps the older WAL alive through the manifest, not the memtable. The bound must find it
   * by its manifest's log number.
   */
  @Test
  void aFamilyWhoseManifestStillNamesAnOlderWal_isSealedForTheBound() throws Exception {
    long bound = 64 * 1024;
    CountDownLatch flushHeld = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    FaultInjectionFileSystem fs = new FaultInjectionFileSystem(1);
    Path dir = Path.of("/db");
    try (DbImpl db =
        (DbImpl)
            StrataDB.open(dir, options().fileSystem(fs).maxTotalWalBytes(bound).build())) {
      ColumnFamily pinned =
          (ColumnFamily) db.createColumnFamily("pinned", ColumnFamilyOptions.defaults());
      long manifestLog = pinned.versions.logNumber();
      // Hold the first flush of the default family mid-table, before its pass records that the
      // empty family needs no older log.
      fs.onCrashPoint(
          p -> {
            if (p == CrashPoint.FLUSH_MID && flushHeld.getCount() > 0) {
              flushHeld.countDown();
              try {
                release.await();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            }
          });
      int i = 0;
      while (pinned.mems.activeLogNumber == manifestLog) {
        db.put(b("k" + i++), VALUE);
      }
      assertThat(flushHeld.await(30, TimeUnit.SECONDS)).isTrue();
      // A switch moved the empty family to a newer WAL; its manifest names the older one still.
      db.put(pinned, b("p"), b("x"));
      assertThat(pinned.mems.activeLogNumber).isGreaterThan(pinned.versions.logNumber());
      release.countDown();
      for (int n = 0; n < 3000; n++) {
        db.put(b("k" + n), VALUE);
      }
      db.flush();
      assertThat(
              fs.list(dir).stream()
                  .filter(n -> FileNames.parse(n).kind() == FileNames.Kind.LOG)
                  .toList())
          .hasSize(1);
      assertThat(pinned.mems.active.isEmpty()).isTrue();
    }
    try (StrataDB db = StrataDB.open(dir, options().fileSystem(fs).build())) {
      assertThat(s(db.get(db.columnFamily("pinned"), b("p")))).isEqualTo("x");
    }
  }

  @Test
  void theDefaultBound_isFourTimesTheMemoryOfTheLiveFamiliesMemtables() throws IOException {
    Seals seals = new Seals();
    try (DbImpl db = (DbImpl) StrataDB.open(db(), options().listener(seals).build())) {
      // One family of 8 KiB memtables, up to 1 + 2 of them: 4 x 24 KiB.
      assertThat(db.maxTotalWalBytesForTesting()).isEqualTo(4 * 3 * 8 * 1024);
      ColumnFamilyHandle pinned =
          db.createColumnFamily(
              "pinned", ColumnFamilyOptions.builder().memtableSizeBytes(16 * 1024).build());
      assertThat(db.maxTotalWalBytesForTesting()).isEqualTo(4 * 3 * (8 + 16) * 1024);
      db.put(pinned, b("p"), b("x"));
      for (int i = 0; i < 3000; i++) {
        db.put(b("k" + i), VALUE);
      }
      db.flush();
      assertThat(wals(db())).hasSize(1);
      assertThat(walFileBytes(db())).isLessThanOrEqualTo(db.maxTotalWalBytesForTesting());
      db.dropColumnFamily(pinned);
      assertThat(db.maxTotalWalBytesForTesting()).isEqualTo(4 * 3 * 8 * 1024);
    }
    assertThat(seals.count("wal-bound")).isPositive();
    try (StrataDB db = StrataDB.open(db(), options().build())) {
      assertThat(db.get(b("k2999"))).isEqualTo(VALUE);
    }
  }

  /** With one family its own switches free its WALs: the bound, however small, seals nothing. */
  @Test
  void withOneFamily_theBoundChangesNothing() throws IOException {
    Seals seals = new Seals();
    try (DbImpl db =
        (DbImpl) StrataDB.open(db(), options().maxTotalWalBytes(1024).listener(seals).build())) {
      for (int i = 0; i < 2000; i++) {
        db.put(b("k" + i), VALUE);
      }
      db.flush();
      assertThat(wals(db())).hasSize(1);
    }
    assertThat(seals.count("full")).isPositive();
    assertThat(seals.reasons).doesNotContain("wal-bound");
  }
}
