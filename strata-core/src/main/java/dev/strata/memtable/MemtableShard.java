package dev.strata.memtable;

import dev.strata.key.BorrowedValue;
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
    this(slabSize, null, lockWaits);
  }

  /** A shard whose slabs are windows of {@code chunks} (null: arrays of their own). */
  MemtableShard(int slabSize, SlabChunks chunks, LockWaits lockWaits) {
    this(slabSize, chunks, null, 0, lockWaits);
  }

  /**
   * As above, with values off the heap in windows of {@code values} (null: on the heap) once the
   * shard allocated {@code heapValuesUntil} bytes.
   */
  MemtableShard(
      int slabSize,
      SlabChunks chunks,
      ValueChunks values,
      long heapValuesUntil,
      LockWaits lockWaits) {
    this.lockWaits = lockWaits;
    this.list = new ArenaSkipList(slabSize, chunks, values, heapValuesUntil);
    this.index = new KeyIndex(list);
  }

  /** Whether the shard's memory may still be read; for asserts. */
  boolean readable() {
    return list.readable();
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
      long node = index.find(userKey, hash);
      if (node >= 0) {
        return list.addVersion(node, trailer, value);
      }
      // A key the index does not hold: a new key, whose node the insert creates (or, if the index
      // gave up, whatever node the insert found; the index then ignores it).
      long allocated = list.insert(userKey, trailer, value);
      return allocated + index.add(userKey, hash, list.lastNode());
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
    long version = locate(userKey, hash, seekTrailer);
    byte[] slab = version == ArenaSkipList.NIL ? null : list.slabOf(version);
    if (!lock.validate(stamp)) {
      stamp = lock.readLock();
      try {
        version = locate(userKey, hash, seekTrailer);
        slab = version == ArenaSkipList.NIL ? null : list.slabOf(version);
      } finally {
        lock.unlockRead(stamp);
      }
    }
    if (slab == null) {
      return null;
    }
    int off = ArenaSkipList.offset(version);
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
   * The newest version of {@code userKey} whose trailer is at most {@code seekTrailer} (its
   * sequence at most the snapshot's), or {@link ArenaSkipList#NIL}: the key's node from the index
   * (or a search of the list, if the index gave up), then down its chain of versions. Safe to call
   * without the lock, as the list's and the index's searches are.
   */
  private long locate(byte[] userKey, long hash, long seekTrailer) {
    long node = index.find(userKey, hash);
    if (node == KeyIndex.UNINDEXED) {
      node = list.seekCeiling(userKey);
      if (!list.isNodeOf(node, userKey)) {
        node = ArenaSkipList.NIL;
      }
    }
    if (node == ArenaSkipList.NIL) {
      return ArenaSkipList.NIL;
    }
    long version = list.newestVersion(node);
    while (version != ArenaSkipList.NIL && list.versionTrailer(version) > seekTrailer) {
      version = list.olderVersion(version);
    }
    return version;
  }

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
   * Copies up to {@code capacity} entry references (the node's slab and offset, the version's slab
   * and offset) into the arrays, as {@link ChunkedCursor#fill} describes.
   */
  int fill(
      byte[] fromKey,
      long fromTrailer,
      boolean inclusive,
      boolean forward,
      int capacity,
      Chunk chunk) {
    long stamp = lock.tryOptimisticRead();
    int n = fillLocked(fromKey, fromTrailer, inclusive, forward, capacity, chunk);
    if (lock.validate(stamp)) {
      return n;
    }
    stamp = lock.readLock();
    try {
      return fillLocked(fromKey, fromTrailer, inclusive, forward, capacity, chunk);
    } finally {
      lock.unlockRead(stamp);
    }
  }

  /** Copies a chunk; a search that a concurrent add cannot break (see the class comment). */
  private int fillLocked(
      byte[] fromKey, long fromTrailer, boolean inclusive, boolean forward, int capacity, Chunk c) {
    return forward
        ? fillForward(fromKey, fromTrailer, inclusive, capacity, c)
        : fillBackward(fromKey, fromTrailer, inclusive, capacity, c);
  }

  /** Entries at or after {@code (fromKey, fromTrailer)} (after it unless {@code inclusive}). */
  private int fillForward(byte[] fromKey, long fromTrailer, boolean inclusive, int capacity, Chunk c) {
    long node;
    long version = ArenaSkipList.NIL;
    if (fromKey == null) {
      node = list.first();
    } else {
      node = list.seekCeiling(fromKey);
      if (list.isNodeOf(node, fromKey)) {
        // In internal order a greater trailer comes first: skip the versions before the start.
        version = list.newestVersion(node);
        while (version != ArenaSkipList.NIL && !startsAt(version, fromTrailer, inclusive)) {
          version = list.olderVersion(version);
        }
        if (version == ArenaSkipList.NIL) {
          node = list.next(node);
        }
      }
    }
    if (version == ArenaSkipList.NIL && node != ArenaSkipList.NIL) {
      version = list.newestVersion(node);
    }
    int n = 0;
    while (n < capacity && node != ArenaSkipList.NIL) {
      c.set(n++, list.slabOf(node), node, list.slabOf(version), version);
      version = list.olderVersion(version);
      if (version == ArenaSkipList.NIL) {
        node = list.next(node);
        if (node != ArenaSkipList.NIL) {
          version = list.newestVersion(node);
        }
      }
    }
    return n;
  }

  /** Entries at or before {@code (fromKey, fromTrailer)} (before it unless {@code inclusive}). */
  private int fillBackward(byte[] fromKey, long fromTrailer, boolean inclusive, int capacity, Chunk c) {
    long node;
    // The versions of the current node to emit, newest first in c's scratch; emitted from the last
    // (oldest).
    int count = 0;
    if (fromKey == null) {
      node = list.last();
    } else {
      node = list.seekFloor(fromKey, true);
      if (list.isNodeOf(node, fromKey)) {
        // The key's versions before the start in internal order are those of greater trailers.
        for (long v = list.newestVersion(node);
            v != ArenaSkipList.NIL && !startsAt(v, fromTrailer, !inclusive);
            v = list.olderVersion(v)) {
          c.push(count++, v);
        }
        if (count == 0) {
          node = list.previous(node);
        }
      }
    }
    int n = 0;
    while (n < capacity && node != ArenaSkipList.NIL) {
      if (count == 0) {
        for (long v = list.newestVersion(node); v != ArenaSkipList.NIL; v = list.olderVersion(v)) {
          c.push(count++, v);
        }
      }
      byte[] slab = list.slabOf(node);
      while (count > 0 && n < capacity) {
        long v = c.scratch[--count];
        c.set(n++, slab, node, list.slabOf(v), v);
      }
      if (count == 0) {
        node = list.previous(node);
      }
    }
    return n;
  }

  /**
   * Whether the version sorts at or after the start {@code (key, fromTrailer)} in internal order
   * (its trailer at most the start's, or below it when not {@code inclusive}).
   */
  private boolean startsAt(long version, long fromTrailer, boolean inclusive) {
    long t = list.versionTrailer(version);
    return inclusive ? t <= fromTrailer : t < fromTrailer;
  }

  /** A cursor's buffers: per entry, its node's and its version's slab and offset. */
  static final class Chunk {
    byte[][] nodeSlabs = new byte[0][];
    int[] nodeOffsets = new int[0];
    byte[][] versionSlabs = new byte[0][];
    int[] versionOffsets = new int[0];
    /** A key's versions while a backward fill reverses them. */
    long[] scratch = new long[8];

    void ensure(int capacity) {
      if (nodeSlabs.length < capacity) {
        nodeSlabs = new byte[capacity][];
        nodeOffsets = new int[capacity];
        versionSlabs = new byte[capacity][];
        versionOffsets = new int[capacity];
      }
    }

    void set(int i, byte[] nodeSlab, long node, byte[] versionSlab, long version) {
      nodeSlabs[i] = nodeSlab;
      nodeOffsets[i] = ArenaSkipList.offset(node);
      versionSlabs[i] = versionSlab;
      versionOffsets[i] = ArenaSkipList.offset(version);
    }

    /** Stores {@code version} at {@code at} of the scratch, growing it when full. */
    void push(int at, long version) {
      if (at == scratch.length) {
        scratch = java.util.Arrays.copyOf(scratch, at * 2);
      }
      scratch[at] = version;
    }

    void clear() {
      java.util.Arrays.fill(nodeSlabs, null);
      java.util.Arrays.fill(versionSlabs, null);
    }
  }

  /** Entry value stored for a kind: tombstones keep a shared empty array. */
  static byte[] storedValue(ValueKind kind, byte[] value) {
    return kind == ValueKind.DELETE ? EMPTY : value;
  }

  static final byte[] EMPTY = new byte[0];

  /** A {@link ChunkedCursor} over one shard; reads entry bytes from the arena lock-free. */
  static final class Cursor extends ChunkedCursor {
    private final MemtableShard shard;
    private final Chunk chunk = new Chunk();
    /** The user key at {@code keyPos}, copied on first use; -1 = none. */
    private byte[] key;

    private int keyPos = -1;

    /** What {@link #borrowValue} lends, reused. */
    private final BorrowedValue borrowed = new BorrowedValue();

    Cursor(MemtableShard shard) {
      this.shard = shard;
    }

    @Override
    int fill(byte[] fromKey, long fromTrailer, boolean inclusive, boolean forward, int capacity) {
      chunk.ensure(capacity);
      keyPos = -1;
      return shard.fill(fromKey, fromTrailer, inclusive, forward, capacity, chunk);
    }

    @Override
    public byte[] userKey() {
      int p = position();
      assert shard.readable() : "memtable read after its memory went back for reuse";
      if (keyPos != p) {
        key = ArenaSkipList.copyKey(chunk.nodeSlabs[p], chunk.nodeOffsets[p]);
        keyPos = p;
      }
      return key;
    }

    @Override
    public long trailer() {
      int p = position();
      return ArenaSkipList.trailer(chunk.versionSlabs[p], chunk.versionOffsets[p]);
    }

    @Override
    public byte[] value() {
      int p = position();
      byte[] v = shard.list.copyValue(chunk.versionSlabs[p], chunk.versionOffsets[p]);
      assert shard.readable() : "memtable read after its memory went back for reuse";
      return v;
    }

    @Override
    public BorrowedValue borrowValue() {
      int p = position();
      BorrowedValue v =
          shard.list.lendValue(chunk.versionSlabs[p], chunk.versionOffsets[p], borrowed);
      assert shard.readable() : "memtable read after its memory went back for reuse";
      return v;
    }

    @Override
    public void close() {
      super.close();
      chunk.clear();
      keyPos = -1;
    }
  }
}
