package dev.strata.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.strata.DBIterator;
import dev.strata.Options;
import dev.strata.StrataException;
import dev.strata.WriteOptions;
import dev.strata.sstable.BlockCache;
import dev.strata.sstable.TableCache;
import dev.strata.testing.FaultInjectionFileSystem.Op;
import dev.strata.testing.OpGenerator;
import dev.strata.version.FileNames;
import dev.strata.version.VersionEdit;
import dev.strata.version.VersionSet;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import dev.strata.StrataDB;
import dev.strata.fs.CrashPoint;
import dev.strata.testing.FaultInjectionFileSystem;
import dev.strata.testing.FaultInjectionFileSystem.CrashMode;
import dev.strata.testing.FaultInjectionFileSystem.SimulatedCrashException;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** One test per bug the reliability suite found, named after what it caught. */
class RegressionTest {
  private static final Path DIR = Path.of("/db");
  private static final byte[] K = {'k'};
  private static final byte[] V = {'v'};

  /** Crash at {@code point} the first time it is reached; returns the crash image. */
  static FaultInjectionFileSystem crashAt(
      FaultInjectionFileSystem fs, CrashPoint point, CrashMode mode, Runnable work) {
    AtomicReference<FaultInjectionFileSystem> image = new AtomicReference<>();
    fs.onCrashPoint(
        p -> {
          if (p == point && image.get() == null) {
            image.set(fs.crash(mode, new Random(1)));
            throw new SimulatedCrashException("crash at " + p);
          }
        });
    try {
      work.run();
    } catch (SimulatedCrashException | dev.strata.StrataException e) {
      // the simulated crash
    }
    assertThat(image.get()).as("crash point %s reached", point).isNotNull();
    return image.get();
  }

  /**
   * Found by {@code MetamorphicTest} (seed 48564188159858) and {@code RandomizedModelTest} (seeds
   * 48589900735632, 48138844600250): a prefix-bounded {@code seekToFirst} landing on a merge took
   * its prefix from the internal iterator, already on the next key past the operands, and went on
   * through that key's prefix.
   */
  @Test
  void prefixBoundedSeekToFirst_onMergedKey_staysInItsPrefix() {
    FaultInjectionFileSystem fs = new FaultInjectionFileSystem(1);
    Options o =
        Options.builder()
            .fileSystem(fs)
            .prefixExtractor(dev.strata.PrefixExtractor.fixedLength(5))
            .mergeOperator(dev.strata.MergeOperators.stringAppend((byte) ','))
            .build();
    try (StrataDB db = StrataDB.open(DIR, o)) {
      db.merge(b("k000190"), b("a"));
      db.put(b("k000248"), b("b"));
      db.put(b("k000293"), b("c"));
      try (DBIterator it =
          db.newIterator(dev.strata.ReadOptions.builder().prefixSameAsStart(true).build())) {
        it.seekToFirst();
        assertThat(new String(it.key(), StandardCharsets.UTF_8)).isEqualTo("k000190");
        assertThat(new String(it.value(), StandardCharsets.UTF_8)).isEqualTo("a");
        it.next();
        assertThat(it.isValid()).isFalse();
      }
    }
  }

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void open_afterCrashWhileCreatingDatabase_createsItAnew() {
    FaultInjectionFileSystem fs = new FaultInjectionFileSystem(1);
    FaultInjectionFileSystem image =
        crashAt(
            fs,
            CrashPoint.CURRENT_BEFORE_RENAME,
            CrashMode.KEEP_ALL,
            () -> StrataDB.open(DIR, Options.builder().fileSystem(fs).build()).close());
    try (StrataDB db = StrataDB.open(DIR, Options.builder().fileSystem(image).build())) {
      db.put(K, V);
      assertThat(db.get(K)).isEqualTo(V);
    }
  }

  @Test
  void open_withLogButNoCurrent_stillRaisesCorruption() throws Exception {
    FaultInjectionFileSystem fs = new FaultInjectionFileSystem(1);
    fs.createDirectories(DIR);
    fs.overwrite(DIR.resolve("000007.log"), new byte[0]);
    assertThatThrownBy(() -> StrataDB.open(DIR, Options.builder().fileSystem(fs).build()))
        .isInstanceOf(dev.strata.CorruptionException.class)
        .hasMessageContaining("CURRENT");
  }

  private static Options.Builder small(FaultInjectionFileSystem fs) {
    return Options.builder()
        .fileSystem(fs)
        .blockCacheBytes(0)
        .backgroundCompaction(false)
        .level0CompactionTrigger(100)
        .level0SlowdownTrigger(100)
        .level0StopTrigger(100);
  }

  /** Two overlapping level-0 tables of 50 keys each. */
  private static void twoTables(StrataDB db) {
    for (int round = 0; round < 2; round++) {
      for (int i = 0; i < 50; i++) {
        db.put(OpGenerator.key(i), ("r" + round + "-" + i).getBytes(StandardCharsets.UTF_8));
      }
      db.flush();
    }
  }

  @Test
  void compactRange_tableReadFails_throwsStrataException() {
    FaultInjectionFileSystem fs = new FaultInjectionFileSystem(1);
    try (StrataDB db = StrataDB.open(DIR, small(fs).build())) {
      twoTables(db);
      fs.failOneIn(Op.READ, 1);
      assertThatThrownBy(() -> db.compactRange(null, null))
          .isInstanceOf(StrataException.class)
          .hasMessageContaining("injected READ");
      fs.healthy();
    }
  }

  @Test
  void iterator_tableReadFails_throwsStrataException() {
    FaultInjectionFileSystem fs = new FaultInjectionFileSystem(1);
    try (StrataDB db = StrataDB.open(DIR, small(fs).build())) {
      twoTables(db);
      fs.failOneIn(Op.READ, 1);
      try (DBIterator it = db.newIterator()) {
        assertThatThrownBy(it::seekToFirst)
            .isInstanceOf(StrataException.class)
            .hasMessageContaining("injected READ");
      }
      fs.healthy();
      assertThat(OpGenerator.contents(db)).hasSize(50);
    }
  }

  @Test
  void flush_afterWalSyncFailed_neverForcesThatWalAgain() {
    FaultInjectionFileSystem fs = new FaultInjectionFileSystem(1);
    fs.setTracing(true);
    try (StrataDB db = StrataDB.open(DIR, small(fs).build())) {
      db.put(K, V);
      fs.failNext(Op.SYNC, p -> p.toString().endsWith(".log"));
      assertThatThrownBy(() -> db.put(K, V, WriteOptions.SYNC)).isInstanceOf(StrataException.class);
      assertThatThrownBy(db::flush).isInstanceOf(StrataException.class);
      assertThatThrownBy(() -> db.put(K, V)).hasMessageContaining("refuses writes");
      assertThat(db.get(K)).isEqualTo(V);
    }
    IoErrorTest.checkNoSyncRetried(fs.trace(), "flush after failed WAL force");
  }

  @Test
  void logAndApply_afterManifestSyncFailed_neverForcesManifestAgain() throws Exception {
    FaultInjectionFileSystem fs = new FaultInjectionFileSystem(1);
    fs.createDirectories(DIR);
    fs.setTracing(true);
    TableCache tables = new TableCache(fs, n -> FileNames.tablePath(DIR, n), BlockCache.create(0), 16);
    try (VersionSet versions = new VersionSet(DIR, fs, tables, f -> {})) {
      versions.create();
      fs.failNext(Op.SYNC, p -> p.getFileName().toString().startsWith("MANIFEST"));
      assertThatThrownBy(() -> versions.logAndApply(new VersionEdit().setLastSequence(5)))
          .isInstanceOf(IOException.class);
      assertThatThrownBy(() -> versions.logAndApply(new VersionEdit().setLastSequence(6)))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("failed earlier");
    }
    tables.close();
    IoErrorTest.checkNoSyncRetried(fs.trace(), "edit after failed manifest force");
  }

  @Test
  void open_directorySyncFailsAfterCurrentRename_keepsTheManifestCurrentNames() {
    FaultInjectionFileSystem fs = new FaultInjectionFileSystem(1);
    try (StrataDB db = StrataDB.open(DIR, small(fs).build())) {
      db.put(K, V, WriteOptions.SYNC);
    }
    fs.onCrashPoint(
        p -> {
          if (p == CrashPoint.CURRENT_AFTER_RENAME) {
            fs.onCrashPoint(q -> {});
            fs.failNext(Op.SYNC_DIRECTORY, d -> true);
          }
        });
    assertThatThrownBy(() -> StrataDB.open(DIR, small(fs).build()))
        .isInstanceOf(StrataException.class);
    try (StrataDB db = StrataDB.open(DIR, small(fs).build())) {
      assertThat(db.get(K)).isEqualTo(V);
    }
  }

  @Test
  void compaction_manifestSyncFails_keepsItsOutputTables() {
    FaultInjectionFileSystem fs = new FaultInjectionFileSystem(1);
    try (StrataDB db = StrataDB.open(DIR, small(fs).build())) {
      twoTables(db);
      fs.failNext(Op.SYNC, p -> p.getFileName().toString().startsWith("MANIFEST"));
      assertThatThrownBy(() -> db.compactRange(null, null)).isInstanceOf(StrataException.class);
    }
    try (StrataDB db = StrataDB.open(DIR, small(fs).build())) {
      assertThat(db.get(OpGenerator.key(7))).isEqualTo("r1-7".getBytes(StandardCharsets.UTF_8));
      assertThat(OpGenerator.contents(db)).hasSize(50);
    }
  }

  /** A table of 300 keys, then 150 SYNC writes in the WAL; returns the live manifest's path. */
  private static Path flushedThenLogged(FaultInjectionFileSystem fs) throws IOException {
    try (StrataDB db = StrataDB.open(DIR, small(fs).flushOnClose(false).build())) {
      for (int i = 0; i < 300; i++) {
        db.put(OpGenerator.key(i), V);
      }
      db.flush();
      for (int i = 300; i < 450; i++) {
        db.put(OpGenerator.key(i), V, WriteOptions.SYNC);
      }
    }
    return fs.list(DIR).stream()
        .filter(n -> n.startsWith("MANIFEST-"))
        .map(DIR::resolve)
        .findFirst()
        .orElseThrow();
  }

  @Test
  void open_manifestLostFlushRecord_raisesCorruptionNotDataLoss() throws IOException {
    FaultInjectionFileSystem fs = new FaultInjectionFileSystem(1);
    Path manifest = flushedThenLogged(fs);
    fs.keepRecords(manifest, 2);
    assertThatThrownBy(() -> StrataDB.open(DIR, small(fs).build()))
        .isInstanceOf(dev.strata.CorruptionException.class)
        .hasMessageContaining(manifest.getFileName().toString())
        .hasMessageContaining("lost records");
  }

  @Test
  void open_manifestLostAllButSnapshot_raisesCorruptionNotDataLoss() throws IOException {
    FaultInjectionFileSystem fs = new FaultInjectionFileSystem(1);
    Path manifest = flushedThenLogged(fs);
    fs.keepRecords(manifest, 1);
    assertThatThrownBy(() -> StrataDB.open(DIR, small(fs).build()))
        .isInstanceOf(dev.strata.CorruptionException.class)
        .hasMessageContaining(manifest.getFileName().toString())
        .hasMessageContaining("lost records");
  }

  @Test
  void memtableSwitch_walSyncAndCleanupBothFail_stillRefusesWrites() {
    FaultInjectionFileSystem fs = new FaultInjectionFileSystem(1);
    fs.setTracing(true);
    try (StrataDB db = StrataDB.open(DIR, small(fs).build())) {
      db.put(K, V);
      fs.failNext(Op.SYNC, p -> p.toString().endsWith(".log"));
      fs.failNext(Op.DELETE, p -> p.toString().endsWith(".log"));
      assertThatThrownBy(db::flush).isInstanceOf(StrataException.class);
      assertThatThrownBy(() -> db.put(K, V, WriteOptions.SYNC))
          .hasMessageContaining("refuses writes");
      assertThat(db.get(K)).isEqualTo(V);
    }
    IoErrorTest.checkNoSyncRetried(fs.trace(), "switch with failed force and cleanup");
  }

  /**
   * The switch forces the new WAL's directory entry; the old WAL's force (the case above) now
   * happens later, in the flush worker. A failed directory force with a failed cleanup must still
   * leave the database refusing writes.
   */
  @Test
  void memtableSwitch_directoryForceAndCleanupBothFail_stillRefusesWrites() {
    FaultInjectionFileSystem fs = new FaultInjectionFileSystem(1);
    try (StrataDB db = StrataDB.open(DIR, small(fs).build())) {
      db.put(K, V);
      fs.failNext(Op.SYNC_DIRECTORY, p -> true);
      fs.failNext(Op.DELETE, p -> p.toString().endsWith(".log"));
      assertThatThrownBy(db::flush).isInstanceOf(StrataException.class);
      assertThatThrownBy(() -> db.put(K, V, WriteOptions.SYNC))
          .hasMessageContaining("refuses writes");
      assertThat(db.get(K)).isEqualTo(V);
    }
  }
}
