package dev.strata.memtable;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.strata.key.InternalIterator;
import dev.strata.key.ValueKind;
import dev.strata.stats.LockWaits;
import dev.strata.util.HeapRegions;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Slabs carved from region-sized chunks ({@link SlabChunks}): windows never overlap, every entry
 * stays readable wherever its window sits in a chunk, the point-lookup index keeps working with
 * offsets beyond 1 MiB, and G1 never copies the chunks.
 */
class SlabChunksTest {
  private static final long MIB = 1 << 20;

  @Test
  void forMemtable_usesChunksOnlyUnderG1_andForMemtablesOfTwoRegionsOrMore() {
    assertThat(HeapRegions.g1RegionBytes()).as("the tests' heap of 2 GiB has 1 MiB regions under G1")
        .isIn(0L, MIB);
    assertThat(SlabChunks.forMemtable(64 * MIB, 0)).as("not G1").isNull();
    assertThat(SlabChunks.forMemtable(4 * MIB, 4 * MIB)).as("a memtable smaller than two regions").isNull();
    assertThat(SlabChunks.forMemtable(8 * MIB, 4 * MIB).chunkBytes()).isEqualTo((int) (4 * MIB) - 64);
    assertThat(SlabChunks.forMemtable(64 * MIB, 32 * MIB).chunkBytes()).isEqualTo((int) (32 * MIB) - 64);
    assertThat(SlabChunks.forMemtable(1024 * MIB, 64 * MIB)).as("regions beyond the index's offsets").isNull();
  }

  @Test
  void take_packsWindowsIntoAChunk_andStartsANewOneWhenTheRestIsTooShort() {
    SlabChunks chunks = new SlabChunks(10_000, 0);
    SlabChunks.Window a = chunks.take(100, 4096);
    SlabChunks.Window b = chunks.take(100, 4096);
    assertThat(b.array()).isSameAs(a.array());
    assertThat(b.offset()).isEqualTo(4096);
    SlabChunks.Window c = chunks.take(100, 4096);
    assertThat(c.array()).as("the rest of the chunk, shorter than preferred").isSameAs(a.array());
    assertThat(c.offset()).isEqualTo(8192);
    assertThat(c.length()).isEqualTo(10_000 - 8192);
    SlabChunks.Window d = chunks.take(100, 4096);
    assertThat(d.array()).isNotSameAs(a.array());
    assertThat(d.offset()).isZero();
    SlabChunks.Window e = chunks.take(6000, 8192);
    assertThat(e.array()).as("5,904 bytes left: too short for 6,000").isNotSameAs(d.array());
    assertThat(chunks.chunkCount()).isEqualTo(3);
    assertThatThrownBy(() -> chunks.take(20_000, 20_000)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> chunks.take(200, 100)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void take_capsWindowsAtMaxWindow_unlessOneEntryNeedsMore() {
    SlabChunks chunks = new SlabChunks((4 << 20) - 64, 0);
    assertThat(chunks.take(100, 1 << 20).length()).isEqualTo(SlabChunks.MAX_WINDOW);
    assertThat(chunks.take(100, 4096).length()).as("smaller requests as asked").isEqualTo(4096);
    assertThat(chunks.take(300 << 10, 1 << 20).length()).as("one entry of 300 KiB")
        .isEqualTo(300 << 10);
  }

  /**
   * A window counts in the memtable's size when it is taken, and at a switch each shard's last
   * window is partly empty: with 1 MiB windows a full 64 MiB memtable of 16 shards held about
   * 289,000 entries of 16 + 100 bytes, with windows of at most 256 KiB about 339,000.
   */
  @Test
  void fullMemtableOnChunks_isMostlyEntries_notEmptyWindowTails() {
    ShardedMemtable m =
        new ShardedMemtable(
            16, 64L << 20, dev.strata.stats.LockWaits.NONE, new SlabChunks((4 << 20) - 64, 8L << 20));
    MemtableHeapAccountingTest.fillUntilFull(m, new java.util.Random(3));
    assertThat(m.entryCount()).isGreaterThan(320_000);
  }

  @Test
  void firstSlabs_areArraysOfTheirOwn_soAnIdleMemtableHoldsNoRegion() {
    SlabChunks chunks = new SlabChunks(10_000, 12_000);
    assertThat(chunks.take(100, 4096)).isNull();
    assertThat(chunks.take(100, 8192)).isNull();
    assertThat(chunks.take(100, 4096)).as("12,288 bytes handed out on their own").isNotNull();
    assertThat(chunks.chunkCount()).isEqualTo(1);

    // Sixteen shards of a 64 MiB memtable under 4 MiB regions, a thousand writes: a few KiB each.
    SlabChunks regions = new SlabChunks((int) (4 * MIB) - 64);
    ShardedMemtable m = new ShardedMemtable(16, 64 * MIB, LockWaits.NONE, regions);
    for (int i = 0; i < 1000; i++) {
      m.add(i + 1, ValueKind.VALUE, ("key" + i).getBytes(), new byte[100]);
    }
    assertThat(regions.chunkCount()).isZero();
    assertThat(m.approximateBytes()).isLessThan(MIB);
  }

  @Test
  void windowsTakenByManyThreads_neverOverlap() throws Exception {
    SlabChunks chunks = new SlabChunks(1 << 16, 0);
    int threads = 8;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<List<SlabChunks.Window>>> results = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int seed = t;
      results.add(pool.submit(() -> {
        Random rnd = new Random(seed);
        List<SlabChunks.Window> got = new ArrayList<>();
        start.await();
        for (int i = 0; i < 2000; i++) {
          int min = 1 + rnd.nextInt(4096);
          got.add(chunks.take(min, min + rnd.nextInt(8192)));
        }
        return got;
      }));
    }
    start.countDown();
    Map<byte[], List<SlabChunks.Window>> byChunk = new IdentityHashMap<>();
    for (Future<List<SlabChunks.Window>> f : results) {
      for (SlabChunks.Window w : f.get()) {
        byChunk.computeIfAbsent(w.array(), k -> new ArrayList<>()).add(w);
      }
    }
    pool.shutdown();
    for (List<SlabChunks.Window> ws : byChunk.values()) {
      ws.sort((x, y) -> Integer.compare(x.offset(), y.offset()));
      for (int i = 1; i < ws.size(); i++) {
        assertThat(ws.get(i).offset()).isGreaterThanOrEqualTo(ws.get(i - 1).offset() + ws.get(i - 1).length());
      }
      // Odd lengths above: every window still starts where a node may (a multiple of 8).
      assertThat(ws).allSatisfy(w -> assertThat(w.offset() % 8).isZero());
      SlabChunks.Window last = ws.get(ws.size() - 1);
      assertThat(last.offset() + last.length()).isLessThanOrEqualTo(1 << 16);
    }
    assertThat(byChunk).hasSize(chunks.chunkCount());
  }

  /**
   * Sixteen shards sharing 4 MiB chunks, as under the default heap of a 24 GiB machine: entries
   * land at offsets up to 4 MiB in arrays other shards also write, and every lookup, iterator and
   * overwrite must still see exactly the model's contents; the index must not give up (it once did
   * at the first node past 1 MiB, and lookups fell back to searching the list).
   */
  @Test
  void memtableOnSharedChunks_matchesModel_andKeepsItsIndex() {
    SlabChunks chunks = new SlabChunks((int) (4 * MIB) - 64);
    ShardedMemtable m = new ShardedMemtable(16, 256 * MIB, LockWaits.NONE, chunks);
    TreeMap<String, byte[]> model = new TreeMap<>();
    Random rnd = new Random(42);
    long seq = 0;
    for (int i = 0; i < 200_000; i++) {
      String k = String.format("key%08d", rnd.nextInt(120_000));
      byte[] v = new byte[rnd.nextInt(200)];
      rnd.nextBytes(v);
      // Now and then a value larger than a quarter slab: a slab of its own, outside the chunks.
      if (rnd.nextInt(5000) == 0) {
        v = new byte[300_000];
        rnd.nextBytes(v);
      }
      m.add(++seq, ValueKind.VALUE, k.getBytes(), v);
      model.put(k, v);
    }
    assertThat(chunks.chunkCount()).as("the entries filled several chunks").isGreaterThan(4);
    for (int s = 0; s < 16; s++) {
      assertThat(m.shardForTesting(s).indexGaveUpForTesting()).as("shard %d's index", s).isFalse();
    }
    for (Map.Entry<String, byte[]> e : model.entrySet()) {
      assertThat(m.get(e.getKey().getBytes(), Long.MAX_VALUE)).as(e.getKey()).isEqualTo(e.getValue());
    }
    assertThat(m.get("absent".getBytes(), Long.MAX_VALUE)).isNull();
    Map<String, byte[]> seen = new HashMap<>();
    try (InternalIterator it = m.newIterator()) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        // Newest version first: the model's value.
        seen.putIfAbsent(new String(it.userKey()), it.value());
      }
    }
    assertThat(seen).hasSameSizeAs(model);
    for (Map.Entry<String, byte[]> e : model.entrySet()) {
      assertThat(seen.get(e.getKey())).as(e.getKey()).isEqualTo(e.getValue());
    }
  }

  /**
   * Writers on every shard at once take windows of the same small chunks (so that windows of
   * different shards sit side by side and chunks change often) while readers look keys up: a
   * reader sees for each key either nothing or a value some writer wrote for that key, and once
   * the writers are done every key holds its last value.
   */
  @Test
  void concurrentWritersAndReaders_onSharedChunks_seeOnlyWrittenValues() throws Exception {
    SlabChunks chunks = new SlabChunks(64 * 1024, 0);
    ShardedMemtable m = new ShardedMemtable(16, 1L << 40, LockWaits.NONE, chunks);
    int writers = 4;
    int keysPerWriter = 3000;
    int rounds = 8;
    ExecutorService pool = Executors.newFixedThreadPool(writers + 2);
    CountDownLatch start = new CountDownLatch(1);
    java.util.concurrent.atomic.AtomicLong seq = new java.util.concurrent.atomic.AtomicLong();
    java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
    List<Future<?>> futures = new ArrayList<>();
    for (int w = 0; w < writers; w++) {
      int writer = w;
      futures.add(pool.submit(() -> {
        start.await();
        for (int round = 0; round < rounds; round++) {
          for (int i = 0; i < keysPerWriter; i++) {
            m.add(seq.incrementAndGet(), ValueKind.VALUE, key(writer, i), value(writer, i, round));
          }
        }
        return null;
      }));
    }
    List<Future<Long>> readers = new ArrayList<>();
    for (int r = 0; r < 2; r++) {
      int seed = r;
      readers.add(pool.submit(() -> {
        Random rnd = new Random(seed);
        long checked = 0;
        start.await();
        while (!done.get() || checked < 10_000) {
          int writer = rnd.nextInt(writers);
          int i = rnd.nextInt(keysPerWriter);
          byte[] v = m.get(key(writer, i), Long.MAX_VALUE);
          if (v != null) {
            String s = new String(v, java.nio.charset.StandardCharsets.ISO_8859_1);
            String prefix = "w" + writer + "-k" + i + "-r";
            assertThat(s).startsWith(prefix);
            int round = Integer.parseInt(s.substring(prefix.length(), s.indexOf('.')));
            assertThat(v).isEqualTo(value(writer, i, round));
          }
          checked++;
        }
        return checked;
      }));
    }
    start.countDown();
    for (Future<?> f : futures) {
      f.get();
    }
    done.set(true);
    for (Future<Long> f : readers) {
      assertThat(f.get()).isGreaterThanOrEqualTo(10_000);
    }
    pool.shutdown();
    assertThat(chunks.chunkCount()).as("the writers went through many chunks").isGreaterThan(50);
    for (int w = 0; w < writers; w++) {
      for (int i = 0; i < keysPerWriter; i++) {
        assertThat(m.get(key(w, i), Long.MAX_VALUE)).isEqualTo(value(w, i, rounds - 1));
      }
    }
    for (int s = 0; s < 16; s++) {
      assertThat(m.shardForTesting(s).indexGaveUpForTesting()).isFalse();
    }
  }

  private static byte[] key(int writer, int i) {
    return ("key-" + writer + "-" + i).getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
  }

  /** A value naming its key and round, padded to a length that varies with both. */
  private static byte[] value(int writer, int i, int round) {
    String head = "w" + writer + "-k" + i + "-r" + round + ".";
    StringBuilder sb = new StringBuilder(head);
    for (int n = (i * 7 + round * 13) % 150; n > 0; n--) {
      sb.append((char) ('a' + (n + i) % 26));
    }
    return sb.toString().getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
  }

  /**
   * The point of the chunks: under G1, young collections never copy the memtable's bytes. JFR
   * reports every object a collection copies outside a PLAB (all large arrays); with chunks no
   * array of a slab's size or more is among them, while the same fill with slabs of their own
   * (256 KiB, below half a region) is copied, which shows the check can fail.
   */
  @Test
  void chunks_areNeverCopiedByYoungCollections(@TempDir Path dir) throws Exception {
    long region = HeapRegions.g1RegionBytes();
    if (region == 0) {
      assertThat(SlabChunks.forMemtable(1L << 30)).as("without G1, no chunks").isNull();
      return;
    }
    assertThat(copiedLargeArrays(dir.resolve("chunks.jfr"), 64 * MIB, SlabChunks.forMemtable(64 * MIB, region)))
        .as("slab-sized arrays copied with chunks").isZero();
    assertThat(copiedLargeArrays(dir.resolve("own.jfr"), 4 * MIB, null))
        .as("slab-sized arrays copied with slabs of their own").isPositive();
  }

  /**
   * Bytes of slab-sized byte arrays (a power of two less 64 bytes, from 200 KiB: the 256 KiB slabs
   * or the chunks) that young collections copied while a memtable filled. Other arrays are left
   * out: a collection during the recording also copies whatever earlier tests left alive.
   */
  private static long copiedLargeArrays(Path file, long budget, SlabChunks chunks) throws Exception {
    GarbageCollectorMXBean young = ManagementFactory.getGarbageCollectorMXBeans().stream()
        .filter(b -> b.getName().contains("Young")).findFirst().orElseThrow();
    // The memtable's first slabs are arrays of their own (two regions' worth, and the control's
    // all along): fill past them, and let a full collection move them to the old generation, so
    // that what the recording sees is the fill once chunks are in use.
    ShardedMemtable m = new ShardedMemtable(4, budget, LockWaits.NONE, chunks);
    Random rnd = new Random(7);
    long seq = 0;
    while (m.approximateBytes() < 4 * MIB) {
      byte[] k = new byte[16];
      rnd.nextBytes(k);
      m.add(++seq, ValueKind.VALUE, k, new byte[100]);
    }
    System.gc();
    try (Recording r = new Recording()) {
      r.enable("jdk.PromoteObjectOutsidePLAB");
      r.start();
      // 16 MiB of memtable, with garbage between the writes so that young collections run while
      // the newer slabs are young. A budget of 4 MiB over 4 shards gives slabs of 256 KiB.
      long collections = young.getCollectionCount();
      Object[] keep = new Object[64];
      while (m.approximateBytes() < 16 * MIB || young.getCollectionCount() < collections + 3) {
        byte[] k = new byte[16];
        rnd.nextBytes(k);
        m.add(++seq, ValueKind.VALUE, k, new byte[100]);
        for (int i = 0; i < 16; i++) {
          keep[(int) (seq & 63)] = new byte[1024];
        }
        if (seq > 50_000_000) {
          throw new AssertionError("no young collection in 50M writes");
        }
      }
      r.stop();
      r.dump(file);
    }
    long copied = 0;
    for (RecordedEvent e : RecordingFile.readAllEvents(file)) {
      // JFR names array classes by their descriptor: "[B" is byte[]. The size includes the
      // 16-byte array header.
      long length = e.getLong("objectSize") - 16;
      if (length >= 200 * 1024 && Long.bitCount(length + 64) == 1
          && "[B".equals(e.getClass("objectClass").getName())) {
        copied += length;
      }
    }
    assertThat(m.entryCount()).isPositive();
    Files.deleteIfExists(file);
    return copied;
  }
}
