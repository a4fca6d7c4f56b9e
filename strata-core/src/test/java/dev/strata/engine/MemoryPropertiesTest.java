package dev.strata.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.Compression;
import dev.strata.DBIterator;
import dev.strata.Options;
import dev.strata.ReadOptions;
import dev.strata.StrataDB;
import dev.strata.fs.CrashPoint;
import dev.strata.fs.FileSystem;
import dev.strata.sstable.TableMemory;
import dev.strata.testing.FaultInjectionFileSystem;
import dev.strata.version.FileMetadata;
import dev.strata.version.FileNames;
import dev.strata.version.Level;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The memory properties ({@code docs/design/memory.md}) measure what they say: each figure is
 * checked against a quantity the test works out on its own, from the bytes it wrote or from the
 * table files on disk.
 */
class MemoryPropertiesTest {
  /**
   * Arena node bytes besides key and value at height 1: height, key length and padding to 8, one
   * next pointer, trailer, value length. Nodes start at multiples of 8.
   */
  private static final int NODE_MIN_OVERHEAD = 8 + 8 + 8 + 4;

  @TempDir Path dir;

  private static byte[] key(int i) {
    return String.format("key%013d", i).getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] value(int round, int i) {
    byte[] v = new byte[100];
    Arrays.fill(v, (byte) (round * 31 + i));
    return v;
  }

  static long prop(StrataDB db, String name) {
    String v = db.getProperty("strata." + name);
    assertThat(v).as(name).isNotNull();
    return Long.parseLong(v);
  }

  private static void scanAll(StrataDB db) {
    try (DBIterator it = db.newIterator(ReadOptions.DEFAULT)) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        assertThat(it.value()).hasSize(100);
      }
    }
  }

  /** What the open readers of {@code fileNumbers} should hold, worked out from their files. */
  private long expectedReaderBytes(FileSystem fs, Iterable<Long> fileNumbers) throws IOException {
    long n = 0;
    for (long f : fileNumbers) {
      n += TableMemory.expectedReaderHeapBytes(fs, FileNames.tablePath(dir, f));
    }
    return n;
  }

  private static List<Long> liveFiles(DbImpl db) {
    List<Long> out = new ArrayList<>();
    for (Level l : db.levelsForProperties()) {
      for (FileMetadata f : l.files()) {
        out.add(f.number());
      }
    }
    return out;
  }

  @Test
  void memtables_afterWrites_holdTheBytesWrittenPlusNodes_andDropToZeroAfterFlush() {
    int shards = 16;
    Options options =
        Options.builder().memtableSizeBytes(16 << 20).memtableShards(shards).build();
    int n = 40_000;
    try (StrataDB db = StrataDB.open(dir, options)) {
      long userBytes = 0;
      for (int i = 0; i < n; i++) {
        db.put(key(i), value(0, i));
        userBytes += 16 + 100;
      }
      long cur = prop(db, "cur-size-all-mem-tables");
      assertThat(prop(db, "num-immutable-memtables")).isZero();
      assertThat(prop(db, "cur-size-active-mem-table")).isEqualTo(cur);
      assertThat(prop(db, "size-all-mem-tables")).isEqualTo(cur);
      assertThat(prop(db, "memtable-bytes")).isEqualTo(cur);
      // Every entry is a node of its key, value, trailer, lengths and 1 to 12 next pointers (1.33
      // on average; 2 is generous over 40,000 nodes), padded to 8 bytes, in byte-array slabs;
      // each shard's last slab is partly empty: at most 1 MiB / 4 here (a quarter of the shard's
      // share of 16 MiB).
      long atLeast = userBytes + (long) NODE_MIN_OVERHEAD * n;
      long atMost = userBytes + (NODE_MIN_OVERHEAD + 8L + 7L) * n + shards * (256L << 10);
      assertThat(cur).isBetween(atLeast, atMost);

      db.flush();
      assertThat(prop(db, "cur-size-all-mem-tables")).isZero();
      assertThat(prop(db, "size-all-mem-tables")).isZero();
      assertThat(prop(db, "estimate-pinned-iterator-mem")).isZero();
    }
  }

  @Test
  void blockCache_usageRisesWithReads_andNeverExceedsCapacity() {
    long capacity = 256 << 10;
    Options options =
        Options.builder().blockCacheBytes(capacity).compression(Compression.NONE).build();
    int n = 20_000;
    try (StrataDB db = StrataDB.open(dir, options)) {
      for (int i = 0; i < n; i++) {
        db.put(key(i), value(0, i));
      }
      db.flush();
      assertThat(prop(db, "block-cache-capacity")).isEqualTo(capacity);
      assertThat(prop(db, "block-cache-usage")).isZero();

      Random rnd = new Random(1);
      long max = 0;
      for (int r = 0; r < 2_000; r++) {
        int i = rnd.nextInt(n);
        assertThat(db.get(key(i))).isEqualTo(value(0, i));
        long used = prop(db, "block-cache-usage");
        if (r == 0) {
          // One 4 KiB block of about 34 entries, with its restart arrays.
          assertThat(used).isBetween(4096L, 6000L);
        }
        assertThat(used).isLessThanOrEqualTo(capacity);
        max = Math.max(max, used);
      }
      // 2.3 MB of data read at random fills the cache.
      assertThat(max).isGreaterThan(capacity * 3 / 4);
      assertThat(prop(db, "block-cache-bytes")).isEqualTo(prop(db, "block-cache-usage"));
    }
  }

  @Test
  void tableReaders_holdIndexFilterAndPropertiesOfOpenTables_andFallWhenCompactedAway()
      throws IOException {
    Options options =
        Options.builder().backgroundCompaction(false).compression(Compression.NONE).build();
    FileSystem fs = options.fileSystem();
    try (StrataDB s = StrataDB.open(dir, options)) {
      DbImpl db = (DbImpl) s;
      // Four level-0 tables, each with a new version of the same 5,000 keys.
      for (int round = 0; round < 4; round++) {
        for (int i = 0; i < 5_000; i++) {
          db.put(key(i), value(round, i));
        }
        db.flush();
      }
      scanAll(db); // opens every table
      List<Long> live = liveFiles(db);
      assertThat(live).hasSize(4);
      long before = prop(db, "estimate-table-readers-mem");
      assertThat(prop(db, "num-open-table-readers")).isEqualTo(4);
      assertThat(before).isEqualTo(expectedReaderBytes(fs, live));
      // 5,000 keys at 10 bloom bits and about 150 index entries of 24-byte keys, per table.
      assertThat(before / 4).isBetween(6_250L + 150 * 48L, 6_250L + 150 * 48L + 3_000L);

      db.compactRange(null, null);
      scanAll(db);
      live = liveFiles(db);
      assertThat(prop(db, "num-open-table-readers")).isEqualTo(live.size());
      long after = prop(db, "estimate-table-readers-mem");
      assertThat(after).isEqualTo(expectedReaderBytes(fs, live)).isLessThan(before / 3);
    }
  }

  @Test
  void tableReaders_beyondMaxOpenFiles_areClosedAndLeaveTheFigure() throws IOException {
    Options options =
        Options.builder()
            .backgroundCompaction(false)
            .maxOpenFiles(16)
            .compression(Compression.NONE)
            .build();
    FileSystem fs = options.fileSystem();
    try (StrataDB s = StrataDB.open(dir, options)) {
      DbImpl db = (DbImpl) s;
      int tables = 24;
      for (int t = 0; t < tables; t++) {
        for (int i = 0; i < 300; i++) {
          db.put(key(t * 1000 + i), value(t, i));
        }
        db.flush();
      }
      List<Long> live = liveFiles(db);
      try (DBIterator it = db.newIterator(ReadOptions.DEFAULT)) {
        it.seekToFirst();
        // The iterator holds every level-0 table: all are open, whatever the cache keeps.
        assertThat(prop(db, "num-open-table-readers")).isEqualTo(tables);
        assertThat(prop(db, "estimate-table-readers-mem"))
            .isEqualTo(expectedReaderBytes(fs, live));
      }
      var cached = db.tablesForProperties().cachedFileNumbers();
      assertThat(cached.size()).isLessThanOrEqualTo(16);
      assertThat(prop(db, "num-open-table-readers")).isEqualTo(cached.size());
      assertThat(prop(db, "estimate-table-readers-mem")).isEqualTo(expectedReaderBytes(fs, cached));
    }
  }

  @Test
  void pinnedMemtable_flushedWhileAnIteratorReadsIt_countsUntilTheIteratorCloses() {
    try (StrataDB db = StrataDB.open(dir, Options.defaults())) {
      for (int i = 0; i < 10_000; i++) {
        db.put(key(i), value(0, i));
      }
      long mem = prop(db, "cur-size-all-mem-tables");
      assertThat(mem).isPositive();
      DBIterator first = db.newIterator(ReadOptions.DEFAULT);
      DBIterator second = db.newIterator(ReadOptions.DEFAULT);
      first.seekToFirst();
      db.flush();

      assertThat(prop(db, "cur-size-all-mem-tables")).isZero();
      assertThat(prop(db, "estimate-pinned-iterator-mem")).isEqualTo(mem);
      assertThat(prop(db, "size-all-mem-tables")).isEqualTo(mem);
      assertThat(prop(db, "estimate-heap-bytes")).isGreaterThanOrEqualTo(mem);
      // An iterator made after the flush reads the table instead and pins nothing more.
      try (DBIterator later = db.newIterator(ReadOptions.DEFAULT)) {
        later.seekToFirst();
        assertThat(prop(db, "estimate-pinned-iterator-mem")).isEqualTo(mem);
      }
      int count = 0;
      for (; first.isValid(); first.next()) {
        count++;
      }
      assertThat(count).isEqualTo(10_000);

      first.close();
      assertThat(prop(db, "estimate-pinned-iterator-mem")).isEqualTo(mem);
      second.close();
      assertThat(prop(db, "estimate-pinned-iterator-mem")).isZero();
      assertThat(prop(db, "size-all-mem-tables")).isZero();
    }
  }

  /**
   * Memtable values off the heap count in the memtable figures and in {@code
   * memtable-off-heap-bytes}, not in {@code estimate-heap-bytes}; a flushed memtable's chunks
   * show as pooled until the next memtable takes them, and a close drops them.
   */
  @Test
  void valuesOffTheHeap_areReportedApart_fromTheHeapEstimate() {
    long memtable = 8L << 20;
    Options options =
        Options.builder().memtableSizeBytes(memtable).blockCacheBytes(1 << 20).jmx(false).build();
    try (StrataDB s = StrataDB.open(dir, options)) {
      DbImpl db = (DbImpl) s;
      byte[] value = new byte[1000];
      Arrays.fill(value, (byte) 'v');
      for (int i = 0; i < 4000; i++) {
        db.put(key(i), value);
      }
      long offHeap = prop(db, "memtable-off-heap-bytes");
      // The first MiB of values stays on the heap; the rest, about 3 MB, is in 1 MiB chunks.
      assertThat(offHeap).isBetween(2L << 20, 4L << 20);
      assertThat(offHeap % dev.strata.memtable.ValueChunkPool.CHUNK_BYTES).isZero();
      long parts =
          prop(db, "size-all-mem-tables")
              - offHeap
              + prop(db, "block-cache-usage")
              + db.blockCache().overheadHeapBytes()
              + prop(db, "estimate-table-readers-mem")
              + prop(db, "compaction-buffer-bytes");
      assertThat(prop(db, "estimate-heap-bytes")).isEqualTo(parts);
      assertThat(db.getProperty("strata.stats"))
          .contains("memory (direct bytes): " + offHeap + " memtable values, 0 of them pooled");

      db.flush();
      assertThat(prop(db, "memtable-off-heap-bytes"))
          .as("the flushed memtable's chunks, pooled for the next")
          .isEqualTo(offHeap);
      assertThat(db.pooledValueChunkBytes()).isEqualTo(offHeap);
      for (int i = 0; i < 4000; i++) {
        db.put(key(i), value);
      }
      assertThat(db.reusedMemtableChunksForTesting()).isPositive();
      s.close();
      assertThat(db.pooledValueChunkBytes()).isZero();
    }
  }

  @Test
  void estimateHeapBytes_isTheSumOfTheParts_andStatsShowIt() {
    Options options = Options.builder().blockCacheBytes(1 << 20).build();
    try (StrataDB s = StrataDB.open(dir, options)) {
      DbImpl db = (DbImpl) s;
      for (int i = 0; i < 20_000; i++) {
        db.put(key(i), value(0, i));
      }
      db.flush();
      for (int i = 20_000; i < 25_000; i++) {
        db.put(key(i), value(0, i));
      }
      for (int i = 0; i < 25_000; i += 7) {
        db.get(key(i));
      }
      long total = prop(db, "estimate-heap-bytes");
      long parts =
          prop(db, "size-all-mem-tables")
              + prop(db, "block-cache-usage")
              + db.blockCache().overheadHeapBytes()
              + prop(db, "estimate-table-readers-mem")
              + prop(db, "compaction-buffer-bytes");
      assertThat(total).isEqualTo(parts);
      assertThat(prop(db, "size-all-mem-tables")).isPositive();
      assertThat(prop(db, "block-cache-usage")).isPositive();
      assertThat(prop(db, "estimate-table-readers-mem")).isPositive();
      assertThat(prop(db, "compaction-buffer-bytes")).isZero();
      assertThat(db.getProperty("strata.stats"))
          .contains("memory (heap bytes): " + total + " estimated")
          .contains("table readers: " + prop(db, "estimate-table-readers-mem") + " in 1 open");
    }
  }

  /**
   * Holds the {@code hit}-th {@code point} reached on a thread whose name starts with {@code
   * thread} until released.
   */
  private static final class Hold {
    final CountDownLatch reached = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);

    Hold(FaultInjectionFileSystem fs, CrashPoint point, String thread, int hit) {
      AtomicInteger hits = new AtomicInteger();
      fs.onCrashPoint(
          p -> {
            if (p == point
                && Thread.currentThread().getName().startsWith(thread)
                && hits.incrementAndGet() == hit) {
              reached.countDown();
              try {
                release.await();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            }
          });
    }
  }

  @Test
  void compactionBuffers_whileACompactionWrites_coverItsBuilder_andReturnToZero()
      throws Exception {
    FaultInjectionFileSystem fs = new FaultInjectionFileSystem(1);
    Path db0 = Path.of("/db");
    Options options = Options.builder().fileSystem(fs).backgroundCompaction(false).build();
    try (StrataDB db = StrataDB.open(db0, options)) {
      for (int round = 0; round < 2; round++) {
        for (int i = 0; i < 5_000; i++) {
          db.put(key(i), value(round, i));
        }
        db.flush();
      }
      assertThat(prop(db, "compaction-buffer-bytes")).isZero();
      // The compaction reaches its second safe point after 1,024 entries went to its builder.
      Hold hold = new Hold(fs, CrashPoint.COMPACTION_MID, "compact-test", 2);
      CompletableFuture<Void> compaction = new CompletableFuture<>();
      new Thread(
              () -> {
                try {
                  db.compactRange(null, null);
                  compaction.complete(null);
                } catch (Throwable t) {
                  compaction.completeExceptionally(t);
                }
              },
              "compact-test")
          .start();
      try {
        assertThat(hold.reached.await(30, TimeUnit.SECONDS)).isTrue();
        long buffers = prop(db, "compaction-buffer-bytes");
        // Of the 1,024 entries merged so far the builder took 512 (each key's older version is
        // dropped): at least their hashes for the filter and a 4 KiB data block.
        assertThat(buffers).isBetween(8L * 512 + 4096, 64L << 10);
        assertThat(prop(db, "estimate-heap-bytes")).isGreaterThan(buffers);
        assertThat(db.getProperty("strata.stats")).contains("table builders: " + buffers);
      } finally {
        hold.release.countDown();
      }
      compaction.get(30, TimeUnit.SECONDS);
      assertThat(prop(db, "compaction-buffer-bytes")).isZero();
    }
  }

  @Test
  void compactionBuffers_whileAFlushWrites_coverItsBuilder_andReturnToZero() throws Exception {
    FaultInjectionFileSystem fs = new FaultInjectionFileSystem(1);
    Options options = Options.builder().fileSystem(fs).build();
    try (StrataDB db = StrataDB.open(Path.of("/db"), options)) {
      for (int i = 0; i < 1_000; i++) {
        db.put(key(i), value(0, i));
      }
      // The flush's builder holds the first entry when it reaches FLUSH_MID.
      Hold hold = new Hold(fs, CrashPoint.FLUSH_MID, "strata-flush", 1);
      CompletableFuture<Void> flush = CompletableFuture.runAsync(db::flush);
      try {
        assertThat(hold.reached.await(30, TimeUnit.SECONDS)).isTrue();
        // A fresh builder: data and index block buffers, 256 hashes, key copies.
        assertThat(prop(db, "compaction-buffer-bytes")).isBetween(4096L, 16L << 10);
      } finally {
        hold.release.countDown();
      }
      flush.get(30, TimeUnit.SECONDS);
      assertThat(prop(db, "compaction-buffer-bytes")).isZero();
    }
  }
}
