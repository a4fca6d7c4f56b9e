package dev.strata.engine;

import dev.strata.sstable.BlockCache;
import dev.strata.sstable.TableCache;

/**
 * The memory one database holds in its large consumers, in bytes, read once for {@code getProperty}
 * ({@code docs/design/memory.md} lists what each figure includes and what none does). The memtable
 * and table reader figures are summed over the live column families, each read in turn; the block
 * cache and the table builders are the database's, shared by every family. Every
 * figure is computed from array lengths as the consumer allocated them, and read without a lock
 * of Strata's: the memtable set through its volatile field, the rest from atomics. The figures
 * are read one after another, so while the database works a memtable or table moving between
 * two of them (a flush, a compaction) may show in both or neither; each is exact on its own.
 *
 * @param activeMemtable the active memtable's arena slabs and off-heap value windows
 * @param immutableMemtables the slabs of the immutable memtables waiting for flush
 * @param immutableCount how many those are
 * @param pinnedMemtables flushed memtables that open iterators still read ({@link MemtablePin})
 * @param blockCacheUsed the cached blocks' weight ({@link BlockCache#usedBytes})
 * @param blockCacheCapacity the block cache's capacity
 * @param blockCacheOverhead the doorkeeper and per-entry objects ({@link
 *     BlockCache#overheadHeapBytes})
 * @param tableReaders open table readers ({@link TableCache#openReaderCount})
 * @param tableReaderBytes their index, filter and properties ({@link
 *     TableCache#openReaderHeapBytes})
 * @param tableBuilderBytes the running flush's and compaction's table builders
 * @param memtablesOffHeap direct memory the active and immutable memtables hold for their values
 *     ({@link dev.strata.memtable.Memtable#offHeapBytes}), part of the two memtable figures
 * @param pooledValueChunks direct memory kept for the next memtables' values ({@link
 *     dev.strata.memtable.ValueChunkPool})
 */
record MemoryUsage(
    long activeMemtable,
    long immutableMemtables,
    int immutableCount,
    long pinnedMemtables,
    long blockCacheUsed,
    long blockCacheCapacity,
    long blockCacheOverhead,
    int tableReaders,
    long tableReaderBytes,
    long tableBuilderBytes,
    long memtablesOffHeap,
    long pooledValueChunks) {

  static MemoryUsage of(DbImpl db) {
    long active = 0;
    long immutable = 0;
    int immutableCount = 0;
    long pinned = 0;
    long offHeap = 0;
    int readers = 0;
    long readerBytes = 0;
    for (ColumnFamily f : db.familiesForProperties()) {
      // The set first, then the pins: a memtable whose flush installs between the two reads is
      // counted in both rather than in neither (MemtablePin adds before its state changes).
      MemtableSet m = f.mems;
      long a = m.active.approximateBytes();
      active += a;
      immutable += m.approximateBytes() - a;
      immutableCount += m.immutables.size();
      offHeap += m.offHeapBytes();
      pinned += f.pinnedMemtableBytes.get();
      TableCache tables = f.tables;
      readers += tables.openReaderCount();
      readerBytes += tables.openReaderHeapBytes();
    }
    BlockCache cache = db.blockCache();
    return new MemoryUsage(
        active,
        immutable,
        immutableCount,
        pinned,
        cache.usedBytes(),
        cache.capacityBytes(),
        cache.overheadHeapBytes(),
        readers,
        readerBytes,
        db.stats.tableBuilderBytes.get(),
        offHeap,
        db.pooledValueChunkBytes());
  }

  /** The active memtable and the immutable ones waiting for flush (RocksDB's "cur-size"). */
  long unflushedMemtables() {
    return activeMemtable + immutableMemtables;
  }

  /** Every memtable still on the heap: unflushed ones and those iterators pin. */
  long allMemtables() {
    return unflushedMemtables() + pinnedMemtables;
  }

  /** Direct memory for memtable values: held by the memtables and kept for the next ones. */
  long offHeapBytes() {
    return memtablesOffHeap + pooledValueChunks;
  }

  /**
   * The sum of the consumers above on the heap: all memtables less their values off the heap, the
   * block cache with its overhead, the open table readers and the table builders. A block cache
   * shared by several databases is counted whole in each one's figure. (Flushed memtables that
   * iterators hold are counted whole, their values off the heap included.)
   */
  long estimatedHeapBytes() {
    return allMemtables()
        - memtablesOffHeap
        + blockCacheUsed
        + blockCacheOverhead
        + tableReaderBytes
        + tableBuilderBytes;
  }
}
