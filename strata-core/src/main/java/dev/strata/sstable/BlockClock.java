package dev.strata.sstable;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * The {@link BlockCache}'s entries by key, bounded in weight, evicted by CLOCK (second chance): a
 * lookup sets its entry's reference bit; an insert that needs room sweeps a hand over the entries,
 * clearing set bits and evicting the first entry whose bit is clear. Admission is the cache's
 * doorkeeper, in front of this.
 *
 * <p>Why not a general-purpose cache library: a cached block is looked up on every table read
 * that misses the memtables, and a library's per-read bookkeeping (read buffers, a frequency
 * sketch, maintenance run by the reading threads) and the code its policy compiles into every
 * read path cost more than the hit rate it adds here, where blocks are admitted on a second miss
 * and their bytes live in {@link BlockPages} anyway ({@code docs/benchmarks.md}, item 38). A
 * lookup here is one {@link ConcurrentHashMap#get} and one store to the entry, at most.
 *
 * <h2>Concurrency</h2>
 *
 * Lookups take no lock: the map is concurrent, and the reference bit is a plain field whose
 * races cost at most one second chance. {@link #lock} (rank 7 in {@code docs/design/locking.md})
 * guards the ring of entries, its free slots, the hand and the weight; inserts and removals hold
 * it while they evict, publish or unpublish, and call {@link Listener#removed} under it (the
 * cache then frees the entry's pages under {@link BlockPages}'s lock, ranked above this one).
 * Nothing here does I/O.
 */
final class BlockClock {
  /** What the cache does with an entry this removes: clear it, free its pages, count it. */
  interface Listener {
    /** Called under the lock once the entry is out of the map; {@code evicted}: for room. */
    void removed(BlockCache.Entry e, boolean evicted);
  }

  private final long capacity;
  private final Listener listener;
  private final ConcurrentHashMap<BlockCache.Key, BlockCache.Entry> map =
      new ConcurrentHashMap<>(256);

  /** Rank 7: guards everything below but {@link #weightSnapshot}. */
  private final ReentrantLock lock = new ReentrantLock();

  // Guarded by lock.

  /** Entries by slot; null slots are free. Grows by doubling; never shrinks. */
  @GuardedBy("lock")
  private BlockCache.Entry[] ring = new BlockCache.Entry[64];

  /** Slots below this have been used; free ones among them are on {@link #freeSlots}. */
  @GuardedBy("lock")
  private int used;

  @GuardedBy("lock")
  private int[] freeSlots = new int[16];

  @GuardedBy("lock")
  private int freeSlotCount;

  /** The next slot the sweep looks at. */
  @GuardedBy("lock")
  private int hand;

  /** The weight of the entries in the map. */
  @GuardedBy("lock")
  private long weight;

  /**
   * Run at each step of a sweep, under the lock; a no-op but in tests. Written by a test before
   * the clock is shared (plain field).
   */
  private Runnable sweepStepHook = () -> {};

  /** {@link #weight}, written under the lock, read without it. */
  private volatile long weightSnapshot;

  BlockClock(long capacity, Listener listener) {
    this.capacity = capacity;
    this.listener = listener;
  }

  /** The entry cached for {@code key}, marked as referenced; null if none. Lock-free. */
  BlockCache.Entry get(BlockCache.Key key) {
    BlockCache.Entry e = map.get(key);
    if (e != null && !e.referenced) {
      e.referenced = true;
    }
    return e;
  }

  /** The entry cached for {@code key}, not marked; for tests. */
  BlockCache.Entry peek(BlockCache.Key key) {
    return map.get(key);
  }

  /**
   * Inserts the entry {@code make} gives, of {@code weight}, evicting entries until it fits; false
   * (and {@code make} not called) if the key is cached already or the weight exceeds the capacity,
   * or if {@code make} returns null. {@code make} runs under the lock, after the evictions: the
   * pages it allocates are the ones they freed.
   */
  boolean insert(BlockCache.Key key, long weight, Supplier<BlockCache.Entry> make) {
    if (weight > capacity) {
      return false;
    }
    lock.lock();
    try {
      if (map.containsKey(key)) {
        return false;
      }
      while (this.weight + weight > capacity && this.weight > 0) {
        evictOneLocked();
      }
      BlockCache.Entry e = make.get();
      if (e == null) {
        return false;
      }
      int slot = freeSlotCount > 0 ? freeSlots[--freeSlotCount] : nextSlotLocked();
      e.slot = slot;
      ring[slot] = e;
      this.weight += e.weight();
      weightSnapshot = this.weight;
      map.put(key, e);
      return true;
    } finally {
      lock.unlock();
    }
  }

  /** Removes the entry of {@code key}, if any; the listener hears of it. */
  void remove(BlockCache.Key key) {
    if (!map.containsKey(key)) {
      return;
    }
    lock.lock();
    try {
      BlockCache.Entry e = map.get(key);
      if (e != null) {
        unlinkLocked(e, false);
      }
    } finally {
      lock.unlock();
    }
  }

  /** The weight of the entries cached: at most the capacity. */
  long weight() {
    return weightSnapshot;
  }

  /** Entries cached. */
  int size() {
    return map.size();
  }

  /** Sets what runs at each step of a sweep; for tests, before the clock is shared. */
  void setSweepStepHookForTesting(Runnable hook) {
    this.sweepStepHook = hook;
  }

  /** The ring's length; for tests. */
  int ringLengthForTesting() {
    lock.lock();
    try {
      return ring.length;
    } finally {
      lock.unlock();
    }
  }

  @GuardedBy("lock")
  private int nextSlotLocked() {
    assert lock.isHeldByCurrentThread();
    if (used == ring.length) {
      ring = java.util.Arrays.copyOf(ring, ring.length * 2);
    }
    return used++;
  }

  /**
   * Sweeps the hand to the first entry not referenced since the last sweep, and evicts it. Each
   * step clears a bit or evicts, so two turns of the ring find an entry unless lookups set the bits
   * again as fast as the hand clears them; after two turns the entry under the hand goes anyway.
   * Requires: an entry is cached.
   */
  @GuardedBy("lock")
  private void evictOneLocked() {
    assert lock.isHeldByCurrentThread();
    for (int steps = 0; ; steps++) {
      sweepStepHook.run();
      if (hand >= used) {
        hand = 0;
      }
      BlockCache.Entry e = ring[hand++];
      if (e == null) {
        continue;
      }
      if (e.referenced && steps < 2 * used) {
        e.referenced = false;
        continue;
      }
      unlinkLocked(e, true);
      return;
    }
  }

  /** Takes {@code e} out of the map and the ring. */
  @GuardedBy("lock")
  private void unlinkLocked(BlockCache.Entry e, boolean evicted) {
    assert lock.isHeldByCurrentThread();
    map.remove(e.key, e);
    ring[e.slot] = null;
    if (freeSlotCount == freeSlots.length) {
      freeSlots = java.util.Arrays.copyOf(freeSlots, freeSlots.length * 2);
    }
    freeSlots[freeSlotCount++] = e.slot;
    weight -= e.weight();
    weightSnapshot = weight;
    listener.removed(e, evicted);
  }
}
