package dev.strata;

import dev.strata.sstable.BlockCache;

/**
 * A block cache bounded in bytes that several databases in one JVM can share through {@link
 * Options.Builder#blockCache(Cache)}, so that dozens of databases (one per stream partition, say)
 * keep one memory bound. Thread-safe. A block enters on its second miss once the cache is nearly
 * full, and eviction is CLOCK (a block looked up since the hand last passed gets a second chance).
 */
public final class Cache {
  private final BlockCache blocks;

  private Cache(BlockCache blocks) {
    this.blocks = blocks;
  }

  /**
   * Creates a cache holding at most {@code capacityBytes} of uncompressed blocks.
   *
   * @throws IllegalArgumentException if the capacity is negative
   */
  public static Cache create(long capacityBytes) {
    if (capacityBytes < 0) {
      throw new IllegalArgumentException("capacityBytes must be >= 0, got " + capacityBytes);
    }
    return new Cache(BlockCache.create(capacityBytes));
  }

  public long capacityBytes() {
    return blocks.capacityBytes();
  }

  /** Bytes of blocks held now. */
  public long usedBytes() {
    return blocks.usedBytes();
  }

  /** Fraction of lookups served from the cache since it was created; 0 before any lookup. */
  public double hitRatio() {
    return blocks.hitRatio();
  }

  /** The engine-side cache, for {@link StrataDB#open}; not part of the API. */
  BlockCache blocks() {
    return blocks;
  }
}
