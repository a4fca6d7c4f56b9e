package dev.strata.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.strata.Compression;
import dev.strata.Options;
import dev.strata.StrataDB;
import dev.strata.StrataException;
import dev.strata.WriteBatch;
import dev.strata.WriteOptions;
import dev.strata.fs.CrashPoint;
import dev.strata.fs.FileSystem;
import dev.strata.fs.WritableFile;
import dev.strata.testing.ForwardingFileSystem;
import dev.strata.testing.ManualExecutor;
import dev.strata.testing.OpGenerator;
import dev.strata.util.Bytes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link StrataDB#createCheckpoint}: what a checkpoint holds (data in tables, in the memtable only,
 * in the WAL only), that it opens both ways and is independent of its source, hard links and the
 * copy fallback, refused targets, interrupts, and tables a compaction removes while the checkpoint
 * links them. The concurrent workload is {@code reliability.CheckpointConsistencyTest}; crashes
 * are {@code reliability.CheckpointCrashTest}.
 */
class CheckpointTest {
  private static final int KEYS = 600;

  @TempDir Path tmp;

  private Path db() {
    return tmp.resolve("db");
  }

  private static Options.Builder options() {
    return Options.builder()
        .memtableSizeBytes(16 * 1024)
        .targetFileSizeBytes(8 * 1024)
        .blockSizeBytes(512)
        .level0CompactionTrigger(2)
        .compression(Compression.NONE);
  }

  private static byte[] key(int i) {
    return String.format("key%05d", i).getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] value(int i, String version) {
    return (version + "-" + i + "-" + "x".repeat(i % 40)).getBytes(StandardCharsets.UTF_8);
  }

  /** Puts every key at {@code version} in batches of ten, into {@code model} as well. */
  private static void putAll(StrataDB db, String version, Map<byte[], byte[]> model) {
    for (int i = 0; i < KEYS; i += 10) {
      WriteBatch b = new WriteBatch();
      for (int j = i; j < i + 10; j++) {
        b.put(key(j), value(j, version));
        model.put(key(j), value(j, version));
      }
      db.write(b);
    }
  }

  private static NavigableMap<byte[], byte[]> newModel() {
    return new TreeMap<>(Bytes.COMPARATOR);
  }

  /** The checkpoint opens read-only and writable, each time with exactly {@code expected}. */
  private static void assertCheckpointHolds(
      Path cp, Options options, Map<byte[], byte[]> expected) {
    try (StrataDB ro = StrataDB.openReadOnly(cp, options)) {
      assertSame(OpGenerator.contents(ro), expected, "read-only open of " + cp);
    }
    try (StrataDB rw = StrataDB.open(cp, options)) {
      assertSame(OpGenerator.contents(rw), expected, "open of " + cp);
    }
  }

  private static void assertSame(
      NavigableMap<byte[], byte[]> actual, Map<byte[], byte[]> expected, String what) {
    assertThat(actual.size()).as("%s: entries", what).isEqualTo(expected.size());
    for (Map.Entry<byte[], byte[]> e : expected.entrySet()) {
      assertThat(actual.get(e.getKey()))
          .as("%s: key %s", what, new String(e.getKey(), StandardCharsets.UTF_8))
          .isEqualTo(e.getValue());
    }
  }

  private static List<Path> tables(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.getFileName().toString().endsWith(".sst")).sorted().toList();
    }
  }

  private static List<String> names(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  private static Path temp(Path target) {
    return target.resolveSibling(target.getFileName() + Checkpoint.TEMP_SUFFIX);
  }

  // ---- what a checkpoint holds ----

  @Test
  void createCheckpoint_ofEmptyDatabase_opensEmpty() throws IOException {
    Path cp = tmp.resolve("cp");
    try (StrataDB db = StrataDB.open(db(), options().build())) {
      db.createCheckpoint(cp);
    }
    assertThat(names(cp)).containsExactly("CURRENT", names(cp).get(1));
    assertThat(names(cp).get(1)).startsWith("MANIFEST-");
    assertCheckpointHolds(cp, options().build(), newModel());
    assertThat(Files.exists(temp(cp))).isFalse();
  }

  @Test
  void createCheckpoint_dataOnlyInMemtable_includingUnloggedWrites_isInTheCheckpoint() {
    Path cp = tmp.resolve("cp");
    NavigableMap<byte[], byte[]> model = newModel();
    try (StrataDB db = StrataDB.open(db(), options().memtableSizeBytes(1 << 20).build())) {
      putAll(db, "v1", model);
      db.put(key(KEYS), value(KEYS, "unlogged"), WriteOptions.builder().disableWal(true).build());
      model.put(key(KEYS), value(KEYS, "unlogged"));
      db.delete(key(3));
      model.remove(key(3));
      assertThat(db.getProperty("strata.num-files-at-level0")).isEqualTo("0");
      db.createCheckpoint(cp);
    }
    assertCheckpointHolds(cp, options().build(), model);
  }

  @Test
  void createCheckpoint_ofReadOnlyDatabase_withDataOnlyInTheWal_writesItAsTables()
      throws IOException {
    NavigableMap<byte[], byte[]> model = newModel();
    Options o = options().memtableSizeBytes(1 << 20).build();
    try (StrataDB db = StrataDB.open(db(), o)) {
      putAll(db, "v1", model);
      db.flush();
      putAll(db, "v2", model);
      db.delete(key(7));
      model.remove(key(7));
      // Closed unflushed: v2 and the deletion are only in the WAL.
    }
    Map<String, Long> before = sizes(db());
    Path cp = tmp.resolve("cp");
    try (StrataDB ro = StrataDB.openReadOnly(db(), o)) {
      ro.createCheckpoint(cp);
    }
    assertThat(sizes(db()))
        .as("a read-only checkpoint writes nothing in the source")
        .isEqualTo(before);
    assertThat(names(cp)).noneMatch(n -> n.endsWith(".log"));
    assertCheckpointHolds(cp, o, model);
  }

  private static Map<String, Long> sizes(Path dir) throws IOException {
    Map<String, Long> out = new TreeMap<>();
    for (String n : names(dir)) {
      out.put(n, Files.size(dir.resolve(n)));
    }
    return out;
  }

  @Test
  void createCheckpoint_hardLinksTablesAndHoldsOnlyTablesManifestAndCurrent() throws IOException {
    Path cp = tmp.resolve("cp");
    NavigableMap<byte[], byte[]> model = newModel();
    // No background compaction: the source keeps its tables for the comparison.
    try (StrataDB db = StrataDB.open(db(), options().backgroundCompaction(false).build())) {
      putAll(db, "v1", model);
      db.createCheckpoint(cp);
    }
    List<Path> tables = tables(cp);
    assertThat(tables).isNotEmpty();
    for (Path t : tables) {
      assertThat(Files.isSameFile(t, db().resolve(t.getFileName())))
          .as("%s is a hard link of the source's table", t)
          .isTrue();
    }
    assertThat(names(cp))
        .allMatch(n -> n.endsWith(".sst") || n.equals("CURRENT") || n.startsWith("MANIFEST-"));
    assertThat(names(cp).stream().filter(n -> n.startsWith("MANIFEST-"))).hasSize(1);
    assertCheckpointHolds(cp, options().build(), model);
  }

  // ---- the copy fallback ----

  @Test
  void createCheckpoint_withoutHardLinks_copiesEveryTable() throws IOException {
    LinkingFileSystem fs = new LinkingFileSystem(n -> false, true);
    Path cp = tmp.resolve("cp");
    NavigableMap<byte[], byte[]> model = newModel();
    Options o = options().fileSystem(fs).backgroundCompaction(false).build();
    try (StrataDB db = StrataDB.open(db(), o)) {
      putAll(db, "v1", model);
      db.createCheckpoint(cp);
      for (Path t : tables(cp)) {
        Path source = db().resolve(t.getFileName());
        assertThat(Files.isSameFile(t, source)).as("%s is a copy", t).isFalse();
        assertThat(Files.readAllBytes(t)).isEqualTo(Files.readAllBytes(source));
      }
    }
    assertThat(tables(cp)).isNotEmpty();
    assertThat(fs.linkAttempts.get()).as("linking is tried once").isEqualTo(1);
    assertCheckpointHolds(cp, options().build(), model);
  }

  @Test
  void createCheckpoint_whenALinkFailsMidway_copiesTheRestAndStaysWhole() throws IOException {
    // The first link succeeds, the second fails as across file stores: the rest are copied.
    AtomicInteger links = new AtomicInteger();
    LinkingFileSystem fs = new LinkingFileSystem(n -> links.incrementAndGet() == 1, false);
    Path cp = tmp.resolve("cp");
    NavigableMap<byte[], byte[]> model = newModel();
    Options o = options().fileSystem(fs).backgroundCompaction(false).build();
    try (StrataDB db = StrataDB.open(db(), o)) {
      putAll(db, "v1", model);
      db.compactRange(null, null);
      putAll(db, "v2", model);
      db.createCheckpoint(cp);
      List<Path> tables = tables(cp);
      assertThat(tables.size()).as("tables to place").isGreaterThanOrEqualTo(3);
      long linked = 0;
      for (Path t : tables) {
        Path source = db().resolve(t.getFileName());
        linked += Files.isSameFile(t, source) ? 1 : 0;
        assertThat(Files.readAllBytes(t)).isEqualTo(Files.readAllBytes(source));
      }
      assertThat(linked).isEqualTo(1);
    }
    assertThat(links.get()).isEqualTo(2);
    assertCheckpointHolds(cp, options().build(), model);
  }

  @Test
  void createCheckpoint_thatFailsWritingItsManifest_leavesNothingAndTheDatabaseWorks() {
    LinkingFileSystem fs = new LinkingFileSystem(n -> true, false);
    Path cp = tmp.resolve("cp");
    fs.failCreate =
        p -> p.startsWith(temp(cp)) && p.getFileName().toString().startsWith("MANIFEST-");
    NavigableMap<byte[], byte[]> model = newModel();
    try (StrataDB db = StrataDB.open(db(), options().fileSystem(fs).build())) {
      putAll(db, "v1", model);
      assertThatThrownBy(() -> db.createCheckpoint(cp))
          .isInstanceOf(StrataException.class)
          .hasMessageContaining("checkpoint")
          .hasMessageContaining("injected");
      assertThat(Files.exists(cp)).isFalse();
      assertThat(Files.exists(temp(cp))).isFalse();
      fs.failCreate = p -> false;
      putAll(db, "v2", model);
      db.createCheckpoint(cp);
    }
    assertCheckpointHolds(cp, options().build(), model);
  }

  // ---- refused targets and databases ----

  @Test
  void createCheckpoint_intoNonEmptyDirectory_isRefusedAndLeavesItAlone() throws IOException {
    Path cp = Files.createDirectories(tmp.resolve("cp"));
    Files.writeString(cp.resolve("mine.txt"), "keep me");
    try (StrataDB db = StrataDB.open(db(), options().build())) {
      db.put(key(1), value(1, "v"));
      assertThatThrownBy(() -> db.createCheckpoint(cp))
          .isInstanceOf(StrataException.class)
          .hasMessageContaining("exists and is not empty");
    }
    assertThat(names(cp)).containsExactly("mine.txt");
    assertThat(Files.exists(temp(cp))).isFalse();
  }

  @Test
  void createCheckpoint_intoEmptyDirectory_isAccepted() {
    Path cp = tmp.resolve("cp");
    NavigableMap<byte[], byte[]> model = newModel();
    try (StrataDB db = StrataDB.open(db(), options().build())) {
      putAll(db, "v1", model);
      cp.toFile().mkdirs();
      db.createCheckpoint(cp);
    }
    assertCheckpointHolds(cp, options().build(), model);
  }

  @Test
  void createCheckpoint_ontoAFile_isRefused() throws IOException {
    Path cp = Files.writeString(tmp.resolve("cp"), "a file");
    try (StrataDB db = StrataDB.open(db(), options().build())) {
      assertThatThrownBy(() -> db.createCheckpoint(cp))
          .isInstanceOf(StrataException.class)
          .hasMessageContaining("not a directory");
    }
    assertThat(Files.readString(cp)).isEqualTo("a file");
  }

  @Test
  void createCheckpoint_whoseParentIsMissing_isRefused() {
    Path cp = tmp.resolve("no").resolve("such").resolve("cp");
    try (StrataDB db = StrataDB.open(db(), options().build())) {
      db.put(key(1), value(1, "v"));
      assertThatThrownBy(() -> db.createCheckpoint(cp))
          .isInstanceOf(StrataException.class)
          .hasMessageContaining("parent directory")
          .hasMessageContaining("does not exist");
    }
    assertThat(Files.exists(tmp.resolve("no"))).isFalse();
  }

  @Test
  void createCheckpoint_insideTheDatabaseDirectory_isRefused() {
    try (StrataDB db = StrataDB.open(db(), options().build())) {
      assertThatThrownBy(() -> db.createCheckpoint(db().resolve("cp")))
          .isInstanceOf(StrataException.class)
          .hasMessageContaining("outside the database directory");
      assertThatThrownBy(() -> db.createCheckpoint(db()))
          .isInstanceOf(StrataException.class)
          .hasMessageContaining("outside the database directory");
    }
  }

  @Test
  void createCheckpoint_ofClosedDatabase_isRefused() {
    StrataDB db = StrataDB.open(db(), options().build());
    db.close();
    assertThatThrownBy(() -> db.createCheckpoint(tmp.resolve("cp")))
        .isInstanceOf(StrataException.class)
        .hasMessageContaining("closed");
    assertThat(Files.exists(tmp.resolve("cp"))).isFalse();
  }

  @Test
  void createCheckpoint_overAStaleTemporaryDirectory_emptiesAndReplacesIt() throws IOException {
    Path cp = tmp.resolve("cp");
    Path stale = Files.createDirectories(temp(cp));
    Files.writeString(stale.resolve("CURRENT"), "MANIFEST-000009\n");
    Files.writeString(stale.resolve("000007.sst"), "half a table");
    NavigableMap<byte[], byte[]> model = newModel();
    try (StrataDB db = StrataDB.open(db(), options().build())) {
      putAll(db, "v1", model);
      db.createCheckpoint(cp);
    }
    assertThat(Files.exists(stale)).isFalse();
    assertCheckpointHolds(cp, options().build(), model);
  }

  @Test
  void createCheckpoint_overATemporaryDirectoryWithForeignFiles_isRefusedAndKeepsThem()
      throws IOException {
    Path cp = tmp.resolve("cp");
    Path stale = Files.createDirectories(temp(cp));
    Files.writeString(stale.resolve("notes.txt"), "not Strata's");
    try (StrataDB db = StrataDB.open(db(), options().build())) {
      assertThatThrownBy(() -> db.createCheckpoint(cp))
          .isInstanceOf(StrataException.class)
          .hasMessageContaining("notes.txt");
    }
    assertThat(Files.readString(stale.resolve("notes.txt"))).isEqualTo("not Strata's");
    assertThat(Files.exists(cp)).isFalse();
  }

  @Test
  void createCheckpoint_intoATargetAnotherCheckpointIsFilling_isRefused() {
    Path cp = tmp.resolve("cp");
    NavigableMap<byte[], byte[]> model = newModel();
    try (StrataDB db = StrataDB.open(db(), options().build())) {
      putAll(db, "v1", model);
      ((DbImpl) db)
          .setCheckpointHookForTesting(
              () ->
                  assertThatThrownBy(() -> db.createCheckpoint(cp))
                      .isInstanceOf(StrataException.class)
                      .hasMessageContaining("under way"));
      db.createCheckpoint(cp);
    }
    assertCheckpointHolds(cp, options().build(), model);
  }

  // ---- interrupts ----

  @Test
  void createCheckpoint_interruptedWhileWaitingForItsFlush_failsCleanlyAndKeepsTheFlag() {
    // The flush worker runs only when the test says, so the checkpoint must wait for its flush.
    ManualExecutor background = new ManualExecutor();
    Options o = options().memtableSizeBytes(1 << 20).backgroundExecutor(background).flushOnClose(false).build();
    Path cp = tmp.resolve("cp");
    NavigableMap<byte[], byte[]> model = newModel();
    try (StrataDB db = StrataDB.open(db(), o)) {
      putAll(db, "v1", model);
      Thread.currentThread().interrupt();
      try {
        assertThatThrownBy(() -> db.createCheckpoint(cp))
            .isInstanceOf(StrataException.class)
            .hasMessageContaining("interrupted");
      } finally {
        assertThat(Thread.interrupted()).as("interrupt status kept").isTrue();
      }
      assertThat(Files.exists(cp)).isFalse();
      assertThat(Files.exists(temp(cp))).isFalse();
      background.runPending();
      // The database still takes writes and checkpoints.
      db.put(key(KEYS), value(KEYS, "after"), WriteOptions.SYNC);
      model.put(key(KEYS), value(KEYS, "after"));
      Thread driver = new Thread(() -> db.createCheckpoint(cp));
      driver.start();
      while (driver.isAlive()) {
        background.runPending();
        Thread.onSpinWait();
      }
    }
    assertCheckpointHolds(cp, options().build(), model);
  }

  @Test
  void createCheckpoint_withInterruptFlagSetAndNothingToFlush_completesAndKeepsTheFlag() {
    Path cp = tmp.resolve("cp");
    NavigableMap<byte[], byte[]> model = newModel();
    try (StrataDB db = StrataDB.open(db(), options().build())) {
      putAll(db, "v1", model);
      db.flush();
      Thread.currentThread().interrupt();
      try {
        db.createCheckpoint(cp);
      } finally {
        assertThat(Thread.interrupted()).as("interrupt status kept").isTrue();
      }
      putAll(db, "v2", new TreeMap<>(Bytes.COMPARATOR));
    }
    assertCheckpointHolds(cp, options().build(), model);
  }

  // ---- independence ----

  @Test
  void createCheckpoint_thenSourceCompactsAwayEveryLinkedTable_checkpointStillReadsEverything()
      throws IOException {
    Path cp = tmp.resolve("cp");
    NavigableMap<byte[], byte[]> atCheckpoint = newModel();
    NavigableMap<byte[], byte[]> later = newModel();
    Map<String, Integer> hashes = new TreeMap<>();
    try (StrataDB db = StrataDB.open(db(), options().build())) {
      putAll(db, "v1", atCheckpoint);
      db.createCheckpoint(cp);
      for (Path t : tables(cp)) {
        hashes.put(t.getFileName().toString(), Arrays.hashCode(Files.readAllBytes(t)));
      }
      assertThat(hashes).isNotEmpty();
      // The source overwrites and deletes everything, then compacts until none of the linked
      // tables is left in its directory.
      putAll(db, "v2", later);
      for (int i = 0; i < KEYS; i += 2) {
        db.delete(key(i));
        later.remove(key(i));
      }
      db.compactRange(null, null);
      for (String name : hashes.keySet()) {
        assertThat(Files.exists(db().resolve(name))).as("%s deleted in the source", name).isFalse();
      }
      assertSame(OpGenerator.contents(db), later, "source");
    }
    for (Map.Entry<String, Integer> e : hashes.entrySet()) {
      assertThat(Arrays.hashCode(Files.readAllBytes(cp.resolve(e.getKey()))))
          .as("%s unchanged in the checkpoint", e.getKey())
          .isEqualTo(e.getValue());
    }
    assertCheckpointHolds(cp, options().build(), atCheckpoint);
  }

  @Test
  void createCheckpoint_thenCheckpointIsRewrittenAndCompacted_sourceIsUnchanged() {
    Path cp = tmp.resolve("cp");
    NavigableMap<byte[], byte[]> model = newModel();
    try (StrataDB db = StrataDB.open(db(), options().build())) {
      putAll(db, "v1", model);
      db.flush();
      db.createCheckpoint(cp);
      try (StrataDB copy = StrataDB.open(cp, options().build())) {
        putAll(copy, "copy", newModel());
        for (int i = 0; i < KEYS; i++) {
          copy.delete(key(i));
        }
        copy.compactRange(null, null);
        assertThat(OpGenerator.contents(copy)).isEmpty();
      }
      assertSame(OpGenerator.contents(db), model, "source while open");
    }
    try (StrataDB db = StrataDB.open(db(), options().build())) {
      assertSame(OpGenerator.contents(db), model, "source reopened");
    }
  }

  @Test
  void createCheckpoint_whileACompactionRemovesThePinnedTables_linksThemAll() throws IOException {
    Path cp = tmp.resolve("cp");
    NavigableMap<byte[], byte[]> atCheckpoint = newModel();
    NavigableMap<byte[], byte[]> later = newModel();
    List<String> pinnedTables = new java.util.ArrayList<>();
    try (StrataDB db = StrataDB.open(db(), options().backgroundCompaction(false).build())) {
      putAll(db, "v1", atCheckpoint);
      db.flush();
      ((DbImpl) db)
          .setCheckpointHookForTesting(
              () -> {
                // Between the pin and the links: new versions of every key, compacted to the
                // bottom, so that every table the checkpoint pinned leaves the source's levels.
                try {
                  pinnedTables.addAll(
                      names(db()).stream().filter(n -> n.endsWith(".sst")).toList());
                } catch (IOException e) {
                  throw new java.io.UncheckedIOException(e);
                }
                putAll(db, "v2", later);
                db.compactRange(null, null);
              });
      db.createCheckpoint(cp);
      assertThat(pinnedTables).isNotEmpty();
      for (String name : pinnedTables) {
        assertThat(Files.exists(db().resolve(name))).as("%s gone from the source", name).isFalse();
      }
      assertSame(OpGenerator.contents(db), later, "source");
    }
    assertThat(tables(cp).stream().map(p -> p.getFileName().toString()).toList())
        .containsExactlyInAnyOrderElementsOf(pinnedTables);
    assertCheckpointHolds(cp, options().build(), atCheckpoint);
  }

  /**
   * The production file system with hard links that fail when {@code linkWorks} says so (an
   * {@link UnsupportedOperationException} if {@code unsupported}, else a cross-device {@link
   * FileSystemException}), and creations that fail when {@code failCreate} matches.
   */
  private static final class LinkingFileSystem extends ForwardingFileSystem {
    private final Predicate<Path> linkWorks;
    private final boolean unsupported;
    final AtomicInteger linkAttempts = new AtomicInteger();
    volatile Predicate<Path> failCreate = p -> false;

    LinkingFileSystem(Predicate<Path> linkWorks, boolean unsupported) {
      super(FileSystem.nio());
      this.linkWorks = linkWorks;
      this.unsupported = unsupported;
    }

    @Override
    public void link(Path existing, Path link) throws IOException {
      linkAttempts.incrementAndGet();
      if (linkWorks.test(link)) {
        delegate.link(existing, link);
      } else if (unsupported) {
        throw new UnsupportedOperationException("no hard links here");
      } else {
        throw new FileSystemException(
            existing.toString(), link.toString(), "Invalid cross-device link");
      }
    }

    @Override
    public WritableFile create(Path path) throws IOException {
      if (failCreate.test(path)) {
        throw new IOException("injected failure creating " + path);
      }
      return delegate.create(path);
    }

    @Override
    public void crashPoint(CrashPoint point) {}
  }
}
