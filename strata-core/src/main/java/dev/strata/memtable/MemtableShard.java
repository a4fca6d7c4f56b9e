package dev.strata.memtable;

import dev.strata.key.Lookup;
import dev.strata.key.Trailer;
import dev.strata.key.ValueKind;
import dev.strata.stats.LockWaits;
import dev.strata.util.Bytes;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.StampedLock;

/**
 * One shard of a {@link ShardedMemtable}: an ordered map of internal keys to values (an {@link
 * ArenaSkipList}) behind its own read-write lock, a {@link StampedLock}. An add takes the write
 * lock. Readers (gets, chunk copies) read optimistically: they take a stamp, search, and keep the
 * result if no write lock was taken meanwhile; otherwise they search again under the read lock.
 * The skip list allows one writer beside any number of readers (release stores link a node,
 * acquire loads follow the links), so an optimistic search never sees a half-written node; the
 * validation is what makes a read that overlapped a write wait for it, as a read lock would.
 * Thread-safe; owned by its memtable.
 *
 * <p>Why not {@code ReentrantReadWriteLock}: its read lock is a compare-and-set on the shared lock
 * word plus a per-thread hold count in a {@code ThreadLocal}, so two threads reading one shard
 * bounce its cache line and each pays a thread-local lookup; an optimistic read writes nothing.
 * The figures are in {@code docs/benchmarks.md} ("JMH: memtable throughput"): no gain measured.
 *
 * <p>Lock order: shard locks are rank 4 in {@code docs/design/locking.md}. A thread holds at most
 * one shard lock at a time and does no I/O and no waiting on other threads while holding it. Entry
 * bytes are copied out of the arena after the read: they never change once written.
 */
final class MemtableShard {
  /**
   * Rank 4 (shards), never held with another shard's lock. Guards {@link #list}: writes under the
   * write lock; reads optimistic or under the read lock. Not reentrant.
   */
  private final StampedLock lock = new StampedLock();

  private final ArenaSkipList list;

  /** Newest node of each key in {@link #list}, for point lookups; guarded as the list is. */
  private final KeyIndex index;

  /** The database's count of shard lock waits, all shards together. */
  private final LockWaits lockWaits;

  /** This shard's own count of writers that waited for its lock (per-shard figures on demand). */
  private final LongAdder waits = new LongAdder();

  MemtableShard(int slabSize) {
    this(slabSize, LockWaits.NONE);
  }

  MemtableShard(int slabSize, LockWaits lockWaits) {
    this.lockWaits = lockWaits;
    this.list = new ArenaSkipList(slabSize);
    this.index = new KeyIndex(list);
  }

  /** A shard whose index gives up at {@code maxIndexLength} slots, for tests of that path. */
  MemtableShard(int slabSize, int maxIndexLength) {
    this.lockWaits = LockWaits.NONE;
    this.list = new ArenaSkipList(slabSize);
    this.index = new KeyIndex(list, maxIndexLength);
  }

  /** Heap bytes of the list's slabs and the index's table; the sum of what {@link #add} returned. */
  long allocatedBytes() {
    long stamp = lock.readLock();
    try {
      return list.allocatedBytes() + index.allocatedBytes();
    } finally {
      lock.unlockRead(stamp);
    }
  }

  /** As {@link #add(byte[], long, long, byte[])}, hashing the key. */
  long add(byte[] userKey, long trailer, byte[] value) {
    return add(userKey, Bytes.hash64(userKey), trailer, value);
  }

  /**
   * Adds an entry whose key's {@link Bytes#hash64} is {@code hash}; returns the heap bytes this
   * allocated (list and index).
   */
  long add(byte[] userKey, long hash, long trailer, byte[] value) {
    long stamp = lock.tryWriteLock();
    if (stamp == 0) {
      stamp = awaitWriteLock();
    }
    try {
      long allocated = list.insert(userKey, trailer, value);
      return allocated + index.add(userKey, hash, list.lastInserted(), trailer);
    } finally {
      lock.unlockWrite(stamp);
    }
  }

  /**
   * Takes the write lock that another writer holds, counting the wait (the shard's own count and
   * the database's {@link LockWaits}).
   */
  private long awaitWriteLock() {
    long start = System.nanoTime();
    long stamp = lock.writeLock();
    long waited = System.nanoTime() - start;
    waits.increment();
    lockWaits.record(waited);
    return stamp;
  }

  /** The shard's lock, for tests that hold it to make a writer wait. */
  StampedLock lockForTesting() {
    return lock;
  }

  /** Writers that waited for this shard's write lock. */
  long lockWaitCount() {
    return waits.sum();
  }

  /** Entries added so far. */
  long entryCount() {
    long stamp = lock.readLock();
    try {
      return list.entryCount();
    } finally {
      lock.unlockRead(stamp);
    }
  }

  /** See {@link Memtable#get}. */
  byte[] get(byte[] userKey, long snapshot) {
    return get(userKey, Bytes.hash64(userKey), snapshot, -1);
  }

  /**
   * As {@link #get(byte[], long)} for a key whose {@link Bytes#hash64} is {@code hash}, but null
   * also when the newest version at or below {@code snapshot} has a sequence at most {@code floor}
   * (a range tombstone at {@code floor} hides it).
   */
  byte[] get(byte[] userKey, long hash, long snapshot, long floor) {
    long seekTrailer = Trailer.seekTrailer(snapshot);
    long stamp = lock.tryOptimisticRead();
    long node = locate(userKey, hash, seekTrailer);
    byte[] slab = node == ArenaSkipList.NIL ? null : list.slabOf(node);
    if (!lock.validate(stamp)) {
      stamp = lock.readLock();
      try {
        node = locate(userKey, hash, seekTrailer);
        slab = node == ArenaSkipList.NIL ? null : list.slabOf(node);
      } finally {
        lock.unlockRead(stamp);
      }
    }
    if (slab == null) {
      return null;
    }
    int off = ArenaSkipList.offset(node);
    if (!ArenaSkipList.hasUserKey(slab, off, userKey)) {
      return null;
    }
    long trailer = ArenaSkipList.trailer(slab, off);
    if (Trailer.sequence(trailer) <= floor) {
      return null;
    }
    if (Trailer.isDelete(trailer)) {
      return Lookup.DELETED;
    }
    return Trailer.isMerge(trailer) ? Lookup.MERGE : list.copyValue(slab, off);
  }

  /**
   * The first node at or after {@code (userKey, seekTrailer)}, as {@link ArenaSkipList#seekCeiling}
   * answers, or {@link ArenaSkipList#NIL} where that node would be another key's: from the index's
   * newest version of the key, walking on to older versions (at most {@value #WALK} steps; a
   * snapshot older than that many versions searches the list). Safe to call without the lock, as
   * the list's and the index's searches are.
   */
  private long locate(byte[] userKey, long hash, long seekTrailer) {
    long node = index.find(userKey, hash);
    if (node == KeyIndex.UNINDEXED) {
      return list.seekCeiling(userKey, seekTrailer);
    }
    for (int step = 0; node != ArenaSkipList.NIL; step++) {
      byte[] s = list.slabOf(node);
      int off = ArenaSkipList.offset(node);
      if (!ArenaSkipList.hasUserKey(s, off, userKey)) {
        return ArenaSkipList.NIL;
      }
      if (ArenaSkipList.trailer(s, off) <= seekTrailer) {
        return node;
      }
      if (step == WALK) {
        return list.seekCeiling(userKey, seekTrailer);
      }
      node = list.next(node);
    }
    return ArenaSkipList.NIL;
  }

  /** Versions newer than a lookup's snapshot that {@link #locate} steps over before it searches. */
  private static final int WALK = 8;

  /** Keys in this shard's point-lookup index, for tests. */
  int indexedKeysForTesting() {
    long stamp = lock.readLock();
    try {
      return index.size();
    } finally {
      lock.unlockRead(stamp);
    }
  }

  /** Whether the shard's point-lookup index gave up (lookups search the list), for tests. */
  boolean indexGaveUpForTesting() {
    return index.gaveUpForTesting();
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
    long stamp = lock.tryOptimisticRead();
    int n = fillLocked(fromKey, fromTrailer, inclusive, forward, capacity, slabs, offsets);
    if (lock.validate(stamp)) {
      return n;
    }
    stamp = lock.readLock();
    try {
      return fillLocked(fromKey, fromTrailer, inclusive, forward, capacity, slabs, offsets);
    } finally {
      lock.unlockRead(stamp);
    }
  }

  /** Copies a chunk; a search that a concurrent add cannot break (see the class comment). */
  private int fillLocked(
      byte[] fromKey,
      long fromTrailer,
      boolean inclusive,
      boolean forward,
      int capacity,
      byte[][] slabs,
      int[] offsets) {
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
      return shard.list.copyValue(slabs[p], offsets[p]);
    }

    @Override
    public void close() {
      super.close();
      java.util.Arrays.fill(slabs, null);
      keyPos = -1;
    }
  }
}
