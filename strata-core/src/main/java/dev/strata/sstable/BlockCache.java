package dev.strata.sstable;

import dev.strata.util.Bytes;
import dev.strata.util.HeapSize;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * Uncompressed, checksum-verified, decoded table blocks ({@link Block}) shared by every table of
 * one or more databases, bounded in bytes, evicted by CLOCK ({@link BlockClock}): a lookup is a
 * lock-free hash map probe and a copy. Keys are a table reader's unique cache id plus the block
 * offset, so that a table number reused by another database never aliases. A capacity of 0
 * caches nothing.
 *
 * <h2>Where the bytes are</h2>
 *
 * A cached block's contents live in {@link BlockPages}, pages of a few long-lived arrays that the
 * collector never copies; the clock maps each block's key to an {@link Entry} with the page
 * numbers and the block's decoded restart points. A lookup copies the pages into the caller's
 * array and checks, after the copy, that the entry was not removed meanwhile (its pages may then
 * hold another block); only then does it read the copy. The pages are freed when the clock
 * removes the entry. Why the bytes are not arrays of their own: see {@link BlockPages}.
 *
 * <h2>Admission</h2>
 *
 * While the cache is less than 15/16 full and has not evicted, every block read is cached. Beyond
 * that a block enters only on its second miss within a recent window (a doorkeeper: a
 * direct-mapped table of the last misses' fingerprints, one slot per four blocks the cache
 * holds). Blocks read once, as by point lookups spread over data many times the cache or by scans,
 * then pass through without displacing the cached working set. In Java that also matters for
 * memory: without it such reads turned the whole cache over every fraction of a second, and the
 * collector copied each new block to the old generation before it was evicted, which made G1 grow
 * the heap to three times the cache size
 * ({@code docs/design/memory.md}).
 *
 * <p>Thread-safe. Holds no resources: nobody closes it; it is dropped with its last user.
 */
public final class BlockCache {
  /**
   * A cached block's identity. A class with hand-written {@code equals} and {@code hashCode}
   * rather than a record: a record's are bootstrapped through method handles, which profiling
   * showed un-inlined at this call site (every block cache lookup compares keys).
   */
  static final class Key {
    final long cacheId;
    final long offset;

    Key(long cacheId, long offset) {
      this.cacheId = cacheId;
      this.offset = offset;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Key k && k.cacheId == cacheId && k.offset == offset;
    }

    @Override
    public int hashCode() {
      long h = mix(cacheId, offset);
      return (int) (h ^ (h >>> 32));
    }

    @Override
    public String toString() {
      return "Key[" + cacheId + ", " + offset + "]";
    }
  }

  /**
   * A 64-bit hash of a block's identity, for {@link Key#hashCode} and the doorkeeper's
   * fingerprints. Blocks of one table differ in offset, tables in cacheId: both reach every bit.
   */
  static long mix(long cacheId, long offset) {
    return Bytes.fmix64((cacheId * 0x9E3779B97F4A7C15L) ^ offset);
  }

  /** Source of reader cache ids; bumped by every table open, in any thread. */
  private static final AtomicLong NEXT_CACHE_ID = new AtomicLong(1);

  private final long capacityBytes;

  /**
   * One cached block: its pages, and its decoded restart points and last key (a {@link Block} with
   * no contents, which also gives the contents' length; {@link Block#withData} gives each reader
   * its own over its copy). Immutable but for {@link #live}.
   */
  static final class Entry {
    final Key key;
    final Block layout;
    final int[] pages;

    /**
     * Cleared by {@link #removed} before the pages are freed; read by a lookup after its copy and
     * an acquire fence (see {@link BlockPages}). Once false, never true again.
     */
    volatile boolean live = true;

    /**
     * CLOCK's reference bit ({@link BlockClock}): set by lookups without a lock, cleared by the
     * sweeping hand under the clock's lock. A plain field: a lost update costs one second chance.
     */
    boolean referenced;

    /** The entry's slot in the clock's ring; guarded by the clock's lock. */
    int slot;

    Entry(Key key, Block layout, int[] pages) {
      this.key = key;
      this.layout = layout;
      this.pages = pages;
    }

    /** What the cache's capacity counts: the pages, and the layout and entry on the heap. */
    int weight() {
      return weightOf(layout, pages.length);
    }

    /** The weight of an entry of {@code layout} over {@code pageCount} pages. */
    static int weightOf(Block layout, int pageCount) {
      return pageCount * BlockPages.PAGE + layout.layoutWeight() + 16 + 4 * pageCount + 40;
    }
  }

  /** Null when capacity is 0: every lookup misses. Thread-safe. */
  private final BlockClock cache;

  /** The cached blocks' bytes; null when capacity is 0. */
  private final BlockPages pages;

  /** The smallest {@link #largestBlock}: 64 KiB, so that a small cache still takes whole blocks. */
  private static final long MIN_LARGEST_BLOCK = 64 << 10;

  /**
   * The largest block cached: 1/16 of the capacity, at least {@link #MIN_LARGEST_BLOCK}, so that
   * no single block turns the cache over. The pages number the capacity: the clock evicts until
   * the weighed entries (pages included) fit before it gives a block its pages, under its lock.
   */
  private final long largestBlock;

  /** Lookups that found an entry removed while they copied it (counted as misses too). */
  private final LongAdder lostRaces = new LongAdder();

  // Lookup counters; LongAdder because every read thread bumps them. Sums may lag.
  private final LongAdder hits = new LongAdder();
  /** Misses of lookups; {@link #misses()} adds {@link #missesWithoutLookup}. */
  private final LongAdder misses = new LongAdder();

  /** Misses counted by {@link #missWithoutLookup}, with no lookup (one counter per miss). */
  private final LongAdder missesWithoutLookup = new LongAdder();
  private final LongAdder declined = new LongAdder();

  /** Blocks admitted ({@link #add}); on the miss path only. */
  private final LongAdder adds = new LongAdder();

  /** Blocks the clock evicted for room (not dropped with their table); see {@link #removed}. */
  private final LongAdder evictions = new LongAdder();

  /** See {@link #evictionLookupsForTesting}. */
  private final LongAdder evictionLookups = new LongAdder();

  /**
   * Whether the doorkeeper applies: set by a put that brings the clock's weight to {@link
   * #doorkeeperFrom} or by an eviction for room, cleared by an explicit removal (a table's blocks
   * dropped) that takes it below. Volatile, written rarely; a race between a put and a removal
   * costs at most a few admission decisions, never a wrong block.
   */
  private volatile boolean full;

  /** The weight from which the doorkeeper applies: 15/16 of the capacity. */
  private final long doorkeeperFrom;

  /**
   * The doorkeeper: slot {@code fingerprint & mask} holds the fingerprint of the last block that
   * missed there and was not admitted. Opaque reads and writes: a race costs only one admission
   * decision, never a wrong block, since the cache is keyed by the full key.
   */
  private final AtomicLongArray recentMisses;

  private final int mask;

  private BlockCache(long capacityBytes) {
    this.capacityBytes = capacityBytes;
    // One slot per four 4 KiB blocks the cache can hold, as a power of two from 1,024 to 1M slots.
    long slots = Long.highestOneBit(Math.max(1024, Math.min(1 << 20, capacityBytes / 16384)));
    this.recentMisses = new AtomicLongArray((int) slots);
    this.mask = (int) slots - 1;
    this.doorkeeperFrom = capacityBytes - capacityBytes / 16;
    this.largestBlock = Math.max(MIN_LARGEST_BLOCK, capacityBytes / 16);
    this.pages =
        capacityBytes < BlockPages.PAGE
            ? null
            : BlockPages.forCapacity(capacityBytes);
    this.cache = pages == null ? null : new BlockClock(capacityBytes, this::removed);
  }

  /**
   * An entry left the clock (under its lock): lookups that copy its pages from now on drop their
   * copy, the pages go back to the free list, and an eviction for room marks the cache full.
   */
  private void removed(Entry e, boolean evicted) {
    // Cleared before the pages can be handed out again: a lookup still copying them finds it
    // cleared and drops its copy.
    e.live = false;
    pages.free(e.pages);
    if (evicted) {
      evictions.increment();
      // A cache that evicts for room is full, whatever its weight reads after the eviction.
      if (!full) {
        full = true;
      }
    } else if (full) {
      // The clock has taken the entry's weight off before telling.
      full = cache.weight() >= doorkeeperFrom;
    }
  }

  /**
   * A cache of at most {@code capacityBytes} bytes of blocks, as weighed by their heap size.
   *
   * @throws IllegalArgumentException if {@code capacityBytes} is negative
   */
  public static BlockCache create(long capacityBytes) {
    if (capacityBytes < 0) {
      throw new IllegalArgumentException("capacityBytes must be >= 0, got " + capacityBytes);
    }
    return new BlockCache(capacityBytes);
  }

  /** A fresh id for a table reader's blocks. */
  public static long newCacheId() {
    return NEXT_CACHE_ID.getAndIncrement();
  }

  /** As {@link #get(long, long, StoredBlock.Scratch)}, into an array of the block's own. */
  Block get(long cacheId, long offset) {
    return get(cacheId, offset, null);
  }

  /**
   * The cached block at {@code offset} of table {@code cacheId}, or null on a miss. Its contents
   * are a copy in {@code scratch}'s contents array (valid until the next read into {@code
   * scratch}), or in an array of their own if {@code scratch} is null.
   */
  Block get(long cacheId, long offset, StoredBlock.Scratch scratch) {
    if (cache == null) {
      misses.increment();
      return null;
    }
    Entry e = cache.get(new Key(cacheId, offset));
    Block b = e == null ? null : copyOut(e, scratch);
    if (b == null) {
      misses.increment();
    } else {
      hits.increment();
    }
    return b;
  }

  /**
   * As {@link #get(long, long, StoredBlock.Scratch)}, copying only the block's contents (into
   * {@code scratch}'s contents array) and loading them into {@code cursor}: whether the block was
   * cached. For a point lookup, which parses the contents itself and needs no {@link Block} over
   * them.
   */
  boolean getInto(
      long cacheId, long offset, StoredBlock.Scratch scratch, LookupCursor cursor, String file) {
    Entry e = cache == null ? null : cache.get(new Key(cacheId, offset));
    if (e != null) {
      int length = e.layout.length();
      byte[] dst = StoredBlock.contentsScratch(scratch, length);
      if (copyContents(e, dst, length)) {
        hits.increment();
        cursor.load(dst, length, file, offset);
        return true;
      }
    }
    misses.increment();
    return false;
  }

  /**
   * Counts a miss that the caller knew of without a lookup (a table reader that never cached the
   * block, see {@code TableReader.isMarkedCached}); returns null, the block it did not find.
   */
  Block missWithoutLookup() {
    missesWithoutLookup.increment();
    return null;
  }

  /** Misses counted by {@link #missWithoutLookup}: part of {@link #misses()}. */
  public long missesWithoutLookup() {
    return missesWithoutLookup.sum();
  }

  /** The pages of the cached blocks, or null for a cache of no capacity; for tests. */
  BlockPages pagesForTesting() {
    return pages;
  }

  /** The entry cached at {@code offset} of table {@code cacheId}, or null; for tests. */
  Entry entryForTesting(long cacheId, long offset) {
    return cache == null ? null : cache.peek(new Key(cacheId, offset));
  }

  /**
   * {@code e}'s block over a copy of its pages (in {@code scratch}'s contents array, or an array of
   * its own if {@code scratch} is null), or null if {@code e} was removed before the copy was
   * validated: its pages may then hold another block's bytes, and the copy is dropped unread.
   */
  Block copyOut(Entry e, StoredBlock.Scratch scratch) {
    int length = e.layout.length();
    byte[] dst = scratch == null ? new byte[length] : StoredBlock.contentsScratch(scratch, length);
    return copyContents(e, dst, length) ? e.layout.withData(dst) : null;
  }

  /**
   * Copies {@code e}'s {@code length} bytes of contents into {@code dst}; false if {@code e} was
   * removed before the copy was validated (its pages may then hold another block's bytes).
   */
  private boolean copyContents(Entry e, byte[] dst, int length) {
    pages.read(e.pages, dst, length);
    // The copy's loads may not pass the check below (as in StampedLock.validate).
    VarHandle.acquireFence();
    if (!e.live) {
      lostRaces.increment();
      return false;
    }
    return true;
  }

  /**
   * Whether a block that just missed would be cached once read: the doorkeeper's decision (see the
   * class comment), taken before the read so that a declined block can be read into scratch memory
   * (see {@code TableReader}). Records the miss and counts a declined block. A true answer is to be
   * followed by {@link #add} of the block once it is read and verified.
   */
  boolean admits(long cacheId, long offset) {
    if (cache == null) {
      return false;
    }
    if (full && !missedRecently(cacheId, offset)) {
      declined.increment();
      return false;
    }
    return true;
  }

  /**
   * Caches a copy of a block that {@link #admits} admitted; the caller keeps {@code block} and its
   * array. Declines it (and counts it declined) when it is larger than {@link #largestBlock}, or
   * when another thread cached it first. Requires: {@code block} was verified against its checksum.
   */
  void add(long cacheId, long offset, Block block) {
    if (cache == null) {
      return;
    }
    int length = block.length();
    if (length > largestBlock) {
      declined.increment();
      return;
    }
    Key key = new Key(cacheId, offset);
    Block layout = block.withData(null);
    boolean added =
        cache.insert(
            key,
            Entry.weightOf(layout, BlockPages.pagesFor(length)),
            () -> {
              // Under the clock's lock, after its evictions: the entries' weight and this block's
              // fit the capacity, and so do their pages.
              int[] taken = pages.allocate(length);
              if (taken == null) {
                return null;
              }
              pages.write(taken, block.data(), length);
              return new Entry(key, layout, taken);
            });
    if (!added) {
      declined.increment();
      return;
    }
    adds.increment();
    if (!full && cache.weight() >= doorkeeperFrom) {
      full = true;
    }
  }

  /** Whether the block missed recently; if not, remembers this miss. */
  private boolean missedRecently(long cacheId, long offset) {
    long fingerprint = mix(cacheId, offset) | 1; // never 0, the empty slot
    int slot = (int) (fingerprint >>> 32) & mask;
    if (recentMisses.getOpaque(slot) == fingerprint) {
      recentMisses.setOpaque(slot, 0);
      return true;
    }
    recentMisses.setOpaque(slot, fingerprint);
    return false;
  }

  /**
   * Drops the blocks of table {@code cacheId} at {@code offsets}, one lookup each: when its reader
   * closes, the blocks it put in the cache (the cache may have evicted some already).
   */
  void evictBlocks(long cacheId, long[] offsets) {
    if (cache == null) {
      return;
    }
    evictionLookups.add(offsets.length);
    for (long offset : offsets) {
      cache.remove(new Key(cacheId, offset));
    }
  }

  /** Entries looked up or visited to drop closed tables' blocks so far; for tests. */
  long evictionLookupsForTesting() {
    return evictionLookups.sum();
  }

  public long capacityBytes() {
    return capacityBytes;
  }

  /**
   * The weight of the cached blocks ({@link Block#weight}: contents, restart arrays, last key and
   * the objects around them), as the clock counts it: updated under its lock with each insert and
   * removal, so never above the capacity; read without the lock (a volatile copy).
   */
  public long usedBytes() {
    if (cache == null) {
      return 0;
    }
    return cache.weight();
  }

  /**
   * Heap bytes per cached block outside its {@link Block#weight}: the key object (24), the hash
   * map's node and table slot (36) and the clock's ring slot (4, and as much again while the ring
   * is not full). An estimate from the classes' fields, not measured per entry.
   */
  static final int ENTRY_OVERHEAD_BYTES = 72;

  /**
   * Heap bytes the cache holds beyond {@link #usedBytes()}: the doorkeeper's table of recent misses
   * (one 8-byte slot per four 4 KiB blocks of capacity, 8 KiB to 8 MiB), and {@link
   * #ENTRY_OVERHEAD_BYTES} per cached block. Lock-free (the entry count is the map's).
   */
  public long overheadHeapBytes() {
    if (cache == null) {
      return HeapSize.longArray(recentMisses.length());
    }
    long entries = cache.size();
    // The chunks' bytes not (or no longer) in any entry's pages: made once, never released.
    long idlePages =
        Math.max(0, pages.chunkBytesAllocated() - (long) pages.pagesInUse() * BlockPages.PAGE);
    return HeapSize.longArray(recentMisses.length())
        + entries * ENTRY_OVERHEAD_BYTES
        + idlePages
        + pages.freeListHeapBytes();
  }

  /** Heap bytes of the arrays that hold cached blocks' pages, made as the cache first fills. */
  public long pageChunkBytes() {
    return pages == null ? 0 : pages.chunkBytesAllocated();
  }

  /** Lookups that found their block evicted while they copied it, and missed. */
  public long lostRaces() {
    return lostRaces.sum();
  }

  /** Blocks evicted for room since the cache was made. */
  public long evictions() {
    return evictions.sum();
  }

  public long hits() {
    return hits.sum();
  }

  /** Misses, with a lookup or without one ({@link #missesWithoutLookup}). */
  public long misses() {
    return misses.sum() + missesWithoutLookup.sum();
  }

  /** Blocks admitted since the cache was made. */
  public long adds() {
    return adds.sum();
  }

  /** Blocks read after a miss that the doorkeeper did not admit (see the class comment). */
  public long declined() {
    return declined.sum();
  }

  public double hitRatio() {
    long h = hits.sum();
    long total = h + misses();
    return total == 0 ? 0.0 : (double) h / total;
  }
}
