package dev.strata.sstable;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.strata.Compression;
import dev.strata.fs.FileSystem;
import dev.strata.key.InternalIterator;
import dev.strata.key.InternalKey;
import dev.strata.key.Lookup;
import dev.strata.key.Trailer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class TableReaderTest {
  private final FileSystem fs = FileSystem.nio();
  @TempDir Path dir;

  static Stream<Arguments> configurations() {
    List<Arguments> out = new ArrayList<>();
    for (Compression c : Compression.values()) {
      for (int blockSize : new int[] {64, 512, 4096, 65536}) {
        out.add(Arguments.of(c, blockSize));
      }
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{0} {1}B")
  @MethodSource("configurations")
  void roundTrip_compressionAndBlockSize_iteratorAndGetMatchModel(
      Compression compression, int blockSize) throws IOException {
    Random rnd = new Random(TestSeed.forTest("roundTrip " + compression + " " + blockSize));
    List<Entry> entries = Entry.random(rnd, 1500, 4, 60);
    TableOptions options = new TableOptions(blockSize, 1 + rnd.nextInt(16), compression, 10);
    Path path = dir.resolve("000001.sst");
    TableProperties written = Tables.write(fs, path, entries, options);
    // Without a cache every lookup decodes a whole block: keep that to the small blocks.
    BlockCache cache = BlockCache.create(blockSize <= 512 && rnd.nextBoolean() ? 0 : 4 << 20);
    try (TableReader reader = Tables.open(fs, path, cache)) {
      assertThat(reader.properties().entryCount()).isEqualTo(entries.size());
      assertThat(reader.properties().fileSize())
          .isEqualTo(written.fileSize())
          .isEqualTo(fs.size(path));
      try (InternalIterator it = reader.newIterator(true, true)) {
        assertThat(Tables.scanForward(it)).containsExactlyElementsOf(entries);
        assertThat(Tables.scanBackward(it)).containsExactlyElementsOf(entries);
      }
      checkGets(reader, entries, rnd);
    }
  }

  /** Every key at several snapshots, plus absent keys, against the model. */
  private static void checkGets(TableReader reader, List<Entry> entries, Random rnd) {
    TreeMap<String, List<Entry>> model = Entry.byUserKey(entries);
    long maxSequence = entries.stream().mapToLong(Entry::sequence).max().orElse(0);
    long[] snapshots = {0, 1, maxSequence / 3, maxSequence / 2, maxSequence, maxSequence + 100, 0};
    for (List<Entry> versions : model.values()) {
      byte[] key = versions.get(0).userKey();
      snapshots[snapshots.length - 1] = versions.get(rnd.nextInt(versions.size())).sequence();
      for (long snapshot : snapshots) {
        Entry expected = Entry.visible(model, key, snapshot);
        byte[] actual = reader.get(key, snapshot, rnd.nextBoolean(), rnd.nextBoolean());
        byte[] told = reader.get(key, snapshot, rnd.nextBoolean(), rnd.nextBoolean(), true);
        String at = new String(key, UTF_8) + "@" + snapshot;
        // Detecting newer versions, the table answers only when its newest version of the key is
        // visible: one above the read may have replaced (in a compaction) the one it should see.
        boolean newerExists = versions.stream().anyMatch(v -> v.sequence() > snapshot);
        if (newerExists) {
          assertThat(Lookup.isNewerOnly(told)).as("get %s newer only", at).isTrue();
        }
        if (expected == null) {
          assertThat(actual).as("get %s", at).isNull();
          // Every key of the model has versions: here all of them are above the snapshot.
          assertThat(Lookup.isNewerOnly(told)).as("get %s newer only", at).isTrue();
        } else if (expected.isDelete()) {
          assertThat(Lookup.isDeleted(actual)).as("get %s deleted", at).isTrue();
          if (!newerExists) {
            assertThat(Lookup.isDeleted(told)).as("get %s deleted, detecting newer", at).isTrue();
          }
        } else {
          assertThat(actual).as("get %s", at).isEqualTo(expected.value());
          if (!newerExists) {
            assertThat(told).as("get %s, detecting newer", at).isEqualTo(expected.value());
          }
        }
      }
      byte[] absent = Arrays.copyOf(key, key.length + 1);
      assertThat(reader.get(absent, maxSequence, true, true)).isNull();
      assertThat(reader.get(absent, 0, true, true, true)).as("absent is not newer-only").isNull();
    }
    assertThat(reader.get(new byte[0], maxSequence, true, true)).isNull();
    assertThat(reader.get(new byte[] {(byte) 0xFF}, maxSequence, true, true)).isNull();
  }

  /**
   * A thread's point lookups reuse one block cursor across tables (its key buffer grows to the
   * longest key it met): gets that alternate between a table of short keys and one of keys of
   * several KiB, with short keys that share a long key's first bytes, still match each table.
   */
  @Test
  void gets_alternatingBetweenShortAndLongKeyTables_matchEach() throws IOException {
    Random rnd = new Random(TestSeed.forTest("alternating key lengths"));
    List<Entry> shortKeys = new ArrayList<>();
    List<Entry> longKeys = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      String k = String.format("k%05d", i);
      shortKeys.add(Entry.put(k, 1 + i, "short-" + i));
      longKeys.add(Entry.put(k + "/" + "L".repeat(1000 + rnd.nextInt(3000)), 1 + i, "long-" + i));
    }
    TableOptions options = new TableOptions(4096, 16, Compression.LZ4, 10);
    Path a = dir.resolve("000001.sst");
    Path b = dir.resolve("000002.sst");
    Tables.write(fs, a, shortKeys, options);
    Tables.write(fs, b, longKeys, options);
    BlockCache cache = BlockCache.create(1 << 20);
    try (TableReader shortTable = Tables.open(fs, a, cache);
        TableReader longTable = Tables.open(fs, b, cache)) {
      for (int round = 0; round < 3; round++) {
        for (int i = 0; i < 200; i++) {
          Entry s = shortKeys.get(rnd.nextInt(200));
          Entry l = longKeys.get(rnd.nextInt(200));
          assertThat(longTable.get(l.userKey(), 1_000, true, true)).isEqualTo(l.value());
          assertThat(shortTable.get(s.userKey(), 1_000, true, true)).isEqualTo(s.value());
          // A long key's short prefix is absent from the long table, and the reverse.
          assertThat(longTable.get(s.userKey(), 1_000, true, true)).isNull();
          assertThat(shortTable.get(l.userKey(), 1_000, true, true)).isNull();
        }
      }
    }
  }

  @Test
  void iterator_seekAndSeekForPrevAcrossBlocks_matchModel() throws IOException {
    Random rnd = new Random(TestSeed.forTest("seekAcrossBlocks"));
    List<Entry> entries = Entry.random(rnd, 400, 3, 20);
    Path path = dir.resolve("000002.sst");
    Tables.write(fs, path, entries, new TableOptions(128, 3, Compression.LZ4, 10));
    try (TableReader reader = Tables.open(fs, path, BlockCache.create(1 << 16));
        InternalIterator it = reader.newIterator(true, true)) {
      assertThat(reader.properties().dataBlockCount()).isGreaterThan(20);
      for (int i = 0; i < entries.size(); i++) {
        Entry e = entries.get(i);
        it.seek(e.userKey(), e.trailer());
        assertThat(current(it)).isEqualTo(e);
        it.seek(e.userKey(), e.trailer() - 1);
        assertThat(currentOrNull(it)).isEqualTo(i + 1 < entries.size() ? entries.get(i + 1) : null);
        it.seekForPrev(e.userKey(), e.trailer());
        assertThat(current(it)).isEqualTo(e);
        it.seekForPrev(e.userKey(), e.trailer() + 1);
        assertThat(currentOrNull(it)).isEqualTo(i > 0 ? entries.get(i - 1) : null);
        if (i > 0) {
          it.seek(e.userKey(), e.trailer());
          it.prev();
          assertThat(current(it)).isEqualTo(entries.get(i - 1));
          it.next();
          assertThat(current(it)).isEqualTo(e);
        }
      }
      it.seek(new byte[] {(byte) 0xFF}, 0);
      assertThat(it.isValid()).isFalse();
      it.seekForPrev(new byte[] {(byte) 0xFF}, 0);
      assertThat(current(it)).isEqualTo(entries.get(entries.size() - 1));
      it.seekForPrev(new byte[0], Long.MAX_VALUE);
      assertThat(it.isValid()).isFalse();
      it.seek(new byte[0], Long.MAX_VALUE);
      assertThat(current(it)).isEqualTo(entries.get(0));
    }
  }

  @Test
  void emptyTable_writesAndReads_iteratorInvalidAndGetNull() throws IOException {
    Path path = dir.resolve("000003.sst");
    TableProperties written = Tables.write(fs, path, List.of(), TableOptions.defaults());
    assertThat(written.isEmpty()).isTrue();
    assertThat(written.dataBlockCount()).isZero();
    try (TableReader reader = Tables.open(fs, path, BlockCache.create(0));
        InternalIterator it = reader.newIterator(true, true)) {
      assertThat(reader.properties().smallestKey()).isEmpty();
      assertThat(reader.properties().smallestUserKey()).isEmpty();
      assertThat(reader.get("a".getBytes(UTF_8), 10, true, true)).isNull();
      it.seekToFirst();
      assertThat(it.isValid()).isFalse();
      it.seekToLast();
      assertThat(it.isValid()).isFalse();
      it.seek("a".getBytes(UTF_8), 0);
      assertThat(it.isValid()).isFalse();
      it.seekForPrev("a".getBytes(UTF_8), 0);
      assertThat(it.isValid()).isFalse();
    }
  }

  @Test
  void oneEntryTable_restartIntervalOne_roundTrips() throws IOException {
    Path path = dir.resolve("000004.sst");
    Entry only = Entry.put("k", 7, "v");
    Tables.write(fs, path, List.of(only), new TableOptions(64, 1, Compression.NONE, 10));
    try (TableReader reader = Tables.open(fs, path, BlockCache.create(1024));
        InternalIterator it = reader.newIterator(true, true)) {
      assertThat(Tables.scanForward(it)).containsExactly(only);
      assertThat(Tables.scanBackward(it)).containsExactly(only);
      assertThat(reader.get("k".getBytes(UTF_8), 7, true, true)).isEqualTo("v".getBytes(UTF_8));
      assertThat(reader.get("k".getBytes(UTF_8), 6, true, true)).isNull();
      TableProperties p = reader.properties();
      assertThat(p.smallestUserKey()).isEqualTo("k".getBytes(UTF_8));
      assertThat(p.largestUserKey()).isEqualTo("k".getBytes(UTF_8));
      assertThat(p.smallestSequence()).isEqualTo(7);
      assertThat(p.largestSequence()).isEqualTo(7);
    }
  }

  @Test
  void properties_afterWrite_describeTheTable() throws IOException {
    Random rnd = new Random(TestSeed.forTest("properties"));
    List<Entry> entries = Entry.random(rnd, 300, 3, 30);
    Path path = dir.resolve("000005.sst");
    long before = System.currentTimeMillis();
    TableProperties written =
        Tables.write(fs, path, entries, new TableOptions(1024, 16, Compression.LZ4, 10));
    try (TableReader reader = Tables.open(fs, path, BlockCache.create(0))) {
      TableProperties read = reader.properties();
      assertThat(read.toString()).isEqualTo(written.toString());
      assertThat(read.entryCount()).isEqualTo(entries.size());
      assertThat(read.tombstoneCount()).isEqualTo(entries.stream().filter(Entry::isDelete).count());
      Entry first = entries.get(0);
      Entry last = entries.get(entries.size() - 1);
      assertThat(read.smallestKey())
          .isEqualTo(InternalKey.encode(first.userKey(), first.trailer()));
      assertThat(read.largestKey()).isEqualTo(InternalKey.encode(last.userKey(), last.trailer()));
      assertThat(read.smallestSequence())
          .isEqualTo(entries.stream().mapToLong(Entry::sequence).min().orElseThrow());
      assertThat(read.largestSequence())
          .isEqualTo(entries.stream().mapToLong(Entry::sequence).max().orElseThrow());
      assertThat(read.rawKeyBytes())
          .isEqualTo(entries.stream().mapToLong(e -> e.userKey().length + 8).sum());
      assertThat(read.rawValueBytes())
          .isEqualTo(entries.stream().mapToLong(e -> e.value().length).sum());
      assertThat(read.creationTimeMillis()).isBetween(before, System.currentTimeMillis());
      assertThat(read.compression()).isEqualTo(Compression.LZ4);
      assertThat(read.bloomBitsPerKey()).isEqualTo(10);
      assertThat(read.dataBlockCount()).isEqualTo(reader.index().size());
    }
  }

  @Test
  void get_filterSaysAbsent_readsNoBlock() throws IOException {
    List<Entry> entries = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      entries.add(Entry.put(String.format("key%05d", i), i + 1, "value" + i));
    }
    Path path = dir.resolve("000006.sst");
    Tables.write(fs, path, entries, new TableOptions(4096, 16, Compression.NONE, 10));
    try (TableReader reader = Tables.open(fs, path, BlockCache.create(0))) {
      int absentLookups = 2000;
      int filteredCount = 0;
      for (int i = 0; i < absentLookups; i++) {
        byte[] key = String.format("nope%05d", i).getBytes(UTF_8);
        long readsBefore = reader.blockReadCount();
        boolean filtered = !reader.mayContain(key);
        assertThat(reader.get(key, Trailer.MAX_SEQUENCE >>> 1, true, false)).isNull();
        if (filtered) {
          filteredCount++;
          assertThat(reader.blockReadCount()).isEqualTo(readsBefore);
        }
      }
      assertThat(filteredCount).isGreaterThan(absentLookups * 95 / 100);
      assertThat(reader.blockReadCount()).isLessThanOrEqualTo(absentLookups - filteredCount);
    }
  }

  @Test
  void blockCache_secondScan_readsNoBlocks() throws IOException {
    Random rnd = new Random(TestSeed.forTest("blockCache"));
    List<Entry> entries = Entry.random(rnd, 500, 2, 30);
    Path path = dir.resolve("000007.sst");
    Tables.write(fs, path, entries, new TableOptions(512, 16, Compression.LZ4, 10));
    BlockCache cache = BlockCache.create(8 << 20);
    try (TableReader reader = Tables.open(fs, path, cache)) {
      try (InternalIterator it = reader.newIterator(false, true)) {
        Tables.scanForward(it);
      }
      long reads = reader.blockReadCount();
      assertThat(reads).isEqualTo(reader.properties().dataBlockCount());
      assertThat(cache.usedBytes()).isPositive();
      try (InternalIterator it = reader.newIterator(true, true)) {
        assertThat(Tables.scanForward(it)).containsExactlyElementsOf(entries);
      }
      assertThat(reader.blockReadCount()).isEqualTo(reads);
      assertThat(cache.hits()).isPositive();
    }
    assertThat(cache.usedBytes()).as("closing a reader evicts its blocks").isZero();
  }

  @Test
  void blockCache_fillCacheFalse_leavesCacheEmpty() throws IOException {
    List<Entry> entries = Entry.random(new Random(1), 200, 2, 30);
    Path path = dir.resolve("000008.sst");
    Tables.write(fs, path, entries, new TableOptions(512, 16, Compression.NONE, 10));
    BlockCache cache = BlockCache.create(8 << 20);
    try (TableReader reader = Tables.open(fs, path, cache);
        InternalIterator it = reader.newIterator(true, false)) {
      assertThat(Tables.scanForward(it)).containsExactlyElementsOf(entries);
      assertThat(cache.usedBytes()).isZero();
    }
  }

  @Test
  void get_afterClose_throwsIllegalState() throws IOException {
    Path path = dir.resolve("000009.sst");
    Tables.write(fs, path, List.of(Entry.put("a", 1, "x")), TableOptions.defaults());
    TableReader reader = Tables.open(fs, path, BlockCache.create(0));
    reader.close();
    reader.close();
    assertThatThrownBy(() -> reader.get("a".getBytes(UTF_8), 1, true, true))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void concurrentGets_manyThreads_allMatchModel() throws Exception {
    Random rnd = new Random(TestSeed.forTest("concurrentGets"));
    List<Entry> entries = Entry.random(rnd, 2000, 2, 30);
    Path path = dir.resolve("000010.sst");
    Tables.write(fs, path, entries, new TableOptions(1024, 16, Compression.LZ4, 10));
    TreeMap<String, List<Entry>> model = Entry.byUserKey(entries);
    List<byte[]> keys = model.values().stream().map(v -> v.get(0).userKey()).toList();
    // A cache smaller than the table, so that threads both hit and fill it.
    try (TableReader reader = Tables.open(fs, path, BlockCache.create(256 << 10))) {
      int threads = 4;
      java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(threads);
      List<java.util.concurrent.Future<?>> done = new ArrayList<>();
      java.util.concurrent.ExecutorService pool =
          java.util.concurrent.Executors.newFixedThreadPool(threads);
      try {
        for (int t = 0; t < threads; t++) {
          long seed = rnd.nextLong();
          done.add(
              pool.submit(
                  () -> {
                    Random local = new Random(seed);
                    start.await();
                    for (int i = 0; i < 3000; i++) {
                      byte[] key = keys.get(local.nextInt(keys.size()));
                      Entry expected = Entry.visible(model, key, Long.MAX_VALUE >>> 9);
                      byte[] actual = reader.get(key, Long.MAX_VALUE >>> 9, true, true);
                      if (expected.isDelete()) {
                        assertThat(Lookup.isDeleted(actual)).isTrue();
                      } else {
                        assertThat(actual).isEqualTo(expected.value());
                      }
                    }
                    return null;
                  }));
        }
        for (java.util.concurrent.Future<?> f : done) {
          f.get();
        }
      } finally {
        pool.shutdownNow();
      }
    }
  }

  private static Entry current(InternalIterator it) {
    assertThat(it.isValid()).isTrue();
    return new Entry(it.userKey(), it.trailer(), it.value());
  }

  private static Entry currentOrNull(InternalIterator it) {
    return it.isValid() ? new Entry(it.userKey(), it.trailer(), it.value()) : null;
  }
}
