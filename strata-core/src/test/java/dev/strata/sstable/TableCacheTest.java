package dev.strata.sstable;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.strata.Compression;
import dev.strata.CorruptionException;
import dev.strata.fs.FileSystem;
import dev.strata.key.InternalIterator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TableCacheTest {
  private static final int TABLES = 8;
  private static final int KEYS_PER_TABLE = 200;

  @TempDir Path dir;
  private TrackingFileSystem fs;
  private final long[] sizes = new long[TABLES + 1];

  private Path pathOf(long fileNumber) {
    return dir.resolve(String.format("%06d.sst", fileNumber));
  }

  private static byte[] key(long table, int i) {
    return String.format("t%02d-key%05d", table, i).getBytes(UTF_8);
  }

  private static byte[] value(long table, int i) {
    return String.format("value-%d-%d", table, i).getBytes(UTF_8);
  }

  @BeforeEach
  void writeTables() throws IOException {
    fs = new TrackingFileSystem(FileSystem.nio());
    for (long t = 1; t <= TABLES; t++) {
      List<Entry> entries = new ArrayList<>();
      for (int i = 0; i < KEYS_PER_TABLE; i++) {
        entries.add(
            new Entry(
                key(t, i),
                dev.strata.key.Trailer.pack(i + 1, dev.strata.key.ValueKind.VALUE),
                value(t, i)));
      }
      sizes[(int) t] =
          Tables.write(fs, pathOf(t), entries, new TableOptions(256, 16, Compression.LZ4, 10))
              .fileSize();
    }
  }

  private TableCache newCache(int maxOpenFiles) {
    return new TableCache(fs, this::pathOf, BlockCache.create(64 << 10), maxOpenFiles);
  }

  @Test
  void acquire_manyThreadsFewOpenFiles_readersNeverSeeClosedFiles() throws Exception {
    manyThreadsFewOpenFiles(false);
  }

  @Test
  void acquire_throughSlots_manyThreadsFewOpenFiles_readersNeverSeeClosedFiles() throws Exception {
    manyThreadsFewOpenFiles(true);
  }

  /** Four readers and an evicter on a cache of two files; through a slot per table if asked. */
  private void manyThreadsFewOpenFiles(boolean throughSlots) throws Exception {
    long seed = TestSeed.forTest("tableCacheConcurrency");
    TableCache.Slot[] slots = new TableCache.Slot[TABLES + 1];
    for (int t = 0; t <= TABLES; t++) {
      slots[t] = new TableCache.Slot();
    }
    int threads = 4;
    int operations = 1500;
    TableCache cache = newCache(2);
    CyclicBarrier start = new CyclicBarrier(threads + 1);
    ExecutorService pool = Executors.newFixedThreadPool(threads + 1);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        long threadSeed = seed + t;
        done.add(
            pool.submit(
                () -> {
                  Random rnd = new Random(threadSeed);
                  start.await();
                  for (int op = 0; op < operations; op++) {
                    long table = 1L + rnd.nextInt(TABLES);
                    int i = rnd.nextInt(KEYS_PER_TABLE);
                    try (TableHandle handle =
                        throughSlots
                            ? cache.acquire(table, sizes[(int) table], 0, slots[(int) table])
                            : cache.acquire(table, sizes[(int) table], 0)) {
                      assertThat(
                              handle.reader().get(key(table, i), Long.MAX_VALUE >>> 9, true, true))
                          .isEqualTo(value(table, i));
                      if (op % 10 == 0) {
                        try (InternalIterator it = handle.reader().newIterator(true, true)) {
                          it.seek(key(table, i), Long.MAX_VALUE);
                          for (int step = 0; step < 30 && it.isValid(); step++) {
                            it.next();
                          }
                        }
                      }
                    }
                  }
                  return null;
                }));
      }
      // One more thread evicts files at random, as deleting obsolete tables does.
      done.add(
          pool.submit(
              () -> {
                Random rnd = new Random(seed - 1);
                start.await();
                for (int op = 0; op < operations; op++) {
                  cache.evict(1L + rnd.nextInt(TABLES));
                }
                return null;
              }));
      for (Future<?> f : done) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(fs.violation()).isNull();
    assertThat(fs.opens()).as("evictions forced reopens").isGreaterThan(TABLES);
    cache.cleanUpForTesting();
    assertThat(fs.openReaders())
        .as("idle readers are bounded by maxOpenFiles")
        .isLessThanOrEqualTo(2);
    assertThat(cache.openReaderCount()).isEqualTo(fs.openReaders());
    assertThat(cache.openReaderHeapBytes()).isEqualTo(expectedHeapBytes(cache.cachedFileNumbers()));
    cache.close();
    assertThat(fs.openReaders()).isZero();
    assertThat(cache.openReaderCount()).isZero();
    assertThat(cache.openReaderHeapBytes()).isZero();
  }

  private long expectedHeapBytes(Iterable<Long> fileNumbers) throws IOException {
    long n = 0;
    for (long f : fileNumbers) {
      n += TableMemory.expectedReaderHeapBytes(fs, pathOf(f));
    }
    return n;
  }

  @Test
  void openReaderHeapBytes_countsEveryOpenReader_untilItsLastReleaseClosesIt() throws IOException {
    try (TableCache cache = newCache(16)) {
      assertThat(cache.openReaderHeapBytes()).isZero();
      TableHandle one = cache.acquire(1, sizes[1], 0);
      cache.acquire(2, sizes[2], 0).close();
      assertThat(cache.openReaderCount()).isEqualTo(2);
      assertThat(cache.openReaderHeapBytes()).isEqualTo(expectedHeapBytes(List.of(1L, 2L)));
      // The index and filter of 200 keys in 256-byte blocks: far more than the fixed part.
      assertThat(TableMemory.expectedReaderHeapBytes(fs, pathOf(1)))
          .isGreaterThan(TableReader.FIXED_HEAP_BYTES + 1000);

      // Dropped from the cache (its file deleted, say) but still read: still on the heap.
      cache.evict(1);
      assertThat(cache.cachedFileNumbers()).containsExactly(2L);
      assertThat(cache.openReaderHeapBytes()).isEqualTo(expectedHeapBytes(List.of(1L, 2L)));
      one.close();
      assertThat(cache.openReaderCount()).isEqualTo(1);
      assertThat(cache.openReaderHeapBytes()).isEqualTo(expectedHeapBytes(List.of(2L)));
    }
  }

  @Test
  void openReaderHeapBytes_maxOpenFilesBoundsIdleReaders() throws IOException {
    try (TableCache cache = newCache(3)) {
      long all = 0;
      for (long t = 1; t <= TABLES; t++) {
        cache.acquire(t, sizes[(int) t], 0).close();
        all += TableMemory.expectedReaderHeapBytes(fs, pathOf(t));
      }
      cache.cleanUpForTesting();
      assertThat(cache.openReaderCount()).isEqualTo(3).isEqualTo(fs.openReaders());
      assertThat(cache.openReaderHeapBytes())
          .isEqualTo(expectedHeapBytes(cache.cachedFileNumbers()))
          .isLessThan(all / 2);
    }
  }

  @Test
  void acquire_sameFileTwice_opensItOnce() throws IOException {
    try (TableCache cache = newCache(16);
        TableHandle a = cache.acquire(1, sizes[1], 0);
        TableHandle b = cache.acquire(1, sizes[1], 0)) {
      assertThat(a.reader()).isSameAs(b.reader());
      assertThat(fs.opens()).isEqualTo(1);
    }
    assertThat(fs.openReaders()).isZero();
  }

  @Test
  void evict_whileHandleHeld_closesOnRelease() throws IOException {
    try (TableCache cache = newCache(16)) {
      TableHandle handle = cache.acquire(3, sizes[3], 0);
      cache.evict(3);
      assertThat(fs.openReaders()).isEqualTo(1);
      assertThat(handle.reader().get(key(3, 5), 1000, true, true)).isEqualTo(value(3, 5));
      handle.close();
      assertThat(fs.openReaders()).isZero();
      handle.close();
      assertThatThrownBy(handle::reader).isInstanceOf(IllegalStateException.class);
    }
    assertThat(fs.violation()).isNull();
  }

  @Test
  void newIterator_holdsReferenceUntilClosed() throws IOException {
    try (TableCache cache = newCache(16)) {
      InternalIterator it = cache.newIterator(2, sizes[2], 0, true, true);
      cache.evict(2);
      assertThat(Tables.scanForward(it)).hasSize(KEYS_PER_TABLE);
      assertThat(fs.openReaders()).isEqualTo(1);
      it.close();
      assertThat(fs.openReaders()).isZero();
    }
  }

  @Test
  void acquire_missingFile_raisesCorruptionWithOffsetMinusOne() {
    try (TableCache cache = newCache(16)) {
      assertThatThrownBy(() -> cache.acquire(99, 1234, 0))
          .isInstanceOf(CorruptionException.class)
          .hasMessageContaining("000099.sst")
          .hasMessageContaining("table file missing")
          .satisfies(e -> assertThat(((CorruptionException) e).offset()).isEqualTo(-1));
    }
  }

  @Test
  void acquire_corruptFile_isNotCachedAndClosesTheFile() throws IOException {
    Path path = pathOf(4);
    byte[] good = Files.readAllBytes(path);
    byte[] bad = good.clone();
    bad[bad.length - 1] ^= 1;
    Files.write(path, bad);
    try (TableCache cache = newCache(16)) {
      assertThatThrownBy(() -> cache.acquire(4, sizes[4], 0)).isInstanceOf(CorruptionException.class);
      assertThat(fs.openReaders()).isZero();
      Files.write(path, good);
      try (TableHandle handle = cache.acquire(4, sizes[4], 0)) {
        assertThat(handle.reader().properties().entryCount()).isEqualTo(KEYS_PER_TABLE);
      }
    }
  }

  @Test
  void acquire_afterClose_throwsIllegalState() throws IOException {
    TableCache cache = newCache(16);
    cache.acquire(1, sizes[1], 0).close();
    cache.close();
    assertThat(fs.openReaders()).isZero();
    assertThatThrownBy(() -> cache.acquire(1, sizes[1], 0)).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void close_withHandleHeld_closesReaderOnRelease() throws IOException {
    TableCache cache = newCache(16);
    TableHandle handle = cache.acquire(5, sizes[5], 0);
    cache.close();
    assertThat(fs.openReaders()).isEqualTo(1);
    assertThat(handle.reader().get(key(5, 0), 1000, true, true)).isEqualTo(value(5, 0));
    handle.close();
    assertThat(fs.openReaders()).isZero();
  }

  @Test
  void acquire_throughSlot_givesTheCachedReader_openingItOnce() throws IOException {
    TableCache.Slot slot = new TableCache.Slot();
    try (TableCache cache = newCache(16);
        TableHandle first = cache.acquire(1, sizes[1], 0, slot);
        TableHandle second = cache.acquire(1, sizes[1], 0, slot);
        TableHandle plain = cache.acquire(1, sizes[1], 0)) {
      assertThat(second.reader()).isSameAs(first.reader()).isSameAs(plain.reader());
      assertThat(fs.opens()).isEqualTo(1);
    }
    assertThat(fs.openReaders()).isZero();
  }

  @Test
  void acquire_throughSlot_afterEvict_opensAgainInsteadOfTheDroppedReader() throws IOException {
    TableCache.Slot slot = new TableCache.Slot();
    try (TableCache cache = newCache(16)) {
      TableHandle held = cache.acquire(3, sizes[3], 0, slot);
      TableReader dropped = held.reader();
      cache.evict(3);
      try (TableHandle again = cache.acquire(3, sizes[3], 0, slot)) {
        // The dropped reader is still open (held), but the slot must not hand it out: a reader
        // outside the cache would stay open, uncounted by maxOpenFiles, for as long as it is read.
        assertThat(again.reader()).isNotSameAs(dropped);
        assertThat(cache.cachedFileNumbers()).containsExactly(3L);
        assertThat(fs.opens()).isEqualTo(2);
      }
      held.close();
      assertThat(fs.openReaders()).isEqualTo(1);
      try (TableHandle third = cache.acquire(3, sizes[3], 0, slot)) {
        assertThat(fs.opens()).as("the reopened reader is remembered").isEqualTo(2);
        assertThat(third.reader().get(key(3, 7), 1000, true, true)).isEqualTo(value(3, 7));
      }
    }
    assertThat(fs.violation()).isNull();
  }

  @Test
  void acquire_throughSlot_ofAnotherCache_opensThisCachesOwnReader() throws IOException {
    TableCache.Slot slot = new TableCache.Slot();
    TableCache first = newCache(16);
    TableReader firstReader;
    try (TableHandle h = first.acquire(2, sizes[2], 0, slot)) {
      firstReader = h.reader();
    }
    try (TableCache second = newCache(16)) {
      try (TableHandle h = second.acquire(2, sizes[2], 0, slot)) {
        assertThat(h.reader()).isNotSameAs(firstReader);
        first.close();
        assertThat(h.reader().get(key(2, 3), 1000, true, true)).isEqualTo(value(2, 3));
      }
      assertThat(second.cachedFileNumbers()).containsExactly(2L);
    }
    assertThat(fs.openReaders()).isZero();
    assertThat(fs.violation()).isNull();
  }

  @Test
  void unreferencedReader_givesTheOpenReaderItsSlotRemembers_andNothingOnceTheCacheDropsIt()
      throws IOException {
    TableCache.Slot slot = new TableCache.Slot();
    try (TableCache cache = newCache(16)) {
      assertThat(cache.unreferencedReader(4, slot)).as("nothing opened yet").isNull();
      TableReader open;
      try (TableHandle h = cache.acquire(4, sizes[4], 0, slot)) {
        open = h.reader();
      }
      assertThat(cache.unreferencedReader(4, slot)).isSameAs(open);
      assertThat(open.readableUnreferenced()).isTrue();
      assertThat(open.get(key(4, 9), 1000, true, true)).isEqualTo(value(4, 9));

      // No reference is held, so dropping the table closes it at once; the slot then gives
      // nothing, and the closed reader refuses lookups instead of answering them.
      cache.evict(4);
      assertThat(open.isClosed()).isTrue();
      assertThat(fs.openReaders()).isZero();
      assertThat(cache.unreferencedReader(4, slot)).isNull();
      assertThatThrownBy(() -> open.get(key(4, 9), 1000, true, true))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("closed");
    }
    assertThat(fs.violation()).isNull();
  }

  @Test
  void unreferencedReader_ofAnotherCacheOrAClosedCache_isNull() throws IOException {
    TableCache.Slot slot = new TableCache.Slot();
    TableCache first = newCache(16);
    first.acquire(2, sizes[2], 0, slot).close();
    try (TableCache second = newCache(16)) {
      assertThat(second.unreferencedReader(2, slot)).isNull();
    }
    assertThat(first.unreferencedReader(2, slot)).isNotNull();
    first.close();
    assertThat(first.unreferencedReader(2, slot)).isNull();
    assertThat(fs.openReaders()).isZero();
  }

  @Test
  void unreferencedReader_ofAMemoryMappedTable_isNull() throws IOException {
    // An unmap under a read still copying from the mapping would crash the process: such tables
    // are read only through a reference.
    TableCache.Slot slot = new TableCache.Slot();
    try (TableCache cache =
        new TableCache(FileSystem.nio(), this::pathOf, BlockCache.create(64 << 10), 16, true)) {
      try (TableHandle h = cache.acquire(6, sizes[6], 0, slot)) {
        assertThat(h.reader().readableUnreferenced()).isFalse();
        assertThat(h.reader().get(key(6, 1), 1000, true, true)).isEqualTo(value(6, 1));
      }
      assertThat(cache.unreferencedReader(6, slot)).isNull();
    }
  }

  @Test
  void acquire_throughSlot_afterClose_throwsIllegalState() throws IOException {
    TableCache.Slot slot = new TableCache.Slot();
    TableCache cache = newCache(16);
    cache.acquire(1, sizes[1], 0, slot).close();
    cache.close();
    assertThatThrownBy(() -> cache.acquire(1, sizes[1], 0, slot))
        .isInstanceOf(IllegalStateException.class);
    assertThat(fs.openReaders()).isZero();
  }

  @Test
  void acquire_throughSlots_hotTablesStayOpenBesideColdOnes() throws IOException {
    // Lookups through a slot skip the cache's map; they must still count as uses, or two tables
    // read constantly would look idle next to tables read once, and be dropped and reopened.
    TableCache.Slot[] slots = new TableCache.Slot[TABLES + 1];
    for (int t = 0; t <= TABLES; t++) {
      slots[t] = new TableCache.Slot();
    }
    int rounds = 30;
    try (TableCache cache = newCache(3)) {
      for (int round = 0; round < rounds; round++) {
        for (int i = 0; i < 2000; i++) {
          long hot = 1 + (i & 1);
          cache.acquire(hot, sizes[(int) hot], 0, slots[(int) hot]).close();
        }
        long cold = 3 + round % (TABLES - 2);
        cache.acquire(cold, sizes[(int) cold], 0, slots[(int) cold]).close();
      }
      cache.cleanUpForTesting();
      assertThat(cache.cachedFileNumbers()).contains(1L, 2L);
    }
    assertThat(fs.opens())
        .as("the hot tables opened about once, each cold table once a round")
        .isLessThanOrEqualTo(2 + rounds + 4);
  }
}
