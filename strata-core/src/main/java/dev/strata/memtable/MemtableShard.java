package dev.strata.memtable;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import dev.strata.key.Lookup;
import dev.strata.key.Trailer;
import dev.strata.key.ValueKind;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * One shard of a {@link ShardedMemtable}: an ordered map of internal keys to values (an {@link
 * ArenaSkipList}) behind its own read-write lock. Readers (gets, chunk copies) share the read
 * lock; an add takes the write lock. Thread-safe; owned by its memtable.
 *
 * <p>Lock order: shard locks are rank 4 in {@code docs/design/locking.md}. A thread holds at most
 * one shard lock at a time and does no I/O and no waiting on other threads while holding it. Entry
 * bytes are copied out of the arena after the lock is released: they never change once written.
 */
final class MemtableShard {
  /** Rank 4 (shards), never held with another shard's lock. Non-fair: throughput over fairness. */
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();

  @GuardedBy("lock")
  private final ArenaSkipList list;

  MemtableShard(int slabSize) {
    this.list = new ArenaSkipList(slabSize);
  }

  /** Adds an entry; returns the heap bytes this allocated (see {@link ArenaSkipList#insert}). */
  long add(byte[] userKey, long trailer, byte[] value) {
    lock.writeLock().lock();
    try {
      return list.insert(userKey, trailer, value);
    } finally {
      lock.writeLock().unlock();
    }
  }

  /** See {@link Memtable#get}. */
  byte[] get(byte[] userKey, long snapshot) {
    byte[] slab;
    int off;
    lock.readLock().lock();
    try {
      long node = list.seekCeiling(userKey, Trailer.seekTrailer(snapshot));
      if (node == ArenaSkipList.NIL) {
        return null;
      }
      slab = list.slabOf(node);
      off = ArenaSkipList.offset(node);
    } finally {
      lock.readLock().unlock();
    }
    if (!ArenaSkipList.hasUserKey(slab, off, userKey)) {
      return null;
    }
    return Trailer.isDelete(ArenaSkipList.trailer(slab, off))
        ? Lookup.DELETED
        : ArenaSkipList.copyValue(slab, off);
  }

  /**
   * Copies up to {@code capacity} node references (slab and offset) into the arrays, as {@link
   * ChunkedCursor#fill} describes.
   */
  int fill(
      byte[] fromKey,
      long fromTrailer,
      boolean inclusive,
      boolean forward,
      int capacity,
      byte[][] slabs,
      int[] offsets) {
    lock.readLock().lock();
    try {
      return fillLocked(fromKey, fromTrailer, inclusive, forward, capacity, slabs, offsets);
    } finally {
      lock.readLock().unlock();
    }
  }

  @GuardedBy("lock")
  private int fillLocked(
      byte[] fromKey,
      long fromTrailer,
      boolean inclusive,
      boolean forward,
      int capacity,
      byte[][] slabs,
      int[] offsets) {
    assert lock.getReadHoldCount() > 0;
    long node;
    if (forward) {
      node = fromKey == null ? list.first() : list.seekCeiling(fromKey, fromTrailer);
      if (!inclusive && node != ArenaSkipList.NIL && isAt(node, fromKey, fromTrailer)) {
        node = list.next(node);
      }
    } else {
      node = fromKey == null ? list.last() : list.seekFloor(fromKey, fromTrailer, inclusive);
    }
    int n = 0;
    while (n < capacity && node != ArenaSkipList.NIL) {
      slabs[n] = list.slabOf(node);
      offsets[n] = ArenaSkipList.offset(node);
      n++;
      node = forward ? list.next(node) : list.previous(node);
    }
    return n;
  }

  @GuardedBy("lock")
  private boolean isAt(long node, byte[] userKey, long trailer) {
    byte[] s = list.slabOf(node);
    int off = ArenaSkipList.offset(node);
    return ArenaSkipList.trailer(s, off) == trailer && ArenaSkipList.hasUserKey(s, off, userKey);
  }

  /** Entry value stored for a kind: tombstones keep a shared empty array. */
  static byte[] storedValue(ValueKind kind, byte[] value) {
    return kind == ValueKind.DELETE ? EMPTY : value;
  }

  static final byte[] EMPTY = new byte[0];

  /** A {@link ChunkedCursor} over one shard; reads entry bytes from the arena lock-free. */
  static final class Cursor extends ChunkedCursor {
    private final MemtableShard shard;
    private byte[][] slabs = new byte[FIRST_CHUNK][];
    private int[] offsets = new int[FIRST_CHUNK];
    /** The user key at {@code keyPos}, copied on first use; -1 = none. */
    private byte[] key;

    private int keyPos = -1;

    Cursor(MemtableShard shard) {
      this.shard = shard;
    }

    @Override
    int fill(byte[] fromKey, long fromTrailer, boolean inclusive, boolean forward, int capacity) {
      if (slabs.length < capacity) {
        slabs = new byte[capacity][];
        offsets = new int[capacity];
      }
      keyPos = -1;
      return shard.fill(fromKey, fromTrailer, inclusive, forward, capacity, slabs, offsets);
    }

    @Override
    public byte[] userKey() {
      int p = position();
      if (keyPos != p) {
        key = ArenaSkipList.copyKey(slabs[p], offsets[p]);
        keyPos = p;
      }
      return key;
    }

    @Override
    public long trailer() {
      int p = position();
      return ArenaSkipList.trailer(slabs[p], offsets[p]);
    }

    @Override
    public byte[] value() {
      int p = position();
      return ArenaSkipList.copyValue(slabs[p], offsets[p]);
    }

    @Override
    public void close() {
      super.close();
      java.util.Arrays.fill(slabs, null);
      keyPos = -1;
    }
  }
}
