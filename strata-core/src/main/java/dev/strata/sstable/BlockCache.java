package dev.strata.sstable;

import com.github.benmanes.caffeine.cache.Caffeine;
import java.util.concurrent.atomic.LongAdder;

/**
 * Uncompressed, checksum-verified table blocks shared by every table of one or more databases,
 * bounded in bytes. Built on Caffeine (W-TinyLFU), which is thread-safe and lock-free on reads.
 * Keys are a table reader's unique cache id plus the block offset, so that a table number reused
 * by another database never aliases.
 */
public final class BlockCache {
  /** A cached block's identity. */
  record Key(long cacheId, long offset) {}

  private static final java.util.concurrent.atomic.AtomicLong NEXT_CACHE_ID =
      new java.util.concurrent.atomic.AtomicLong(1);

  private final long capacityBytes;
  /** Null when capacity is 0: every lookup misses. Thread-safe (Caffeine). */
  private final com.github.benmanes.caffeine.cache.Cache<Key, Block> cache;
  /** Lookup counters; LongAdder because every read thread bumps them. */
  private final LongAdder hits = new LongAdder();

  private final LongAdder misses = new LongAdder();

  private BlockCache(long capacityBytes) {
    this.capacityBytes = capacityBytes;
    this.cache =
        capacityBytes == 0
            ? null
            : Caffeine.newBuilder()
                .maximumWeight(capacityBytes)
                .weigher((Key k, Block b) -> b.weight())
                .executor(Runnable::run)
                .build();
  }

  public static BlockCache create(long capacityBytes) {
    return new BlockCache(capacityBytes);
  }

  /** A fresh id for a table reader's blocks. */
  public static long newCacheId() {
    return NEXT_CACHE_ID.getAndIncrement();
  }

  Block get(long cacheId, long offset) {
    if (cache == null) {
      misses.increment();
      return null;
    }
    Block b = cache.getIfPresent(new Key(cacheId, offset));
    if (b == null) {
      misses.increment();
    } else {
      hits.increment();
    }
    return b;
  }

  void put(long cacheId, long offset, Block block) {
    if (cache != null) {
      cache.put(new Key(cacheId, offset), block);
    }
  }

  /** Drops every block of one table (called when the table reader closes). */
  void evictTable(long cacheId) {
    if (cache != null) {
      cache.asMap().keySet().removeIf(k -> k.cacheId() == cacheId);
    }
  }

  public long capacityBytes() {
    return capacityBytes;
  }

  public long usedBytes() {
    if (cache == null) {
      return 0;
    }
    return cache.policy().eviction().map(e -> e.weightedSize().orElse(0L)).orElse(0L);
  }

  public long hits() {
    return hits.sum();
  }

  public long misses() {
    return misses.sum();
  }

  public double hitRatio() {
    long h = hits.sum();
    long total = h + misses.sum();
    return total == 0 ? 0.0 : (double) h / total;
  }
}
