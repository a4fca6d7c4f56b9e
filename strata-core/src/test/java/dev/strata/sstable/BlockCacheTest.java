package dev.strata.sstable;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

/**
 * Admission: every block is cached while the cache has room; once it is nearly full a block is
 * offered to the cache only on its second miss, so blocks read once pass through without
 * displacing the cached ones. Room made by dropping a table's blocks is filled again at once.
 */
class BlockCacheTest {
  /** A block of about 1 KiB. */
  private static Block block(int i) {
    String value = "v".repeat(1000);
    return BlockTest.build(List.of(Entry.put("k" + i, i + 1, value)), 16);
  }

  private static final long TABLE = 7;

  /** A block just read after a miss, offered as {@code TableReader} offers it. */
  private static void offer(BlockCache cache, long cacheId, long offset, Block block) {
    if (cache.admits(cacheId, offset)) {
      cache.add(cacheId, offset, block);
    }
  }

  @org.junit.jupiter.api.Test
  void beforeFirstEviction_everyBlockIsCached() {
    BlockCache cache = BlockCache.create(64 << 10);
    for (int i = 0; i < 20; i++) {
      offer(cache, TABLE, i * 4096L, block(i));
    }
    for (int i = 0; i < 20; i++) {
      assertThat(cache.get(TABLE, i * 4096L)).as("block %d", i).isNotNull();
    }
    assertThat(cache.declined()).isZero();
  }

  @org.junit.jupiter.api.Test
  void onceFull_aBlockEntersOnItsSecondMiss_andTheWorkingSetStays() {
    BlockCache cache = BlockCache.create(64 << 10);
    int hot = fillUntilDeclined(cache);
    long cached = countCached(cache, hot);
    assertThat(cached).isPositive();

    // A stream of blocks read once each: none is admitted, none of the cached ones is displaced.
    long declinedBefore = cache.declined();
    for (int i = 0; i < 500; i++) {
      long offset = (100_000 + i) * 4096L;
      assertThat(cache.get(TABLE, offset)).isNull();
      offer(cache, TABLE, offset, block(i));
    }
    assertThat(cache.declined() - declinedBefore).isEqualTo(500);
    assertThat(countCached(cache, hot)).isEqualTo(cached);

    // The same block missing twice is offered to Caffeine the second time (whose own frequency
    // policy then weighs it against its victim).
    long offset = 200_000 * 4096L;
    offer(cache, TABLE, offset, block(1));
    assertThat(cache.get(TABLE, offset)).isNull();
    long declined = cache.declined();
    offer(cache, TABLE, offset, block(1));
    assertThat(cache.declined()).isEqualTo(declined);
  }

  @org.junit.jupiter.api.Test
  void afterATablesBlocksAreDropped_blocksAreCachedOnFirstMissAgain() {
    BlockCache cache = BlockCache.create(64 << 10);
    int n = fillUntilDeclined(cache);
    long[] offsets = new long[n];
    for (int i = 0; i < n; i++) {
      offsets[i] = i * 4096L;
    }
    cache.evictBlocks(TABLE, offsets);
    assertThat(cache.usedBytes()).isZero();

    long declined = cache.declined();
    for (int i = 0; i < 10; i++) {
      offer(cache, 8, i * 4096L, block(i));
    }
    assertThat(cache.declined()).isEqualTo(declined);
    for (int i = 0; i < 10; i++) {
      assertThat(cache.get(8, i * 4096L)).as("block %d", i).isNotNull();
    }
  }

  /**
   * A cache whose margin below the doorkeeper's threshold (1/16 of the capacity, 512 bytes here) is
   * smaller than one block: Caffeine evicts as it inserts, so the weight never stayed at 15/16 and
   * the doorkeeper never applied, and every block read once turned the cache over. A cache that
   * evicts for room is full whatever its weight reads afterwards.
   */
  @org.junit.jupiter.api.Test
  void aCacheOfFewBlocks_onceItEvicts_declinesFirstMisses() {
    BlockCache cache = BlockCache.create(8 << 10);
    // Blocks of about 3 KB: two weigh under 15/16 of 8 KiB, a third goes over the capacity.
    String value = "v".repeat(3000);
    int offered = 0;
    while (cache.declined() == 0 && offered < 50) {
      offer(cache, TABLE, offered * 4096L, BlockTest.build(List.of(Entry.put("k", 1, value)), 16));
      offered++;
    }
    assertThat(cache.evictions()).as("evictions").isPositive();
    assertThat(offered).as("blocks offered before the first was declined").isLessThan(10);
  }

  /** Offers blocks 0, 1, ... of {@link #TABLE} until the doorkeeper declines one; the count. */
  private static int fillUntilDeclined(BlockCache cache) {
    int n = 0;
    while (cache.declined() == 0) {
      assertThat(n).as("the doorkeeper never applied").isLessThan(1000);
      offer(cache, TABLE, n * 4096L, block(n));
      n++;
    }
    return n;
  }

  private static long countCached(BlockCache cache, int n) {
    long count = 0;
    for (int i = 0; i < n; i++) {
      // getIfPresent through get counts hits; it does not change what is cached.
      if (cache.get(TABLE, i * 4096L) != null) {
        count++;
      }
    }
    return count;
  }
}
