package dev.strata;

/**
 * A counter of {@link Statistics}: it only grows while the database is open, from zero at open.
 * Each has a stable dotted {@link #statName()} that JMX, Micrometer and {@code strata stats} use.
 */
public enum Ticker {
  /** User key and value bytes of puts, deletes and batches. */
  BYTES_WRITTEN("strata.bytes.written"),
  /** Keys put or deleted, one per operation of a batch. */
  KEYS_WRITTEN("strata.keys.written"),
  /** Value bytes returned by gets. */
  BYTES_READ("strata.bytes.read"),
  /** Point lookups ({@code get}), found or not. */
  KEYS_READ("strata.keys.read"),
  /** Point lookups that found a value. */
  KEYS_FOUND("strata.keys.found"),
  /**
   * Point lookups whose newest version was a merge operand, answered by collecting the operands
   * below it.
   */
  MERGE_READS("strata.merge.reads"),
  /**
   * Keys whose merge operands a flush or compaction could not combine because the merge operator
   * threw (they are kept as written).
   */
  MERGE_FAILURES("strata.merge.failures"),
  /** Values a {@link CompactionFilter} removed (each became a deletion or was dropped). */
  COMPACTION_FILTER_REMOVED("strata.compaction.filter.removed"),
  /** Values a {@link CompactionFilter} replaced with a changed value. */
  COMPACTION_FILTER_CHANGED("strata.compaction.filter.changed"),
  /**
   * Values whose {@link CompactionFilter} threw or returned null; each was kept as it was.
   */
  COMPACTION_FILTER_FAILURES("strata.compaction.filter.failures"),
  /** Bytes appended to write-ahead logs. */
  WAL_BYTES("strata.wal.bytes"),
  /** Forces of a write-ahead log for sync writes. */
  WAL_SYNCS("strata.wal.syncs"),
  /** Point lookups a memtable answered (a value or a tombstone). */
  MEMTABLE_HIT("strata.memtable.hit"),
  /** Point lookups no memtable answered, which went on to the tables. */
  MEMTABLE_MISS("strata.memtable.miss"),
  /**
   * Data blocks found in the block cache. Index and filter blocks are read once when a table opens
   * and stay with its reader, so data blocks are the only kind the cache holds.
   */
  BLOCK_CACHE_DATA_HIT("strata.block.cache.data.hit"),
  /** Data blocks not in the block cache, read from the file. */
  BLOCK_CACHE_DATA_MISS("strata.block.cache.data.miss"),
  /** Data blocks offered to the block cache after a miss and admitted. */
  BLOCK_CACHE_DATA_ADD("strata.block.cache.data.add"),
  /**
   * Blocks the block cache evicted for room. For a cache shared by several databases ({@link
   * Options.Builder#blockCache}) this counts the whole cache, since the last open of this database.
   */
  BLOCK_CACHE_EVICTIONS("strata.block.cache.evictions"),
  /** Bloom filter probes of point lookups: {@link #BLOOM_USEFUL} plus the probes that passed. */
  BLOOM_CHECKED("strata.bloom.checked"),
  /** Bloom filter probes that ruled a table out, saving a block read. */
  BLOOM_USEFUL("strata.bloom.useful"),
  /**
   * Prefix filter probes of prefix-bounded iterators ({@link ReadOptions.Builder#prefixSameAsStart}):
   * one per table positioned while the iterator is bounded, if the table's filter holds prefixes
   * of the database's extractor.
   */
  BLOOM_PREFIX_CHECKED("strata.bloom.prefix.checked"),
  /** Prefix filter probes that ruled a table out, which the iterator then skipped. */
  BLOOM_PREFIX_USEFUL("strata.bloom.prefix.useful"),
  /** Write groups that stopped until background work made room. */
  STALLS("strata.stall.count"),
  /** Nanoseconds write groups spent stopped or delayed. */
  STALL_NANOS("strata.stall.nanos"),
  /** Write groups delayed (up to 1 ms each) past the level-0 slowdown trigger. */
  SLOWDOWNS("strata.slowdown.count"),
  /** Memtables flushed to level-0 tables. */
  FLUSHES("strata.flush.count"),
  /** Table bytes written by flushes. */
  FLUSH_BYTES_WRITTEN("strata.flush.bytes.written"),
  /** Compactions that rewrote data (trivial moves excluded). */
  COMPACTIONS("strata.compaction.count"),
  /** Compactions that moved a file one level down without rewriting it. */
  TRIVIAL_MOVES("strata.compaction.trivial.moves"),
  /** Table bytes read by compactions. */
  COMPACTION_BYTES_READ("strata.compaction.bytes.read"),
  /** Table bytes written by compactions. */
  COMPACTION_BYTES_WRITTEN("strata.compaction.bytes.written"),
  /** Table files opened for reading (table-cache misses, including reopen after eviction). */
  FILES_OPENED("strata.files.opened"),
  /** Writers that found a memtable shard's write lock taken and waited for it. */
  MEMTABLE_LOCK_WAITS("strata.memtable.lock.waits"),
  /** Nanoseconds writers waited for memtable shard write locks. */
  MEMTABLE_LOCK_WAIT_NANOS("strata.memtable.lock.wait.nanos"),
  /** Commit groups written (one WAL append each; see {@link HistogramType#COMMIT_GROUP_SIZE}). */
  COMMIT_GROUPS("strata.commit.groups"),
  /**
   * Nanoseconds writers spent in the commit pipeline waiting for others: to lead, to be told to
   * insert, or for their group to be published. Measured on one writer in 8 (at {@code
   * StatisticsLevel.ALL} only), each counting eight times its wait: an estimate.
   */
  COMMIT_WAIT_NANOS("strata.commit.wait.nanos"),
  /** Reads that found a level's read lock taken by an install and waited for it. */
  LEVEL_LOCK_WAITS("strata.level.lock.waits"),
  /** Nanoseconds reads waited for level read locks. */
  LEVEL_LOCK_WAIT_NANOS("strata.level.lock.wait.nanos"),
  /** Iterator seeks (to a key, to the first or to the last entry). */
  ITER_SEEKS("strata.iter.seeks"),
  /** Iterator steps ({@code next} and {@code prev}). */
  ITER_NEXTS("strata.iter.nexts"),
  /** Nanoseconds flushes and compactions waited for {@link Options#backgroundIoBytesPerSecond()}. */
  BACKGROUND_IO_WAIT_NANOS("strata.background.io.wait.nanos"),
  /**
   * Background failures: the error that makes the database refuse writes (at most one per open),
   * and each flush or compaction that could not write its output and is tried again (writes go
   * on; see {@link EventListener.BackgroundErrorInfo#writesAccepted()}).
   */
  BACKGROUND_ERRORS("strata.background.errors");

  private final String statName;

  Ticker(String statName) {
    this.statName = statName;
  }

  /** The stable dotted name, such as {@code strata.bytes.written}. */
  public String statName() {
    return statName;
  }
}
