package dev.strata.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.strata.CompactionFilters;
import dev.strata.DBIterator;
import dev.strata.ExternalFileInfo;
import dev.strata.IngestOptions;
import dev.strata.MergeOperators;
import dev.strata.Options;
import dev.strata.ReadOptions;
import dev.strata.Snapshot;
import dev.strata.SstFileWriter;
import dev.strata.StrataDB;
import dev.strata.StrataException;
import dev.strata.fs.CrashPoint;
import dev.strata.testing.FaultInjectionFileSystem;
import dev.strata.testing.ModelChecks;
import dev.strata.testing.ModelDb;
import dev.strata.version.FileNames;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.NavigableMap;
import java.util.Random;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ingestion of tables written by {@link SstFileWriter}: where the files land, what they hide and
 * what hides them, snapshots and iterators made before, merges, range deletions, files that
 * overlap each other, the memtable and the levels, and every refusal leaving the database as it
 * was.
 */
class IngestTest {
  @TempDir Path dir;
  @TempDir Path outside;

  private static Options small() {
    return smallBuilder().build();
  }

  /** Small tables; background compaction off, so that tests can see where files land. */
  private static Options smallStill() {
    return smallBuilder().backgroundCompaction(false).build();
  }

  private static Options.Builder smallBuilder() {
    return Options.builder()
        .memtableSizeBytes(64 * 1024)
        .blockSizeBytes(512)
        .targetFileSizeBytes(8 * 1024)
        .maxBytesForLevelBase(32 * 1024)
        .level0CompactionTrigger(2);
  }

  private static byte[] key(int i) {
    return String.format("k%06d", i).getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] value(int i, String tag) {
    return ("v" + i + "." + tag).getBytes(StandardCharsets.UTF_8);
  }

  private Path file(String name) {
    return outside.resolve(name);
  }

  /** Puts of keys from..to-1 (every step-th) with values tagged {@code tag}, into a new file. */
  private Path puts(String name, Options options, int from, int to, int step, String tag) {
    return puts(file(name), options, from, to, step, tag);
  }

  /** As above into {@code p}, on the options' file system. */
  private static Path puts(Path p, Options options, int from, int to, int step, String tag) {
    try (SstFileWriter w = new SstFileWriter(options)) {
      w.open(p);
      for (int i = from; i < to; i += step) {
        w.put(key(i), value(i, tag));
      }
      w.finish();
    }
    return p;
  }

  private int level0Files(StrataDB db) {
    return Integer.parseInt(db.getProperty("strata.num-files-at-level0"));
  }

  private int filesAt(StrataDB db, int level) {
    return Integer.parseInt(db.getProperty("strata.num-files-at-level" + level));
  }

  private List<String> tableFiles() throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString())
          .filter(n -> FileNames.parse(n).kind() == FileNames.Kind.TABLE)
          .sorted()
          .toList();
    }
  }

  @Test
  void intoAnEmptyDatabase_landsInTheBottomLevel_andReadsEverywhere() throws IOException {
    Options options = small();
    ModelDb model = new ModelDb();
    Path p = puts("a.sst", options, 0, 2000, 1, "ingested");
    for (int i = 0; i < 2000; i++) {
      model.put(key(i), value(i, "ingested"));
    }
    try (StrataDB db = StrataDB.open(dir, options)) {
      db.ingestExternalFiles(List.of(p));
      assertThat(filesAt(db, 6)).as("no overlap anywhere: the bottom level").isEqualTo(1);
      assertThat(Files.exists(p)).as("copied, not moved").isTrue();
      ModelChecks.checkAll(db, model.view(), ReadOptions.DEFAULT, 2000, IngestTest::key, "ingested");
      // Writes after it are newer.
      db.put(key(5), value(5, "after"));
      model.put(key(5), value(5, "after"));
      db.delete(key(6));
      model.delete(key(6));
      ModelChecks.checkAll(db, model.view(), ReadOptions.DEFAULT, 2000, IngestTest::key, "after");
    }
    try (StrataDB db = StrataDB.open(dir, options)) {
      ModelChecks.checkAll(db, model.view(), ReadOptions.DEFAULT, 2000, IngestTest::key, "reopen");
      db.compactRange(null, null);
      ModelChecks.checkAll(
          db, model.view(), ReadOptions.DEFAULT, 2000, IngestTest::key, "compacted");
    }
  }

  @Test
  void overMemtableAndLevels_theFileWins_andSnapshotsBeforeSeeNothingOfIt() throws IOException {
    Options options = smallStill();
    int keySpace = 3000;
    ModelDb model = new ModelDb();
    try (StrataDB db = StrataDB.open(dir, options)) {
      for (int i = 0; i < keySpace; i++) {
        db.put(key(i), value(i, "old"));
        model.put(key(i), value(i, "old"));
      }
      db.compactRange(null, null);
      // Newer versions in level 0 and in the memtable, inside the file's range.
      for (int i = 1000; i < 1100; i++) {
        db.put(key(i), value(i, "l0"));
        model.put(key(i), value(i, "l0"));
      }
      db.flush();
      for (int i = 1050; i < 1200; i++) {
        db.put(key(i), value(i, "mem"));
        model.put(key(i), value(i, "mem"));
      }
      Snapshot before = db.getSnapshot();
      NavigableMap<byte[], byte[]> beforeView = model.snapshot();
      DBIterator openBefore = db.newIterator();
      Path p = puts("b.sst", options, 900, 1300, 2, "file");
      for (int i = 900; i < 1300; i += 2) {
        model.put(key(i), value(i, "file"));
      }
      assertThat(level0Files(db)).isEqualTo(1);
      db.ingestExternalFiles(List.of(p));
      assertThat(level0Files(db))
          .as("the overlapping memtable is flushed first, and the file goes on top of level 0")
          .isEqualTo(3);
      ModelChecks.checkAll(db, model.view(), ReadOptions.DEFAULT, keySpace, IngestTest::key, "now");
      ReadOptions atBefore = ReadOptions.builder().snapshot(before).build();
      ModelChecks.checkAll(db, beforeView, atBefore, keySpace, IngestTest::key, "snapshot");
      List<String> seen = new ArrayList<>();
      for (openBefore.seekToFirst(); openBefore.isValid(); openBefore.next()) {
        seen.add(new String(openBefore.value(), StandardCharsets.UTF_8));
      }
      openBefore.close();
      assertThat(seen).as("an iterator made before").noneMatch(v -> v.endsWith(".file"));
      db.compactRange(null, null);
      ModelChecks.checkAll(db, model.view(), ReadOptions.DEFAULT, keySpace, IngestTest::key, "c");
      ModelChecks.checkAll(db, beforeView, atBefore, keySpace, IngestTest::key, "snap compacted");
      before.close();
    }
    try (StrataDB db = StrataDB.open(dir, options)) {
      ModelChecks.checkAll(db, model.view(), ReadOptions.DEFAULT, keySpace, IngestTest::key, "re");
    }
  }

  @Test
  void aFileBetweenLevels_goesAboveTheHighestLevelItOverlaps() throws IOException {
    Options options = smallStill();
    ModelDb model = new ModelDb();
    try (StrataDB db = StrataDB.open(dir, options)) {
      for (int i = 0; i < 3000; i += 2) {
        db.put(key(i), value(i, "old"));
        model.put(key(i), value(i, "old"));
      }
      db.compactRange(null, null);
      int bottomFiles = filesAt(db, 6);
      // Odd keys only: the file's range overlaps the bottom level's files, not their keys.
      Path p = puts("c.sst", options, 1001, 1101, 2, "file");
      for (int i = 1001; i < 1101; i += 2) {
        model.put(key(i), value(i, "file"));
      }
      db.ingestExternalFiles(List.of(p));
      assertThat(filesAt(db, 6)).isEqualTo(bottomFiles);
      assertThat(filesAt(db, 5) + filesAt(db, 4) + filesAt(db, 3) + filesAt(db, 2) + filesAt(db, 1))
          .as("one level up from the first level it overlaps")
          .isEqualTo(1);
      ModelChecks.checkAll(db, model.view(), ReadOptions.DEFAULT, 3000, IngestTest::key, "placed");
      // A key range disjoint from everything goes to the bottom.
      Path q = puts("d.sst", options, 5000, 5100, 1, "far");
      db.ingestExternalFiles(List.of(q));
      assertThat(filesAt(db, 6)).isEqualTo(bottomFiles + 1);
      assertThat(db.get(key(5050))).isEqualTo(value(5050, "far"));
    }
  }

  @Test
  void deletesAndRangeDeletions_hideWhatWasThere_notTheFilesOwnEntries() throws IOException {
    Options options = small();
    ModelDb model = new ModelDb();
    try (StrataDB db = StrataDB.open(dir, options)) {
      for (int i = 0; i < 2000; i++) {
        db.put(key(i), value(i, "old"));
        model.put(key(i), value(i, "old"));
      }
      db.compactRange(null, null);
      Path p = file("e.sst");
      try (SstFileWriter w = new SstFileWriter(options)) {
        w.open(p);
        w.deleteRange(key(100), key(500));
        w.deleteRange(key(400), key(700));
        w.deleteRange(key(800), key(800));
        for (int i = 200; i < 600; i += 10) {
          w.put(key(i), value(i, "file"));
        }
        w.delete(key(650));
        w.delete(key(1500));
        ExternalFileInfo info = w.finish();
        assertThat(info.rangeDeletionCount()).as("the empty range is skipped").isEqualTo(2);
        assertThat(info.rangeDeletionStart()).isEqualTo(key(100));
        assertThat(info.rangeDeletionEnd()).isEqualTo(key(700));
        assertThat(info.smallestKey()).isEqualTo(key(200));
        assertThat(info.largestKey()).isEqualTo(key(1500));
        assertThat(info.entryCount()).isEqualTo(42);
      }
      model.deleteRange(key(100), key(700));
      for (int i = 200; i < 600; i += 10) {
        model.put(key(i), value(i, "file"));
      }
      model.delete(key(650));
      model.delete(key(1500));
      db.ingestExternalFiles(List.of(p));
      ModelChecks.checkAll(db, model.view(), ReadOptions.DEFAULT, 2000, IngestTest::key, "mixed");
      // Newer writes inside the deleted range are visible.
      db.put(key(300), value(300, "after"));
      model.put(key(300), value(300, "after"));
      db.put(key(301), value(301, "after"));
      model.put(key(301), value(301, "after"));
      ModelChecks.checkAll(db, model.view(), ReadOptions.DEFAULT, 2000, IngestTest::key, "after");
      db.compactRange(null, null);
      ModelChecks.checkAll(db, model.view(), ReadOptions.DEFAULT, 2000, IngestTest::key, "c");
    }
    try (StrataDB db = StrataDB.open(dir, options)) {
      ModelChecks.checkAll(db, model.view(), ReadOptions.DEFAULT, 2000, IngestTest::key, "re");
    }
  }

  @Test
  void filesThatOverlapEachOther_laterInTheListWins_andTheListIsOneStep() throws IOException {
    Options options = small();
    ModelDb model = new ModelDb();
    Path a = puts("f1.sst", options, 0, 1000, 1, "first");
    Path b = puts("f2.sst", options, 500, 1500, 3, "second");
    Path c = puts("f3.sst", options, 2000, 2100, 1, "third");
    for (int i = 0; i < 1000; i++) {
      model.put(key(i), value(i, "first"));
    }
    for (int i = 500; i < 1500; i += 3) {
      model.put(key(i), value(i, "second"));
    }
    for (int i = 2000; i < 2100; i++) {
      model.put(key(i), value(i, "third"));
    }
    try (StrataDB db = StrataDB.open(dir, options)) {
      Snapshot before = db.getSnapshot();
      db.ingestExternalFiles(List.of(a, b, c));
      ModelChecks.checkAll(db, model.view(), ReadOptions.DEFAULT, 2200, IngestTest::key, "list");
      assertThat(db.get(key(10), ReadOptions.builder().snapshot(before).build())).isNull();
      before.close();
      db.compactRange(null, null);
      ModelChecks.checkAll(db, model.view(), ReadOptions.DEFAULT, 2200, IngestTest::key, "c");
    }
    try (StrataDB db = StrataDB.open(dir, options)) {
      ModelChecks.checkAll(db, model.view(), ReadOptions.DEFAULT, 2200, IngestTest::key, "re");
    }
  }

  @Test
  void aFileWrittenWithAPrefixExtractor_servesPrefixIteration() {
    Options options =
        Options.builder().prefixExtractor(dev.strata.PrefixExtractor.fixedLength(4)).build();
    Path p = file("prefix.sst");
    List<String> written = new ArrayList<>();
    try (SstFileWriter w = new SstFileWriter(options)) {
      w.open(p);
      for (String prefix : List.of("aaaa", "bbbb", "dddd")) {
        for (int i = 0; i < 50; i++) {
          String k = prefix + String.format("%03d", i);
          w.put(k.getBytes(StandardCharsets.UTF_8), value(i, prefix));
          written.add(k);
        }
      }
      w.finish();
    }
    try (StrataDB db = StrataDB.open(dir, options)) {
      db.put("bbbb999".getBytes(StandardCharsets.UTF_8), value(999, "db"));
      db.flush();
      db.ingestExternalFiles(List.of(p));
      ReadOptions bounded = ReadOptions.builder().prefixSameAsStart(true).build();
      for (String prefix : List.of("aaaa", "bbbb", "cccc", "dddd")) {
        List<String> got = new ArrayList<>();
        try (DBIterator it = db.newIterator(bounded)) {
          for (it.seek(prefix.getBytes(StandardCharsets.UTF_8)); it.isValid(); it.next()) {
            got.add(new String(it.key(), StandardCharsets.UTF_8));
          }
        }
        List<String> expected = new ArrayList<>(written.stream().filter(k -> k.startsWith(prefix)).toList());
        if (prefix.equals("bbbb")) {
          expected.add("bbbb999");
        }
        assertThat(got).as(prefix).isEqualTo(expected);
      }
    }
  }

  @Test
  void mergeOperands_foldOntoWhatWasThere() {
    Options options = Options.builder().mergeOperator(MergeOperators.uint64Add()).build();
    try (StrataDB db = StrataDB.open(dir, options)) {
      db.put(key(1), MergeOperators.uint64(10));
      db.merge(key(2), MergeOperators.uint64(7));
      db.flush();
      Path p = file("m.sst");
      try (SstFileWriter w = new SstFileWriter(options)) {
        w.open(p);
        w.merge(key(1), MergeOperators.uint64(5));
        w.merge(key(2), MergeOperators.uint64(1));
        w.merge(key(3), MergeOperators.uint64(2));
        w.finish();
      }
      db.ingestExternalFiles(List.of(p));
      db.merge(key(1), MergeOperators.uint64(100));
      assertThat(db.get(key(1))).isEqualTo(MergeOperators.uint64(115));
      assertThat(db.get(key(2))).isEqualTo(MergeOperators.uint64(8));
      assertThat(db.get(key(3))).isEqualTo(MergeOperators.uint64(2));
      db.compactRange(null, null);
      assertThat(db.get(key(1))).isEqualTo(MergeOperators.uint64(115));
      assertThat(db.get(key(2))).isEqualTo(MergeOperators.uint64(8));
    }
  }

  @Test
  void mergeOperands_intoADatabaseWithoutAnOperator_areRefused() throws IOException {
    Options withOperator = Options.builder().mergeOperator(MergeOperators.uint64Add()).build();
    Path p = file("m.sst");
    try (SstFileWriter w = new SstFileWriter(withOperator)) {
      w.open(p);
      w.merge(key(1), MergeOperators.uint64(5));
      w.finish();
    }
    try (StrataDB db = StrataDB.open(dir, Options.defaults())) {
      assertThatThrownBy(() -> db.ingestExternalFiles(List.of(p)))
          .isInstanceOf(StrataException.class)
          .hasMessageContaining("merge operator");
      assertThat(tableFiles()).as("nothing placed is left behind").isEmpty();
      assertThat(db.get(key(1))).isNull();
    }
  }

  @Test
  void writeTimes_mustAgreeWithTheDatabasesTtlFilter() throws IOException {
    Options ttl =
        Options.builder().compactionFilter(CompactionFilters.ttl(Duration.ofHours(1))).build();
    Path stamped = puts("t.sst", ttl, 0, 10, 1, "ttl");
    Path plain = puts("p.sst", Options.defaults(), 0, 10, 1, "plain");
    try (StrataDB db = StrataDB.open(dir, ttl)) {
      assertThatThrownBy(() -> db.ingestExternalFiles(List.of(plain)))
          .isInstanceOf(StrataException.class)
          .hasMessageContaining("time-to-live");
      db.ingestExternalFiles(List.of(stamped));
      assertThat(db.get(key(3))).as("the write time is stripped").isEqualTo(value(3, "ttl"));
    }
    Path other = dir.resolveSibling(dir.getFileName() + "-plain");
    try (StrataDB db = StrataDB.open(other, Options.defaults())) {
      assertThatThrownBy(() -> db.ingestExternalFiles(List.of(stamped)))
          .isInstanceOf(StrataException.class)
          .hasMessageContaining("time-to-live");
    }
  }

  @Test
  void moveFiles_removesTheOldNames_onlyOnSuccess() throws IOException {
    Options options = small();
    Path p = puts("mv.sst", options, 0, 100, 1, "moved");
    try (StrataDB db = StrataDB.open(dir, options)) {
      db.put(key(5), value(5, "mem"));
      IngestOptions move = IngestOptions.builder().moveFiles(true).allowBlockingFlush(false).build();
      assertThatThrownBy(() -> db.ingestExternalFiles(List.of(p), move))
          .as("the memtable overlaps and may not be flushed")
          .isInstanceOf(StrataException.class)
          .hasMessageContaining("allowBlockingFlush");
      assertThat(Files.exists(p)).as("a failed ingestion leaves the file").isTrue();
      assertThat(tableFiles()).as("and nothing in the database").isEmpty();
      assertThat(db.get(key(5))).isEqualTo(value(5, "mem"));
      assertThat(db.get(key(6))).isNull();
      db.ingestExternalFiles(List.of(p), IngestOptions.builder().moveFiles(true).build());
      assertThat(Files.exists(p)).as("moved").isFalse();
      assertThat(db.get(key(5))).isEqualTo(value(5, "moved"));
      assertThat(db.get(key(99))).isEqualTo(value(99, "moved"));
    }
  }

  @Test
  void refusals_leaveTheDatabaseAsItWas() throws IOException {
    Options options = small();
    try (StrataDB db = StrataDB.open(dir, options)) {
      db.put(key(1), value(1, "db"));
      db.flush();
      // A database's own table is not an external file.
      String own = tableFiles().get(0);
      Path copy = file("own.sst");
      Files.copy(dir.resolve(own), copy);
      assertThatThrownBy(() -> db.ingestExternalFiles(List.of(copy)))
          .isInstanceOf(StrataException.class)
          .hasMessageContaining("SstFileWriter");
      // Missing, garbage, listed twice, null.
      Path good = puts("g.sst", options, 0, 10, 1, "g");
      assertThatThrownBy(() -> db.ingestExternalFiles(List.of(good, file("missing.sst"))))
          .isInstanceOf(StrataException.class)
          .hasMessageContaining("missing.sst");
      Path garbage = file("garbage.sst");
      Files.write(garbage, new byte[300]);
      assertThatThrownBy(() -> db.ingestExternalFiles(List.of(good, garbage)))
          .isInstanceOf(StrataException.class)
          .hasMessageContaining("garbage.sst");
      assertThatThrownBy(() -> db.ingestExternalFiles(List.of(good, good)))
          .isInstanceOf(IllegalArgumentException.class);
      List<Path> withNull = new ArrayList<>();
      withNull.add(null);
      assertThatThrownBy(() -> db.ingestExternalFiles(withNull))
          .isInstanceOf(NullPointerException.class);
      assertThat(tableFiles()).containsExactly(own);
      assertThat(db.get(key(1))).isEqualTo(value(1, "db"));
      assertThat(db.get(key(2))).isNull();
      db.ingestExternalFiles(List.of());
      db.ingestExternalFiles(List.of(good));
      assertThat(db.get(key(1))).isEqualTo(value(1, "g"));
    }
    StrataDB closed = StrataDB.open(dir, options);
    closed.close();
    Path late = puts("late.sst", options, 0, 10, 1, "late");
    assertThatThrownBy(() -> closed.ingestExternalFiles(List.of(late)))
        .isInstanceOf(StrataException.class);
    try (StrataDB ro = StrataDB.openReadOnly(dir, options)) {
      assertThat(ro.get(key(1))).as("a read-only open reads ingested tables").isEqualTo(value(1, "g"));
      assertThatThrownBy(() -> ro.ingestExternalFiles(List.of(late)))
          .isInstanceOf(StrataException.class);
    }
  }

  @Test
  void writer_refusesOutOfOrderKeys_emptyFiles_andCleansUpUnfinishedOnes() {
    Options options = Options.defaults();
    Path p = file("w.sst");
    try (SstFileWriter w = new SstFileWriter(options)) {
      assertThatThrownBy(() -> w.put(key(1), value(1, "x")))
          .isInstanceOf(IllegalStateException.class);
      w.open(p);
      w.put(key(5), value(5, "x"));
      assertThatThrownBy(() -> w.put(key(5), value(5, "y")))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("repeats");
      assertThatThrownBy(() -> w.delete(key(4)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("before");
      w.deleteRange(key(7), key(9));
      assertThatThrownBy(() -> w.deleteRange(key(6), key(9)))
          .isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> w.deleteRange(key(9), key(8)))
          .isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> w.put(null, value(1, "x"))).isInstanceOf(NullPointerException.class);
      assertThatThrownBy(() -> w.put(new byte[StrataDB.MAX_KEY_BYTES + 1], new byte[1]))
          .isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> w.open(file("second.sst")))
          .isInstanceOf(IllegalStateException.class);
      w.put(key(6), value(6, "x"));
    }
    assertThat(Files.exists(p)).as("closed unfinished: removed").isFalse();
    try (SstFileWriter w = new SstFileWriter(options)) {
      w.open(p);
      assertThatThrownBy(w::finish)
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("nothing");
      assertThat(Files.exists(p)).isFalse();
      // The writer takes another file after a failure or a finish.
      w.open(p);
      w.put(key(1), value(1, "x"));
      ExternalFileInfo info = w.finish();
      assertThat(info.fileSize()).isEqualTo(sizeOf(p));
      w.open(file("next.sst"));
      w.deleteRange(key(1), key(2));
      assertThat(w.finish().entryCount()).isZero();
    }
  }

  private static long sizeOf(Path p) {
    try {
      return Files.size(p);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void checkpointAndRepair_keepIngestedFilesAtTheirPlaceInTheWriteOrder() throws IOException {
    Options options = small();
    ModelDb model = new ModelDb();
    try (StrataDB db = StrataDB.open(dir, options)) {
      for (int i = 0; i < 1000; i++) {
        db.put(key(i), value(i, "old"));
        model.put(key(i), value(i, "old"));
      }
      db.flush();
      db.ingestExternalFiles(List.of(puts("r.sst", options, 0, 1000, 2, "file")));
      for (int i = 0; i < 1000; i += 2) {
        model.put(key(i), value(i, "file"));
      }
      // Newer than the file: a write after it, flushed to a table of its own.
      for (int i = 0; i < 1000; i += 4) {
        db.put(key(i), value(i, "newer"));
        model.put(key(i), value(i, "newer"));
      }
      db.flush();
      db.createCheckpoint(outside.resolve("cp"));
    }
    try (StrataDB cp = StrataDB.open(outside.resolve("cp"), options)) {
      ModelChecks.checkAll(cp, model.view(), ReadOptions.DEFAULT, 1000, IngestTest::key, "cp");
    }
    StrataDB.repair(dir, options);
    try (StrataDB db = StrataDB.open(dir, options)) {
      ModelChecks.checkAll(db, model.view(), ReadOptions.DEFAULT, 1000, IngestTest::key, "repaired");
    }
  }

  @Test
  void anInterruptedCaller_getsItsIngestionOrAClearFailure_andTheDatabaseGoesOn() throws Exception {
    Options options = small();
    try (StrataDB db = StrataDB.open(dir, options)) {
      // No flush needed: the copy and the install run to the end; the interrupt stays set.
      Path quiet = puts("i1.sst", options, 0, 500, 1, "i1");
      Thread.currentThread().interrupt();
      try {
        db.ingestExternalFiles(List.of(quiet));
        assertThat(Thread.currentThread().isInterrupted()).as("the flag is kept").isTrue();
      } finally {
        Thread.interrupted();
      }
      assertThat(db.get(key(7))).isEqualTo(value(7, "i1"));
      // A memtable overlaps, so the ingestion waits for a flush: interrupted, it fails cleanly.
      db.put(key(600), value(600, "mem"));
      Path overlapping = puts("i2.sst", options, 590, 700, 1, "i2");
      Thread.currentThread().interrupt();
      try {
        db.ingestExternalFiles(List.of(overlapping));
        assertThat(db.get(key(650))).isEqualTo(value(650, "i2"));
      } catch (StrataException e) {
        assertThat(e).hasMessageContaining("interrupted");
        assertThat(db.get(key(650))).as("nothing of a failed ingestion").isNull();
      } finally {
        assertThat(Thread.interrupted()).as("the flag is kept").isTrue();
      }
      // Either way the database takes writes and ingestions afterwards.
      db.put(key(601), value(601, "after"));
      db.ingestExternalFiles(List.of(puts("i3.sst", options, 590, 700, 1, "i3")));
      assertThat(db.get(key(650))).isEqualTo(value(650, "i3"));
      assertThat(db.get(key(601))).isEqualTo(value(601, "i3"));
      assertThat(db.get(key(7))).isEqualTo(value(7, "i1"));
    }
    try (StrataDB db = StrataDB.open(dir, options)) {
      assertThat(db.get(key(650))).isEqualTo(value(650, "i3"));
    }
  }

  @Test
  void aPowerLossAfterIngestion_keepsItAndEveryWriteBeforeIt() throws IOException {
    FaultInjectionFileSystem fs = new FaultInjectionFileSystem(7);
    Path db = Path.of("/db");
    Options options = Options.builder().fileSystem(fs).build();
    fs.createDirectories(Path.of("/ext"));
    Path p = puts(Path.of("/ext/a.sst"), options, 1000, 1100, 1, "file");
    FaultInjectionFileSystem image;
    StrataDB d = StrataDB.open(db, options);
    for (int i = 0; i < 100; i++) {
      d.put(key(i), value(i, "unsynced"));
    }
    d.ingestExternalFiles(List.of(p));
    image = fs.crash(FaultInjectionFileSystem.CrashMode.DROP_UNSYNCED, new Random(1));
    try {
      d.close();
    } catch (RuntimeException e) {
      // The crashed file system refuses the close's writes.
    }
    try (StrataDB after = StrataDB.open(db, Options.builder().fileSystem(image).build())) {
      for (int i = 0; i < 100; i++) {
        assertThat(after.get(key(i))).as("write %d before the ingestion", i).isEqualTo(value(i, "unsynced"));
      }
      for (int i = 1000; i < 1100; i++) {
        assertThat(after.get(key(i))).isEqualTo(value(i, "file"));
      }
    }
  }

  @Test
  void aCrashAfterPlacingTheTables_ingestsNothing_andTheNextOpenRemovesThem() throws IOException {
    FaultInjectionFileSystem fs = new FaultInjectionFileSystem(8);
    Path db = Path.of("/db");
    Options options = Options.builder().fileSystem(fs).build();
    fs.createDirectories(Path.of("/ext"));
    Path p = puts(Path.of("/ext/a.sst"), options, 1, 2, 1, "file");
    AtomicReference<FaultInjectionFileSystem> image = new AtomicReference<>();
    fs.onCrashPoint(
        point -> {
          if (point == CrashPoint.INGEST_TABLES_PLACED && image.get() == null) {
            image.set(fs.crash(FaultInjectionFileSystem.CrashMode.KEEP_ALL, new Random(2)));
            throw new FaultInjectionFileSystem.SimulatedCrashException("crash at " + point);
          }
        });
    StrataDB d = StrataDB.open(db, options);
    d.put(key(2), value(2, "db"));
    assertThatThrownBy(() -> d.ingestExternalFiles(List.of(p)))
        .isInstanceOf(FaultInjectionFileSystem.SimulatedCrashException.class);
    try {
      d.close();
    } catch (RuntimeException e) {
      // The crashed file system refuses the close's writes.
    }
    List<String> placed =
        image.get().list(db).stream().filter(n -> n.endsWith(".sst")).toList();
    assertThat(placed).as("the placed table is in the crash image").hasSize(1);
    try (StrataDB after = StrataDB.open(db, Options.builder().fileSystem(image.get()).build())) {
      assertThat(after.get(key(1))).isNull();
      assertThat(after.get(key(2))).isEqualTo(value(2, "db"));
      assertThat(image.get().list(db)).as("unreferenced, removed at open").doesNotContain(placed.get(0));
    }
  }

  @Test
  void randomWorkload_withIngestionsBetweenWritesFlushesAndCompactions_matchesTheModel()
      throws IOException {
    randomWorkload(small());
  }

  @Test
  void randomWorkload_onTheSkipListMemtable_withoutABlockCache_matchesTheModel()
      throws IOException {
    randomWorkload(
        smallBuilder().memtable(dev.strata.MemtableKind.SKIPLIST).blockCacheBytes(0).build());
  }

  private void randomWorkload(Options options) throws IOException {
    long seed = Long.getLong("seed", new Random().nextLong());
    Random rnd = new Random(seed);
    int keySpace = 1500;
    ModelDb model = new ModelDb();
    List<Snapshot> snapshots = new ArrayList<>();
    List<NavigableMap<byte[], byte[]>> views = new ArrayList<>();
    try (StrataDB db = StrataDB.open(dir, options)) {
      for (int step = 0; step < 60; step++) {
        String where = "seed " + seed + " step " + step;
        int op = rnd.nextInt(10);
        if (op < 4) {
          for (int n = rnd.nextInt(200); n > 0; n--) {
            int k = rnd.nextInt(keySpace);
            if (rnd.nextInt(5) == 0) {
              db.delete(key(k));
              model.delete(key(k));
            } else {
              db.put(key(k), value(k, "w" + step));
              model.put(key(k), value(k, "w" + step));
            }
          }
        } else if (op < 7) {
          List<Path> files = new ArrayList<>();
          List<Runnable> modelSteps = new ArrayList<>();
          for (int f = 1 + rnd.nextInt(3); f > 0; f--) {
            files.add(randomFile(rnd, options, keySpace, step + "-" + f, modelSteps, model));
          }
          db.ingestExternalFiles(
              files, IngestOptions.builder().moveFiles(rnd.nextBoolean()).build());
          modelSteps.forEach(Runnable::run);
        } else if (op == 7) {
          db.flush();
        } else if (op == 8) {
          int a = rnd.nextInt(keySpace);
          db.compactRange(key(a), key(Math.min(keySpace - 1, a + rnd.nextInt(500))));
        } else if (snapshots.size() < 3) {
          snapshots.add(db.getSnapshot());
          views.add(model.snapshot());
        }
        if (step % 10 == 9) {
          ModelChecks.checkAll(db, model.view(), ReadOptions.DEFAULT, keySpace, IngestTest::key, where);
          for (int s = 0; s < snapshots.size(); s++) {
            ReadOptions at = ReadOptions.builder().snapshot(snapshots.get(s)).build();
            ModelChecks.checkAll(db, views.get(s), at, keySpace, IngestTest::key, where + " s" + s);
          }
        }
      }
      snapshots.forEach(Snapshot::close);
      db.compactRange(null, null);
      ModelChecks.checkAll(db, model.view(), ReadOptions.DEFAULT, keySpace, IngestTest::key, "end " + seed);
    }
    try (StrataDB db = StrataDB.open(dir, options)) {
      ModelChecks.checkAll(db, model.view(), ReadOptions.DEFAULT, keySpace, IngestTest::key, "re " + seed);
    }
  }

  /**
   * A file of random puts and deletes over a random stretch of keys (clustered or spread), with a
   * range deletion sometimes; its effect on the model is queued in {@code modelSteps}, applied
   * once the whole list is ingested (range deletions of a file before its own entries).
   */
  private Path randomFile(
      Random rnd, Options options, int keySpace, String name, List<Runnable> modelSteps,
      ModelDb model) {
    int from = rnd.nextInt(keySpace);
    int width = 1 + rnd.nextInt(rnd.nextBoolean() ? 50 : keySpace);
    int to = Math.min(keySpace, from + width);
    TreeSet<Integer> keys = new TreeSet<>();
    for (int n = rnd.nextInt(Math.max(1, to - from)) + 1; n > 0; n--) {
      keys.add(from + rnd.nextInt(Math.max(1, to - from)));
    }
    Path p = file(name + ".sst");
    byte[][] range = null;
    if (rnd.nextInt(3) == 0) {
      int a = from + rnd.nextInt(Math.max(1, to - from));
      int b = Math.min(keySpace, a + rnd.nextInt(100));
      range = new byte[][] {key(a), key(b)};
    }
    String tag = "f" + name;
    byte[][] r = range;
    modelSteps.add(
        () -> {
          if (r != null) {
            model.deleteRange(r[0], r[1]);
          }
        });
    try (SstFileWriter w = new SstFileWriter(options)) {
      w.open(p);
      if (range != null) {
        w.deleteRange(range[0], range[1]);
      }
      for (int k : keys) {
        if (rnd.nextInt(6) == 0) {
          w.delete(key(k));
          modelSteps.add(() -> model.delete(key(k)));
        } else {
          w.put(key(k), value(k, tag));
          modelSteps.add(() -> model.put(key(k), value(k, tag)));
        }
      }
      w.finish();
    }
    return p;
  }
}
