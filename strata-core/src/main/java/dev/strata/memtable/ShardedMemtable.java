package dev.strata.memtable;

import dev.strata.stats.LockWaits;
import dev.strata.key.FragmentedRangeTombstones;
import dev.strata.key.InternalIterator;
import dev.strata.key.Lookup;
import dev.strata.key.MergingIterator;
import dev.strata.key.Trailer;
import dev.strata.key.ValueKind;
import dev.strata.util.Bytes;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The default memtable: an array of independent {@link MemtableShard}s, each an ordered map (an
 * {@link ArenaSkipList}) behind its own read-write lock. A key lives in shard {@code hash64(key) &
 * (shardCount - 1)}. Each shard also keeps a hash index from a key to its newest version ({@link
 * KeyIndex}), so that a point lookup reads a table slot and a node instead of searching the list;
 * the hash that picks the shard is the one the index uses.
 *
 * <h2>Invariants</h2>
 *
 * <ol>
 *   <li>The shard count is a power of two, fixed at construction; a user key always maps to the
 *       same shard, so all versions of a key are in one shard and a point lookup reads one shard.
 *   <li>{@code sizeBytes} is the memory held by the shards' arenas and indexes: every slab and
 *       index table allocated (net of the tables they replaced), array headers included, and every
 *       window of off-heap value chunks taken; it only grows. Entries live inside the slabs and
 *       windows, so this is the memtable's whole footprint but for a few small objects per shard.
 *   <li>Within a shard entries are in internal-key order; across shards no order exists, so
 *       ordered reads merge the shards (a k-way {@link MergingIterator}).
 * </ol>
 *
 * <h2>Concurrency</h2>
 *
 * Operations on different shards never wait for each other: each takes only its own shard's lock,
 * and a thread never holds two shard locks. The size counter is an {@link AtomicLong} added to
 * after the entry is in its shard, and only when the insert took a new slab (a few hundred times
 * per memtable, so writers on different shards share no cache line per entry); it is read without
 * locks by the writer that decides when the memtable is full, so a stale read may let a few entries
 * past the limit (bounded by the number of concurrent writers times the largest slab). Entry counts
 * are kept per shard under the shard's lock and summed on demand. Iterators copy bounded chunks of entry references
 * under a shard's read lock ({@link ChunkedCursor}) and hold no lock between calls.
 *
 * <h2>Lifecycle</h2>
 *
 * Created empty by the engine; receives adds while it is the active memtable; becomes immutable
 * when the engine switches to a fresh one (no adds after that); dropped after its flush is
 * installed. Nothing to close: once no read can reach it, the engine calls {@link #reclaim} to
 * hand its off-heap value chunks ({@link ValueChunks}) to the next memtables.
 *
 * <h2>Failure</h2>
 *
 * No I/O, so no I/O failure; an {@link OutOfMemoryError} propagates to the writer.
 */
public final class ShardedMemtable implements Memtable {
  private final MemtableShard[] shards;
  private final int mask;
  private final long maxBytes;
  /** Bytes of all arenas; incremented by writers after an insert allocates, read lock-free. */
  private final AtomicLong sizeBytes = new AtomicLong();

  /**
   * @param shardCount a power of two, at least 1
   * @param maxBytes the size at which {@link #isFull()} turns true
   */
  public ShardedMemtable(int shardCount, long maxBytes) {
    this(shardCount, maxBytes, LockWaits.NONE);
  }

  /** As above, counting writers' waits for shard locks in {@code lockWaits}. */
  public ShardedMemtable(int shardCount, long maxBytes, LockWaits lockWaits) {
    this(shardCount, maxBytes, lockWaits, SlabChunks.forMemtable(maxBytes));
  }

  /**
   * As above, with the values off the heap in chunks of {@code valuePool} (see {@link
   * ValueChunks}) when the memtable is at least {@link #MIN_OFF_HEAP_BYTES}; null keeps them on it.
   */
  public ShardedMemtable(
      int shardCount, long maxBytes, LockWaits lockWaits, ValueChunkPool valuePool) {
    this(
        shardCount,
        maxBytes,
        lockWaits,
        valuePool,
        valuePool != null && valuePool.allocatedChunks() > 0);
  }

  /**
   * As above; {@code busy}: the database filled memtables with values off the heap before, so this
   * one starts its slabs in region-sized chunks and its values off the heap at once instead of
   * after a first MiB of each on the heap (see {@link SlabChunks#OWN_FIRST}). That first MiB of
   * each keeps an idle memtable small, but in a busy database it is young and alive at every young
   * collection until the memtable is flushed, and G1 copies it each time.
   */
  private ShardedMemtable(
      int shardCount, long maxBytes, LockWaits lockWaits, ValueChunkPool valuePool, boolean busy) {
    this(
        shardCount,
        maxBytes,
        lockWaits,
        SlabChunks.forMemtable(maxBytes, !busy),
        valuePool == null || maxBytes < MIN_OFF_HEAP_BYTES ? null : new ValueChunks(valuePool),
        busy ? 0 : ValueChunks.HEAP_FIRST_BYTES);
  }

  /** As above, with the shards' slabs carved from {@code chunks} (null: arrays of their own). */
  ShardedMemtable(int shardCount, long maxBytes, LockWaits lockWaits, SlabChunks chunks) {
    this(shardCount, maxBytes, lockWaits, chunks, null, 0);
  }

  /**
   * As above, with values off the heap in {@code values} (null: on it) once the memtable holds
   * about {@code heapValuesFirst} bytes (each shard its share).
   */
  ShardedMemtable(
      int shardCount,
      long maxBytes,
      LockWaits lockWaits,
      SlabChunks chunks,
      ValueChunks values,
      long heapValuesFirst) {
    if (shardCount < 1 || Integer.bitCount(shardCount) != 1) {
      throw new IllegalArgumentException("shard count must be a power of two, got " + shardCount);
    }
    this.shards = new MemtableShard[shardCount];
    int slabSize = ArenaSkipList.slabSizeFor(maxBytes / shardCount);
    if (chunks != null) {
      slabSize = Math.min(slabSize, chunks.chunkBytes());
    }
    for (int i = 0; i < shardCount; i++) {
      shards[i] =
          new MemtableShard(slabSize, chunks, values, heapValuesFirst / shardCount, lockWaits);
    }
    this.values = values;
    this.mask = shardCount - 1;
    this.maxBytes = maxBytes;
  }

  /**
   * The smallest memtable whose values go off the heap: smaller ones, such as the memtables of
   * many small databases sharing one JVM, would hold a chunk each for a few values.
   */
  public static final long MIN_OFF_HEAP_BYTES = 4L * ValueChunkPool.CHUNK_BYTES;

  /** Where the values go off the heap, or null; see {@link ValueChunks}. */
  private final ValueChunks values;

  /** Shard {@code i}, for tests. */
  MemtableShard shardForTesting(int i) {
    return shards[i];
  }

  /** Per shard, the writers that waited for its lock (an on-demand figure for monitoring). */
  public long[] lockWaitsPerShard() {
    long[] n = new long[shards.length];
    for (int i = 0; i < shards.length; i++) {
      n[i] = shards[i].lockWaitCount();
    }
    return n;
  }

  /** The shard index of a key: {@code hash64(key) & (shardCount - 1)}. */
  public int shardOf(byte[] key) {
    return (int) (Bytes.hash64(key) & mask);
  }

  public int shardCount() {
    return shards.length;
  }

  /** Range tombstones; see {@link MemtableRangeTombstones}. */
  private final MemtableRangeTombstones rangeTombstones = new MemtableRangeTombstones();

  @Override
  public void add(long sequence, ValueKind kind, byte[] key, byte[] value) {
    if (kind == ValueKind.RANGE_DELETE) {
      sizeBytes.addAndGet(rangeTombstones.add(sequence, key, value));
      return;
    }
    byte[] stored = MemtableShard.storedValue(kind, value);
    long hash = Bytes.hash64(key);
    long trailer = Trailer.pack(sequence, kind);
    long allocated = shards[(int) (hash & mask)].add(key, hash, trailer, stored);
    if (allocated > 0) {
      sizeBytes.addAndGet(allocated);
    }
  }

  @Override
  public byte[] get(byte[] key, long snapshot) {
    FragmentedRangeTombstones ranges = rangeTombstones.fragments();
    long covering = ranges.isEmpty() ? -1 : ranges.coveringSequence(key, snapshot);
    long hash = Bytes.hash64(key);
    MemtableShard shard = shards[(int) (hash & mask)];
    byte[] r = shard.get(key, hash, snapshot, covering);
    // A get that overlapped the memory's reuse may have copied another memtable's bytes.
    assert shard.readable() : "memtable read after its memory went back for reuse";
    return r != null || covering < 0 ? r : Lookup.DELETED;
  }

  /**
   * Gives the value chunks to the pool this memtable was made with, for the next memtables; see
   * {@link Memtable#reclaim}.
   */
  @Override
  public void reclaim() {
    if (values != null) {
      values.giveBack();
    }
  }

  @Override
  public long offHeapBytes() {
    return (long) valueChunkCount() * ValueChunkPool.CHUNK_BYTES;
  }

  /** Chunks of off-heap values this memtable holds; for tests. */
  int valueChunkCount() {
    return values == null ? 0 : values.chunkCount();
  }

  @Override
  public FragmentedRangeTombstones rangeTombstones() {
    return rangeTombstones.fragments();
  }

  @Override
  public InternalIterator newIterator() {
    if (shards.length == 1) {
      return new MemtableShard.Cursor(shards[0]);
    }
    List<InternalIterator> cursors = new ArrayList<>(shards.length);
    for (MemtableShard s : shards) {
      cursors.add(new MemtableShard.Cursor(s));
    }
    return new MergingIterator(cursors);
  }

  @Override
  public long approximateBytes() {
    return sizeBytes.get();
  }

  @Override
  public boolean isFull() {
    return sizeBytes.get() >= maxBytes;
  }

  @Override
  public long entryCount() {
    long n = rangeTombstones.count();
    for (MemtableShard s : shards) {
      n += s.entryCount();
    }
    return n;
  }

  @Override
  public String toString() {
    return "ShardedMemtable{shards=" + shards.length + ", bytes=" + sizeBytes.get() + "}";
  }
}
