package dev.strata.version;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.strata.Compression;
import dev.strata.fs.FileSystem;
import dev.strata.fs.ReadableFile;
import dev.strata.fs.WritableFile;
import dev.strata.key.FragmentedRangeTombstones;
import dev.strata.key.Trailer;
import dev.strata.key.ValueKind;
import dev.strata.sstable.BlockCache;
import dev.strata.sstable.TableBuilder;
import dev.strata.sstable.TableCache;
import dev.strata.sstable.TableHandle;
import dev.strata.sstable.TableOptions;
import dev.strata.sstable.TableProperties;
import dev.strata.sstable.TableReader;
import dev.strata.testing.ForwardingFileSystem;
import dev.strata.testing.ForwardingReadableFile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A point lookup reads a level's tables with no lock held; a replacement that removes a table
 * while a lookup is reading it must leave the file alone (not handed to the obsolete callback,
 * which deletes it) until that lookup is done, and hand over every removed file exactly once.
 */
class ConcurrentLevelPinTest {
  @TempDir Path dir;
  private PausingFileSystem fs;
  private TableCache tables;
  private final List<Long> obsolete = new CopyOnWriteArrayList<>();
  /** Names of the files handed to the obsolete callback; the file system fails reads of them. */
  private final Set<String> handedOver =
      ConcurrentHashMap.newKeySet();

  @BeforeEach
  void open() {
    fs = new PausingFileSystem(FileSystem.nio(), handedOver);
    tables = new TableCache(fs, n -> dir.resolve(FileNames.table(n)), BlockCache.create(0), 100);
  }

  @AfterEach
  void close() {
    tables.close();
  }

  private FileMetadata table(long number, String key, long sequence) throws IOException {
    Path path = dir.resolve(FileNames.table(number));
    TableProperties props;
    try (WritableFile file = fs.create(path);
        TableBuilder b =
            new TableBuilder(file, path.getFileName().toString(),
                new TableOptions(4096, 16, Compression.NONE, 10))) {
      b.add(key.getBytes(UTF_8), Trailer.pack(sequence, ValueKind.VALUE),
          ("value-of-" + key).getBytes(UTF_8));
      props = b.finish();
      file.sync();
    }
    FileMetadata f = FileMetadata.ofTable(number, props, FragmentedRangeTombstones.EMPTY);
    f.setOnObsolete(
        m -> {
          handedOver.add(FileNames.table(m.number()));
          obsolete.add(m.number());
        });
    // Opened now, so that the only reads left are the lookups' data blocks.
    try (TableHandle h = f.acquireTable(tables)) {
      assertThat(h.reader()).isNotNull();
    }
    return f;
  }

  @Test
  void get_levelZeroFileRemovedMidRead_handedOverOnlyAfterTheRead() throws Exception {
    FileMetadata older = table(1, "x", 1);
    FileMetadata newer = table(2, "y", 2);
    ConcurrentLevel level = new ConcurrentLevel(0, tables);
    level.replace(new Level(0, List.of(newer, older)));
    replacedMidRead(level, older, new Level(0, List.of()));
  }

  @Test
  void get_sortedLevelFileRemovedMidRead_handedOverOnlyAfterTheRead() throws Exception {
    FileMetadata left = table(1, "a", 1);
    FileMetadata right = table(2, "x", 2);
    ConcurrentLevel level = new ConcurrentLevel(3, tables);
    level.replace(new Level(3, List.of(left, right)));
    replacedMidRead(level, right, new Level(3, List.of()));
  }

  /**
   * Pauses a lookup of "x" inside {@code holder}, installs {@code replacements} in turn (the last
   * one without {@code holder}), and checks that {@code holder} is handed over only once the
   * lookup has returned, with every file of the test.
   */
  private void replacedMidRead(ConcurrentLevel level, FileMetadata holder, Level... replacements)
      throws Exception {
    fs.pauseReadsOf(FileNames.table(holder.number()));
    CompletableFuture<byte[]> read =
        CompletableFuture.supplyAsync(
            () -> level.get("x".getBytes(UTF_8), Long.MAX_VALUE >>> 8, true, false, false));
    assertThat(fs.paused.await(30, TimeUnit.SECONDS)).as("the lookup reached the table").isTrue();

    for (Level next : replacements) {
      level.replace(next);
    }
    assertThat(obsolete).as("removed while read").doesNotContain(holder.number());

    fs.resume.countDown();
    assertThat(read.get(30, TimeUnit.SECONDS)).isEqualTo("value-of-x".getBytes(UTF_8));
    assertThat(obsolete).containsExactlyInAnyOrder(1L, 2L);
    assertThat(fs.failure.get()).isNull();
  }

  @Test
  void get_fileKeptByOneReplacementAndRemovedByTheNext_handedOverOnlyAfterTheRead()
      throws Exception {
    // The lookup pinned the level as it was; the file it reads survives the first replacement
    // (which removes another file) and leaves with the second. It is still being read.
    FileMetadata other = table(1, "a", 1);
    FileMetadata holder = table(2, "x", 2);
    ConcurrentLevel level = new ConcurrentLevel(0, tables);
    level.replace(new Level(0, List.of(holder, other)));
    replacedMidRead(level, holder, new Level(0, List.of(holder)), new Level(0, List.of()));
  }

  @Test
  void replace_noReaders_handsOverRemovedFilesAtOnceAndKeepsTheRest() throws Exception {
    FileMetadata a = table(1, "a", 1);
    FileMetadata b = table(2, "b", 2);
    ConcurrentLevel level = new ConcurrentLevel(0, tables);
    level.replace(new Level(0, List.of(b, a)));
    assertThat(level.get("a".getBytes(UTF_8), 10, true, false, false))
        .isEqualTo("value-of-a".getBytes(UTF_8));

    level.replace(new Level(0, List.of(b)));
    assertThat(obsolete).containsExactly(1L);
    level.replace(new Level(0, List.of(b)));
    level.replace(new Level(0, List.of()));
    assertThat(obsolete).containsExactly(1L, 2L);
  }

  @Test
  void get_readerClosedByTheTableCacheMidRead_readsAgainThroughAReference() throws Exception {
    // A lookup reads an open table without a reference, so the cache's bound on open files can
    // close the reader under it; the pinned level still keeps the file, which the lookup reads
    // again through a fresh reader.
    FileMetadata f = table(1, "x", 1);
    ConcurrentLevel level = new ConcurrentLevel(3, tables);
    level.replace(new Level(3, List.of(f)));
    TableReader first = f.unreferencedReader(tables);
    assertThat(first).isNotNull();

    fs.pauseReadsOf(FileNames.table(1));
    CompletableFuture<byte[]> read =
        CompletableFuture.supplyAsync(
            () -> level.get("x".getBytes(UTF_8), Long.MAX_VALUE >>> 8, true, false, false));
    assertThat(fs.paused.await(30, TimeUnit.SECONDS)).as("the lookup reached the table").isTrue();
    tables.evict(1);
    assertThat(first.isClosed()).as("closed at once: the lookup holds no reference").isTrue();
    fs.resume.countDown();

    assertThat(read.get(30, TimeUnit.SECONDS)).isEqualTo("value-of-x".getBytes(UTF_8));
    TableReader second = f.unreferencedReader(tables);
    assertThat(second).isNotNull().isNotSameAs(first);
    assertThat(second.isClosed()).isFalse();
    assertThat(fs.opens.get()).as("opened again once").isEqualTo(2);
    assertThat(obsolete).isEmpty();
    assertThat(fs.failure.get()).isNull();
  }

  @Test
  void get_tableCacheClosedMidRead_failsAsAClosedCache() throws Exception {
    FileMetadata f = table(1, "x", 1);
    ConcurrentLevel level = new ConcurrentLevel(0, tables);
    level.replace(new Level(0, List.of(f)));

    fs.pauseReadsOf(FileNames.table(1));
    CompletableFuture<byte[]> read =
        CompletableFuture.supplyAsync(
            () -> level.get("x".getBytes(UTF_8), Long.MAX_VALUE >>> 8, true, false, false));
    assertThat(fs.paused.await(30, TimeUnit.SECONDS)).as("the lookup reached the table").isTrue();
    tables.close();
    fs.resume.countDown();

    assertThatThrownBy(() -> read.get(30, TimeUnit.SECONDS))
        .hasCauseInstanceOf(IllegalStateException.class)
        .hasMessageContaining("table cache is closed");
    assertThat(fs.opens.get()).as("nothing opened after the close").isEqualTo(1);
  }

  @Test
  void get_manyThreadsWhileOneOpenFileKeepsClosingReaders_everyLookupFindsItsValue()
      throws Exception {
    // One open file for eight tables: nearly every lookup of another table closes the reader a
    // lookup on another thread may be reading without a reference at that moment.
    int files = 8;
    List<FileMetadata> sorted = new ArrayList<>();
    for (int i = 0; i < files; i++) {
      sorted.add(table(i + 1, "k" + i, i + 1));
    }
    int threads = 4;
    int lookups = 3_000;
    try (TableCache small =
        new TableCache(fs, n -> dir.resolve(FileNames.table(n)), BlockCache.create(0), 1)) {
      ConcurrentLevel level = new ConcurrentLevel(3, small);
      level.replace(new Level(3, sorted));
      int opensBefore = fs.opens.get();
      ExecutorService pool =
          Executors.newFixedThreadPool(threads);
      try {
        List<Future<Integer>> results = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
          int seed = t;
          results.add(
              pool.submit(
                  () -> {
                    SplittableRandom random = new SplittableRandom(seed);
                    int found = 0;
                    for (int i = 0; i < lookups; i++) {
                      String key = "k" + random.nextInt(files);
                      byte[] value =
                          level.get(key.getBytes(UTF_8), Long.MAX_VALUE >>> 8, true, false, false);
                      assertThat(value).isEqualTo(("value-of-" + key).getBytes(UTF_8));
                      found++;
                    }
                    return found;
                  }));
        }
        for (Future<Integer> r : results) {
          assertThat(r.get(120, TimeUnit.SECONDS)).isEqualTo(lookups);
        }
      } finally {
        pool.shutdownNow();
      }
      // How many depends on the interleaving (a lookup of a table still mapped reopens nothing);
      // 12,000 lookups of eight tables through one open file reopen hundreds at the least.
      assertThat(fs.opens.get() - opensBefore)
          .as("readers were closed and opened again throughout")
          .isGreaterThan(files * 10);
    }
    assertThat(obsolete).isEmpty();
  }

  @Test
  void get_whileTheLevelIsReplacedOverAndOver_findsTheKeyAndHandsTheFileOverOnce()
      throws Exception {
    // Lookups pin the level after an optimistic read of its lock; a replacement can swap out and
    // release the instance a lookup just read. The lookup must then pin again, never raise a
    // released instance's count from zero (which would drop its file's references twice).
    FileMetadata f = table(1, "x", 1);
    ConcurrentLevel level = new ConcurrentLevel(3, tables);
    level.replace(new Level(3, List.of(f)));
    int readers = 2;
    int lookups = 20_000;
    ExecutorService pool =
        Executors.newFixedThreadPool(readers + 1);
    try {
      AtomicBoolean reading =
          new AtomicBoolean(true);
      Future<Integer> replacer =
          pool.submit(
              () -> {
                int replaced = 0;
                while (reading.get()) {
                  level.replace(new Level(3, List.of(f)));
                  replaced++;
                }
                return replaced;
              });
      List<Future<?>> reads = new ArrayList<>();
      for (int t = 0; t < readers; t++) {
        reads.add(
            pool.submit(
                () -> {
                  for (int i = 0; i < lookups; i++) {
                    assertThat(level.get("x".getBytes(UTF_8), 10, true, false, false))
                        .isEqualTo("value-of-x".getBytes(UTF_8));
                  }
                  return null;
                }));
      }
      try {
        for (Future<?> r : reads) {
          r.get(120, TimeUnit.SECONDS);
        }
      } finally {
        reading.set(false);
      }
      assertThat(replacer.get(30, TimeUnit.SECONDS)).isPositive();
    } finally {
      pool.shutdownNow();
    }
    assertThat(obsolete).as("the file never left the level").isEmpty();
    assertThat(f.refCountForTesting()).as("the current instance's reference only").isEqualTo(1);
    level.replace(new Level(3, List.of()));
    assertThat(obsolete).containsExactly(1L);
  }

  @Test
  void get_whileEveryReplacementRemovesTheFileRead_neverReadsAFileHandedOver() throws Exception {
    // Each replacement installs a new file holding "x" and removes the one before, which goes to
    // the obsolete callback (and would be deleted) once no lookup holds the level it was in. Two
    // threads look "x" up throughout, reading each time from the file (no block cache): a read of
    // a file already handed over means a lookup's hold did not keep it.
    int files = 150;
    List<FileMetadata> made = new ArrayList<>();
    for (int i = 1; i <= files; i++) {
      made.add(table(i, "x", i));
    }
    ConcurrentLevel level = new ConcurrentLevel(0, tables);
    level.replace(new Level(0, List.of(made.get(0))));
    ExecutorService pool =
        Executors.newFixedThreadPool(2);
    AtomicBoolean replacing =
        new AtomicBoolean(true);
    CountDownLatch started = new CountDownLatch(2);
    AtomicLong lookupsDone =
        new AtomicLong();
    try {
      List<Future<Integer>> reads = new ArrayList<>();
      for (int t = 0; t < 2; t++) {
        reads.add(
            pool.submit(
                () -> {
                  int n = 0;
                  started.countDown();
                  while (replacing.get()) {
                    byte[] value =
                        level.get("x".getBytes(UTF_8), Long.MAX_VALUE >>> 8, true, false, false);
                    assertThat(value).isEqualTo("value-of-x".getBytes(UTF_8));
                    lookupsDone.incrementAndGet();
                    n++;
                  }
                  return n;
                }));
      }
      try {
        assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();
        for (int i = 1; i < files; i++) {
          // Lookups run between replacements (a few per level installed), as long as both last.
          long before = lookupsDone.get();
          level.replace(new Level(0, List.of(made.get(i))));
          while (lookupsDone.get() < before + 4
              && reads.stream().noneMatch(Future::isDone)) {
            Thread.onSpinWait();
          }
        }
      } finally {
        replacing.set(false);
      }
      for (Future<Integer> r : reads) {
        r.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(fs.failure.get()).isNull();
    assertThat(obsolete).hasSize(files - 1).doesNotHaveDuplicates();
    level.replace(new Level(0, List.of()));
    assertThat(obsolete).hasSize(files).doesNotHaveDuplicates();
  }

  /** Reads of one named file block, once armed, until {@link #resume} opens. */
  private static final class PausingFileSystem extends ForwardingFileSystem {
    private volatile String pausedName;
    final CountDownLatch paused = new CountDownLatch(1);
    final CountDownLatch resume = new CountDownLatch(1);
    final AtomicReference<String> failure = new AtomicReference<>();
    final AtomicInteger opens =
        new AtomicInteger();

    private final Set<String> handedOver;

    PausingFileSystem(FileSystem delegate, Set<String> handedOver) {
      super(delegate);
      this.handedOver = handedOver;
    }

    void pauseReadsOf(String name) {
      pausedName = name;
    }

    @Override
    public ReadableFile openRead(Path path) throws IOException {
      ReadableFile file = delegate.openRead(path);
      opens.incrementAndGet();
      String name = path.getFileName().toString();
      return new ForwardingReadableFile(file) {
        @Override
        public void readFully(long position, byte[] dst, int offset, int length)
            throws IOException {
          if (handedOver.contains(name)) {
            // The engine deletes a file once it is handed over: a read now could not happen.
            failure.compareAndSet(null, "read of " + name + " after it was handed over");
          }
          if (name.equals(pausedName)) {
            paused.countDown();
            try {
              if (!resume.await(30, TimeUnit.SECONDS)) {
                failure.compareAndSet(null, "never resumed");
              }
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
              throw new IOException(e);
            }
          }
          super.readFully(position, dst, offset, length);
        }
      };
    }
  }
}
