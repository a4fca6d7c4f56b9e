package dev.strata.engine;

import dev.strata.sstable.BlockCache;
import dev.strata.sstable.TableCache;

/**
 * The heap one database holds in its large consumers, in bytes, read once for {@code getProperty}
 * ({@code docs/design/memory.md} lists what each figure includes and what none does). Every
 * figure is computed from array lengths as the consumer allocated them, and read without a lock
 * of Strata's: the memtable set through its volatile field, the rest from atomics. The figures
 * are read one after another, so while the database works a memtable or table moving between
 * two of them (a flush, a compaction) may show in both or neither; each is exact on its own.
 *
 * @param activeMemtable the active memtable's arena slabs
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
    long tableBuilderBytes) {

  static MemoryUsage of(DbImpl db) {
    MemtableSet m = db.memtablesForProperties();
    long active = m.active.approximateBytes();
    BlockCache cache = db.blockCache();
    TableCache tables = db.tablesForProperties();
    return new MemoryUsage(
        active,
        m.approximateBytes() - active,
        m.immutables.size(),
        db.pinnedMemtableBytes(),
        cache.usedBytes(),
        cache.capacityBytes(),
        cache.overheadHeapBytes(),
        tables.openReaderCount(),
        tables.openReaderHeapBytes(),
        db.stats.tableBuilderBytes.get());
  }

  /** The active memtable and the immutable ones waiting for flush (RocksDB's "cur-size"). */
  long unflushedMemtables() {
    return activeMemtable + immutableMemtables;
  }

  /** Every memtable still on the heap: unflushed ones and those iterators pin. */
  long allMemtables() {
    return unflushedMemtables() + pinnedMemtables;
  }

  /**
   * The sum of the consumers above: all memtables, the block cache with its overhead, the open
   * table readers and the table builders. A block cache shared by several databases is counted
   * whole in each one's figure.
   */
  long estimatedHeapBytes() {
    return allMemtables()
        + blockCacheUsed
        + blockCacheOverhead
        + tableReaderBytes
        + tableBuilderBytes;
  }
}
