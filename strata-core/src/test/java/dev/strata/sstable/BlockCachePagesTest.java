package dev.strata.sstable;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * Cached blocks live in pages that an eviction hands to the next block at once ({@link
 * BlockPages}): a lookup that copied an entry's pages after its removal must miss, never return
 * the bytes of the block that took them; and the pages follow the capacity.
 */
class BlockCachePagesTest {
  /** A block of one entry whose key and value name {@code id}, about {@code valueBytes} long. */
  private static Block block(long id, int valueBytes) {
    String value = Long.toString(id).repeat(Math.max(1, valueBytes / Long.toString(id).length()));
    return BlockTest.build(List.of(Entry.put("key" + id, 1, value)), 16);
  }

  /** The id a block's only key names. */
  private static long idOf(Block b) {
    BlockIterator it = new BlockIterator(b);
    it.seekToFirst();
    assertThat(it.isValid()).isTrue();
    long id = Long.parseLong(new String(it.userKey()).substring(3));
    assertThat(new String(it.value())).as("value of block %d", id).startsWith(Long.toString(id));
    return id;
  }

  @Test
  void aLookupThatCopiedAnEvictedEntry_misses_evenWhenItsPagesHoldAnotherBlock() {
    BlockCache cache = BlockCache.create(64 << 10);
    cache.add(1, 0, block(111, 2000));
    BlockCache.Entry stale = cache.entryForTesting(1, 0);
    int[] stalePages = stale.pages.clone();
    assertThat(idOf(cache.copyOut(stale, null))).isEqualTo(111);

    // Evicted (its table dropped), and another block of the same size takes the same pages.
    cache.evictBlocks(1, new long[] {0});
    cache.add(2, 0, block(222, 2000));
    assertThat(cache.entryForTesting(2, 0).pages).containsExactlyInAnyOrder(stalePages);

    long lost = cache.lostRaces();
    assertThat(cache.copyOut(stale, null)).as("the stale entry's copy").isNull();
    assertThat(cache.copyOut(stale, new StoredBlock.Scratch())).isNull();
    assertThat(cache.lostRaces()).isEqualTo(lost + 2);
    assertThat(idOf(cache.get(2, 0))).isEqualTo(222);
    assertThat(cache.get(1, 0)).isNull();
  }

  @Test
  void aHitIsACopy_thatLaterEvictionsAndInsertsLeaveAlone() {
    BlockCache cache = BlockCache.create(16 << 10);
    cache.add(1, 0, block(7, 3000));
    Block held = cache.get(1, 0);
    StoredBlock.Scratch scratch = new StoredBlock.Scratch();
    Block inScratch = cache.get(1, 0, scratch);
    assertThat(inScratch.data()).isSameAs(scratch.contents);
    for (int i = 1; i < 50; i++) {
      cache.add(1, i * 4096L, block(1000 + i, 3000));
    }
    assertThat(cache.evictions()).isPositive();
    assertThat(idOf(held)).isEqualTo(7);
    assertThat(idOf(inScratch)).isEqualTo(7);
  }

  @Test
  void twoHundredDefaultCachesHoldingABlockEach_makeSixtyFourKiBOfPagesEach_notARegion() {
    // 200 databases in one JVM, each with its own default 64 MiB cache and a single read.
    long total = 0;
    for (int i = 0; i < 200; i++) {
      BlockCache cache = BlockCache.create(64 << 20);
      cache.add(1, 0, block(i, 4000));
      assertThat(idOf(cache.get(1, 0))).isEqualTo(i);
      total += cache.pageChunkBytes();
    }
    assertThat(total).isLessThanOrEqualTo(200L * ((64 << 10) + 64));
  }

  @Test
  void blocksLargerThanASixteenthOfTheCache_areDeclined_butSmallCachesTake64KiB() {
    BlockCache cache = BlockCache.create(1 << 20);
    long declined = cache.declined();
    cache.add(1, 0, block(1, 70_000));
    assertThat(cache.get(1, 0)).as("70 KB in a 1 MiB cache: above 64 KiB").isNull();
    assertThat(cache.declined()).isEqualTo(declined + 1);
    cache.add(1, 4096, block(2, 60_000));
    assertThat(idOf(cache.get(1, 4096))).isEqualTo(2);

    BlockCache tiny = BlockCache.create(8 << 10);
    tiny.add(1, 0, block(3, 20_000));
    assertThat(tiny.get(1, 0)).as("weighed over the capacity").isNull();
    assertThat(tiny.declined()).as("declined, not inserted and evicted").isEqualTo(1);
    assertThat(tiny.evictions()).isZero();
    assertThat(tiny.pagesForTesting().pagesInUse()).as("no pages taken").isZero();
  }

  @Test
  void pagesInUse_stayWithinTheCapacity_andChunksWithinCapacityPlusASixteenth() {
    long capacity = 1 << 20;
    BlockCache cache = BlockCache.create(capacity);
    for (int i = 0; i < 2000; i++) {
      cache.add(9, i * 8192L, block(i, 4000));
    }
    cache.usedBytes(); // applies pending evictions
    BlockPages pages = cache.pagesForTesting();
    assertThat((long) pages.pagesInUse() * BlockPages.PAGE).isLessThanOrEqualTo(capacity);
    assertThat(cache.pageChunkBytes()).isLessThanOrEqualTo(capacity + capacity / 16 + 4096);
    assertThat(cache.usedBytes()).isLessThanOrEqualTo(capacity);
    assertThat(cache.overheadHeapBytes())
        .as("the chunks' bytes no entry holds count as the cache's overhead")
        .isGreaterThanOrEqualTo(cache.pageChunkBytes() - (long) pages.pagesInUse() * BlockPages.PAGE);

    long[] offsets = new long[2000];
    for (int i = 0; i < offsets.length; i++) {
      offsets[i] = i * 8192L;
    }
    cache.evictBlocks(9, offsets);
    assertThat(pages.pagesInUse()).as("a dropped table's pages are all free again").isZero();
  }

  /**
   * Readers look blocks up while writers insert new ones into a cache a few blocks large, so that
   * every insert evicts and pages change hands all the time. Every block a reader gets must be the
   * one it asked for. The test ends when the readers have seen both hits and lost races (or after
   * a bound on rounds), so it exercises the race it is about rather than hoping to.
   */
  @Test
  void concurrentLookupsAndEvictions_neverReturnAnotherBlocksBytes() throws Exception {
    BlockCache cache = BlockCache.create(24 << 10);
    int keys = 64;
    int writers = 2;
    int readers = 2;
    ExecutorService pool = Executors.newFixedThreadPool(writers + readers);
    AtomicBoolean stop = new AtomicBoolean();
    CountDownLatch start = new CountDownLatch(1);
    List<Future<long[]>> results = new ArrayList<>();
    try {
      for (int w = 0; w < writers; w++) {
        int seed = w;
        results.add(pool.submit(() -> {
          Random rnd = new Random(seed);
          start.await();
          long adds = 0;
          while (!stop.get()) {
            int k = rnd.nextInt(keys);
            // Sizes vary so that a block's pages are taken by blocks of other lengths.
            cache.add(5, k * 4096L, block(k, 500 + rnd.nextInt(4000)));
            adds++;
          }
          return new long[] {adds, 0};
        }));
      }
      for (int r = 0; r < readers; r++) {
        int seed = 100 + r;
        results.add(pool.submit(() -> {
          Random rnd = new Random(seed);
          StoredBlock.Scratch scratch = new StoredBlock.Scratch();
          start.await();
          long hits = 0;
          long wrong = 0;
          for (long round = 0; round < 50_000_000L && !stop.get(); round++) {
            int k = rnd.nextInt(keys);
            Block b = (round & 1) == 0 ? cache.get(5, k * 4096L, scratch) : cache.get(5, k * 4096L);
            if (b != null) {
              hits++;
              if (idOf(b) != k) {
                wrong++;
              }
            }
            if (hits > 200_000 && cache.lostRaces() > 0) {
              break;
            }
          }
          return new long[] {hits, wrong};
        }));
      }
      start.countDown();
      long wrong = 0;
      long hits = 0;
      for (int r = 0; r < readers; r++) {
        long[] got = results.get(writers + r).get();
        hits += got[0];
        wrong += got[1];
      }
      stop.set(true);
      for (int w = 0; w < writers; w++) {
        results.get(w).get();
      }
      assertThat(wrong).as("blocks returned with another block's bytes").isZero();
      assertThat(hits).isPositive();
      assertThat(cache.evictions()).isPositive();
    } finally {
      stop.set(true);
      pool.shutdownNow();
    }
  }
}
