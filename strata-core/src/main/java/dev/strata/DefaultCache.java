package dev.strata;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import dev.strata.sstable.BlockCache;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The block cache that every database opened with neither {@link Options.Builder#blockCache} nor
 * {@link Options.Builder#blockCacheBytes} shares in one JVM: {@link #capacityFor} of the maximum
 * heap, at most 64 MiB (the size each such database had of its own before). Two hundred
 * databases with the default options thus hold one cache, not 200 of 64 MiB each; one database
 * in a heap of 512 MiB or more has the same 64 MiB as before.
 *
 * <p>The cache lives while a database holds it: the first database to open makes it, the last to
 * close lets it go (its pages and blocks become garbage), and the next open makes a new one. A
 * closed database's blocks stay until the clock evicts them or the cache goes; no later reader
 * can meet them, since every table reader has a cache id of its own.
 *
 * <p>Lock order: {@link #lock} is rank 10 in {@code docs/design/locking.md}, a leaf: opens and
 * closes take it for the count, and make the cache (an allocation of its map and clock) under it.
 */
final class DefaultCache {
  /** The capacity such a database had of its own before the default was shared. */
  static final long MAX_CAPACITY_BYTES = 64L << 20;

  private static final DefaultCache PROCESS = new DefaultCache(capacityFor(maxHeapBytes()));

  /** Rank 10, a leaf: guards {@link #cache} and {@link #holders}. */
  private final Object lock = new Object();

  private final long capacityBytes;

  @GuardedBy("lock")
  private BlockCache cache;

  @GuardedBy("lock")
  private int holders;

  DefaultCache(long capacityBytes) {
    this.capacityBytes = capacityBytes;
  }

  /** This JVM's default cache. */
  static DefaultCache process() {
    return PROCESS;
  }

  /** An eighth of a heap of {@code maxHeapBytes}, at most {@link #MAX_CAPACITY_BYTES}. */
  static long capacityFor(long maxHeapBytes) {
    return Math.min(MAX_CAPACITY_BYTES, maxHeapBytes / 8);
  }

  private static long maxHeapBytes() {
    return Runtime.getRuntime().maxMemory();
  }

  long capacityBytes() {
    return capacityBytes;
  }

  /** Databases holding the cache now. */
  int holders() {
    synchronized (lock) {
      return holders;
    }
  }

  /** The cache, made if no database holds it; release the lease once, when the holder closes. */
  Lease acquire() {
    synchronized (lock) {
      if (holders++ == 0) {
        cache = BlockCache.create(capacityBytes);
      }
      return new Lease(this, cache);
    }
  }

  private void release(BlockCache held) {
    synchronized (lock) {
      // Each lease counts once, so the last release of a cache is that cache's.
      assert cache == held && holders > 0 : "a lease of a cache already let go";
      if (--holders == 0) {
        cache = null;
      }
    }
  }

  /**
   * One database's hold on a block cache: of the default cache, released once however often
   * {@link #release} is called; or of a cache it does not share through this class ({@link
   * #of}), whose release does nothing.
   */
  static final class Lease {
    private final DefaultCache owner;
    private final BlockCache cache;
    private final AtomicBoolean released = new AtomicBoolean();

    private Lease(DefaultCache owner, BlockCache cache) {
      this.owner = owner;
      this.cache = cache;
    }

    /** A lease of a cache of the database's own or one the application shares; nothing to let go. */
    static Lease of(BlockCache cache) {
      return new Lease(null, cache);
    }

    BlockCache cache() {
      return cache;
    }

    /** Lets the cache go, once; later calls do nothing. */
    void release() {
      if (owner != null && released.compareAndSet(false, true)) {
        owner.release(cache);
      }
    }
  }
}
