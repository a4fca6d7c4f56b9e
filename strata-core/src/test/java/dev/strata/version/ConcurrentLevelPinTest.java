package dev.strata.version;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

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
import dev.strata.testing.ForwardingFileSystem;
import dev.strata.testing.ForwardingReadableFile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
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

  @BeforeEach
  void open() {
    fs = new PausingFileSystem(FileSystem.nio());
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
    f.setOnObsolete(m -> obsolete.add(m.number()));
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

  /** Reads of one named file block, once armed, until {@link #resume} opens. */
  private static final class PausingFileSystem extends ForwardingFileSystem {
    private volatile String pausedName;
    final CountDownLatch paused = new CountDownLatch(1);
    final CountDownLatch resume = new CountDownLatch(1);
    final AtomicReference<String> failure = new AtomicReference<>();

    PausingFileSystem(FileSystem delegate) {
      super(delegate);
    }

    void pauseReadsOf(String name) {
      pausedName = name;
    }

    @Override
    public ReadableFile openRead(Path path) throws IOException {
      ReadableFile file = delegate.openRead(path);
      String name = path.getFileName().toString();
      return new ForwardingReadableFile(file) {
        @Override
        public void readFully(long position, byte[] dst, int offset, int length)
            throws IOException {
          if (name.equals(pausedName)) {
            paused.countDown();
            try {
              if (!resume.await(30, TimeUnit.SECONDS)) {
                failure.set("never resumed");
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
