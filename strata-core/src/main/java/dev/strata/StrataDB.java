package dev.strata;

import dev.strata.engine.DbImpl;
import dev.strata.sstable.BlockCache;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * An open Strata database: a persistent, ordered map from byte-array keys to byte-array values,
 * safe for use by many threads at once. Keys are ordered as unsigned bytes, lexicographically.
 *
 * <p>Durability: a write with {@link WriteOptions#SYNC} is on stable storage before it returns; a
 * default write has reached the operating system before it returns and so survives the process
 * dying, but not a power loss. Recovery never invents or reorders writes, and a {@link
 * WriteBatch} is recovered whole or not at all.
 *
 * <p>Arrays: a write reads the arrays it is passed while it runs and keeps none of them once it
 * returns, so a caller may reuse them at once; an array changed by another thread while a write
 * that was passed it runs leaves what is stored undefined. Every array a read returns is the
 * caller's own.
 *
 * <p>Every method but {@link #close()} throws {@link StrataException} once the database is
 * closed. A write throws {@link StrataException} with the cause once a WAL write, a manifest write
 * or a compaction of a corrupt input has failed (the database then refuses writes until reopened,
 * but still serves reads). A flush or compaction that merely could not write its output (no space,
 * an I/O error, the heap) changes nothing: writes go on and the engine tries it again; {@link
 * #flush()} and {@link #compactRange} report such a failure to their caller.
 */
public interface StrataDB extends AutoCloseable {
  /** Largest key accepted, in bytes. */
  int MAX_KEY_BYTES = 65_535;

  /** Largest value accepted, in bytes. */
  int MAX_VALUE_BYTES = 64 << 20;

  /**
   * Largest {@link WriteBatch} accepted, in bytes of its {@link WriteBatch#approximateBytes()},
   * which is never below its logged size: 1 GiB minus the log record's 12-byte batch header, so
   * that any accepted batch fits one WAL record.
   */
  int MAX_BATCH_BYTES = (1 << 30) - 12;

  /**
   * Opens (and with {@link Options#createIfMissing()}, creates) the database in {@code dir},
   * recovering every write acknowledged before the last close or crash.
   *
   * @throws NullPointerException if an argument is null
   * @throws StrataException if the directory is locked by another open database (in this or
   *     another process), does not hold a database and creation is off, holds one and {@link
   *     Options#errorIfExists()} is set, or cannot be read
   * @throws CorruptionException if a file the database needs is damaged or missing
   */
  static StrataDB open(Path dir, Options options) {
    Objects.requireNonNull(dir, "dir");
    Objects.requireNonNull(options, "options");
    WriteBufferManager budget =
        options.writeBufferManager() != null
            ? options.writeBufferManager()
            : WriteBufferManager.processDefault();
    return withBlockCache(
        options,
        cache ->
            DbImpl.open(
                dir,
                options,
                cache.cache(),
                budget == null ? null : budget.budget(),
                cache::release));
  }

  /**
   * Opens the database in {@code dir} for reading only: takes no lock and writes nothing (no
   * manifest, WAL, table or {@code CURRENT}); the WALs are replayed into memory. It works on a
   * read-only mount, on a full disk, and beside a process that has the database open for writing
   * (it sees the state as of its open; open again to see later writes). Every write, {@code
   * flush} and {@code compactRange} fails with {@link StrataException}. Every table file stays
   * open until {@link #close()}.
   *
   * @throws NullPointerException if an argument is null
   * @throws StrataException if the directory does not hold a database or cannot be read
   * @throws CorruptionException if a file the database needs is damaged or missing
   */
  static StrataDB openReadOnly(Path dir, Options options) {
    Objects.requireNonNull(dir, "dir");
    Objects.requireNonNull(options, "options");
    return withBlockCache(
        options, cache -> DbImpl.openReadOnly(dir, options, cache.cache(), cache::release));
  }

  /**
   * Rebuilds a consistent database in {@code dir} from whatever of it can be read, without trusting
   * its manifest or {@code CURRENT} (RocksDB's {@code RepairDB}): every table is read block by
   * block, every WAL up to its first bad record, and the newest version of each key is written to
   * new tables under a new manifest. What could not be read whole moves to {@code dir/lost/}. The
   * database must not be open. Afterwards it opens and holds every key that survived on disk;
   * where a block of a newer table was lost, an older version of a key may show again (the report
   * lists the lost key ranges).
   *
   * @throws StrataException if the directory is locked (open elsewhere) or writing fails; the
   *     database is then as it was, and repair may run again
   */
  static RepairReport repair(Path dir, Options options) {
    Objects.requireNonNull(dir, "dir");
    Objects.requireNonNull(options, "options");
    return DbImpl.repair(dir, options);
  }

  /**
   * As {@link #repair}, but writes the rebuilt database into {@code to}, which must be empty or
   * absent, and leaves {@code from} untouched (read, never locked or written).
   *
   * @throws IllegalArgumentException if both name the same directory
   * @throws StrataException if {@code to} is not empty or writing fails
   */
  static RepairReport salvage(Path from, Path to, Options options) {
    Objects.requireNonNull(from, "from");
    Objects.requireNonNull(to, "to");
    Objects.requireNonNull(options, "options");
    return DbImpl.salvage(from, to, options);
  }

  /**
   * Opens through {@code open} with the block cache of {@link #blockCacheOf}; if the open fails,
   * lets the cache go (a database that opened lets it go at its close).
   */
  private static StrataDB withBlockCache(
      Options options, java.util.function.Function<DefaultCache.Lease, StrataDB> open) {
    DefaultCache.Lease cache = blockCacheOf(options);
    try {
      return open.apply(cache);
    } catch (RuntimeException | Error e) {
      cache.release();
      throw e;
    }
  }

  /**
   * The shared cache of {@link Options#blockCache()}, one of the database's own of {@link
   * Options#blockCacheBytes()} if it set a size, or else the JVM's default cache ({@link
   * DefaultCache}).
   */
  private static DefaultCache.Lease blockCacheOf(Options options) {
    Cache shared = options.blockCache();
    if (shared != null) {
      return DefaultCache.Lease.of(shared.blocks());
    }
    return options.defaultBlockCache()
        ? DefaultCache.process().acquire()
        : DefaultCache.Lease.of(BlockCache.create(options.blockCacheBytes()));
  }

  /** Opens with {@link Options#defaults()}. */
  static StrataDB open(Path dir) {
    return open(dir, Options.defaults());
  }

  /**
   * Sets {@code key} to {@code value}.
   *
   * @throws NullPointerException if key or value is null
   * @throws IllegalArgumentException if key exceeds {@link #MAX_KEY_BYTES} or value {@link
   *     #MAX_VALUE_BYTES}
   */
  default void put(byte[] key, byte[] value) {
    put(key, value, WriteOptions.DEFAULT);
  }

  /** As {@link #put(byte[], byte[])} with the given write options. */
  void put(byte[] key, byte[] value, WriteOptions options);

  /**
   * The value of {@code key}, or null if absent.
   *
   * @throws NullPointerException if key is null
   * @throws CorruptionException if a block read for the lookup is damaged
   */
  default byte[] get(byte[] key) {
    return get(key, ReadOptions.DEFAULT);
  }

  /** As {@link #get(byte[])}, at the options' snapshot if one is set. */
  byte[] get(byte[] key, ReadOptions options);

  /**
   * The values of {@code keys}, in the order of the keys, null where a key is absent (a key may
   * appear more than once). All of them are read from one consistent view: the state at one
   * moment, as a snapshot taken at the call would show it. Faster than the same gets one by one
   * when keys share tables and blocks: keys are looked up in sorted order, and each table and each
   * data block is opened and read once for the keys that fall in it.
   *
   * @throws NullPointerException if the list or any key is null
   * @throws CorruptionException if a block read for the lookup is damaged
   */
  default List<byte[]> multiGet(List<byte[]> keys) {
    return multiGet(keys, ReadOptions.DEFAULT);
  }

  /** As {@link #multiGet(List)}, at the options' snapshot if one is set. */
  List<byte[]> multiGet(List<byte[]> keys, ReadOptions options);

  /**
   * False only if {@code key} is certainly absent: the memtables hold no version of it (or their
   * newest is a deletion) and the bloom filter of every table that could hold it says no. True
   * does not mean present (a bloom filter's false positive, or a deleted key still in a table).
   * Reads no data block; may open tables.
   *
   * @throws NullPointerException if key is null
   */
  default boolean keyMayExist(byte[] key) {
    return keyMayExist(key, ReadOptions.DEFAULT);
  }

  /** As {@link #keyMayExist(byte[])}, at the options' snapshot if one is set. */
  boolean keyMayExist(byte[] key, ReadOptions options);

  /**
   * For each range, about how many bytes of table files hold its keys: whole files inside it
   * count their size, a file a bound cuts counts the part its index places in the range. Data
   * still in memtables is not counted; a range whose start is not below its limit counts 0. Reads
   * no data block (tables not yet open are opened).
   *
   * @throws NullPointerException if the list or a range is null
   */
  long[] getApproximateSizes(List<Range> ranges);

  /**
   * Removes {@code key} if present.
   *
   * @throws NullPointerException if key is null
   * @throws IllegalArgumentException if key exceeds {@link #MAX_KEY_BYTES}
   */
  default void delete(byte[] key) {
    delete(key, WriteOptions.DEFAULT);
  }

  void delete(byte[] key, WriteOptions options);

  /**
   * Removes every key in [{@code beginInclusive}, {@code endExclusive}) as of this write: one
   * range tombstone, however many keys the range holds, so it costs about what one put costs.
   * Keys written later in the range are visible again; snapshots taken before it still see the
   * keys it hides. An empty range ({@code begin == end}) removes nothing.
   *
   * @throws NullPointerException if a bound is null
   * @throws IllegalArgumentException if a bound exceeds {@link #MAX_KEY_BYTES}, or {@code begin}
   *     sorts after {@code end} (unsigned byte order)
   */
  default void deleteRange(byte[] beginInclusive, byte[] endExclusive) {
    deleteRange(beginInclusive, endExclusive, WriteOptions.DEFAULT);
  }

  /**
   * Records {@code operand} for {@code key}, to be combined with the key's value by the merge
   * operator ({@code Options.mergeOperator}) when the key is read, flushed or compacted: a counter
   * or a list updated without reading it first.
   *
   * @throws NullPointerException if key or operand is null
   * @throws IllegalArgumentException if key or operand exceeds its limit
   * @throws IllegalStateException if the database has no merge operator
   */
  default void merge(byte[] key, byte[] operand) {
    merge(key, operand, WriteOptions.DEFAULT);
  }

  /** As {@link #merge(byte[], byte[])} with the given options. */
  void merge(byte[] key, byte[] operand, WriteOptions options);

  /** As {@link #deleteRange(byte[], byte[])} with the given options. */
  void deleteRange(byte[] beginInclusive, byte[] endExclusive, WriteOptions options);

  /**
   * Applies every operation of {@code batch} atomically.
   *
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the batch exceeds {@link #MAX_BATCH_BYTES} (nothing is
   *     written and the database stays writable)
   * @throws WriteStallException if {@code options} asked not to wait and the database is stalled
   */
  void write(WriteBatch batch, WriteOptions options);

  /** As {@link #write(WriteBatch, WriteOptions)} with {@link WriteOptions#DEFAULT}. */
  default void write(WriteBatch batch) {
    write(batch, WriteOptions.DEFAULT);
  }

  /**
   * A consistent view of the current state; close it when done. A compaction filter never changes
   * what a snapshot reads: with a filter set, a snapshot asked for while a compaction whose filter
   * acted installs its outputs waits for that install (one manifest write) to end.
   */
  Snapshot getSnapshot();

  /** An iterator over the latest state; close it when done. */
  default DBIterator newIterator() {
    return newIterator(ReadOptions.DEFAULT);
  }

  /** An iterator at the options' snapshot and within their bounds; close it when done. */
  DBIterator newIterator(ReadOptions options);

  /** Blocks until every write made before the call is in table files. */
  void flush();

  /**
   * Creates in {@code target} an openable copy of the database as of one point of the write order:
   * every write acknowledged before the call is in it, and of each batch all or nothing. Table
   * files are hard-linked where the file system allows (the copy then costs little space while
   * both databases keep them) and copied otherwise; writes, flushes and compactions go on
   * meanwhile. A writable database flushes first; a read-only one copies the state it opened with,
   * writing its replayed WALs as tables of the copy. The copy needs no WAL and is independent:
   * open it with {@link #open} or {@link #openReadOnly}, and writing or compacting either database
   * never changes the other. Every file and directory entry of the copy is forced before this
   * returns; it is built in {@code <target>.strata-checkpoint-tmp} and renamed into place, so that
   * after a crash {@code target} either does not exist or holds the whole checkpoint. Method and
   * durability: {@code docs/operations.md}, "Checkpoints".
   *
   * @throws NullPointerException if target is null
   * @throws StrataException if the database is closed; if {@code target} exists and is not an
   *     empty directory, lies inside the database directory, or its parent directory does not
   *     exist; if another checkpoint into {@code target} is under way in this process; if the
   *     flush fails or its wait is interrupted (the interrupt status is kept); or if a file cannot
   *     be linked, copied or written (for a read-only database, also when a writer beside it
   *     deleted a table it still lists). Nothing is then left at {@code target}, and the database
   *     is unaffected.
   */
  void createCheckpoint(Path target);

  /**
   * Takes in table files written by {@link SstFileWriter}, without the WAL, the memtable or a
   * compaction: the way to load many keys fast. The files are copied (or, with {@link
   * IngestOptions#moveFiles()}, hard-linked and then removed from where they were) into the
   * database. Each goes to the lowest level where nothing above it overlaps its key range, so a
   * load into disjoint ranges lands in the bottom level and is never rewritten; memtables holding
   * keys in its range are flushed first (unless {@link IngestOptions#allowBlockingFlush()} is
   * false, which makes such an ingestion fail instead), with writes waiting meanwhile. Every file
   * takes a sequence newer than every write before the call, in list order, so a later file's
   * keys win over an earlier one's, and a file's range deletions delete what the database held
   * before, not the file's own entries. The list is atomic: after a crash either all of it or none
   * of it is in the database. Snapshots and iterators made before the call see none of it.
   * Semantics: {@code docs/design/ingestion.md}.
   *
   * @throws NullPointerException if {@code files}, an element or {@code options} is null
   * @throws IllegalArgumentException if a file is listed twice
   * @throws StrataException if the database is closed, read-only or failed; if a file is missing,
   *     unreadable or corrupt (a {@link CorruptionException} naming it), was not written by {@link
   *     SstFileWriter}, holds merge operands and the database has no merge operator, or disagrees
   *     with the database about write times (a time-to-live filter); if a memtable overlaps and
   *     flushing is not allowed, or the flush fails or its wait is interrupted (the interrupt
   *     status is kept); or if a copy or the manifest write fails. Nothing is then ingested, except
   *     that a failed manifest write leaves the database failed, as every failed manifest write
   *     does.
   */
  void ingestExternalFiles(List<Path> files, IngestOptions options);

  /** As {@link #ingestExternalFiles(List, IngestOptions)} with {@link IngestOptions#defaults()}. */
  default void ingestExternalFiles(List<Path> files) {
    ingestExternalFiles(files, IngestOptions.defaults());
  }

  /**
   * Compacts the key range {@code [begin, end]} (null = unbounded) down to the bottom level, in
   * the caller's thread when background compaction is off.
   */
  void compactRange(byte[] begin, byte[] end);

  /**
   * The database's live {@link Statistics}: tickers and histograms since the open, read without a
   * lock. The same object for the life of the database; it keeps its last figures after close.
   */
  Statistics getStatistics();

  /**
   * A named property, or null if unknown: {@code strata.stats}, {@code
   * strata.num-files-at-level<N>}, {@code strata.level-bytes<N>}, {@code strata.memtable-bytes},
   * {@code strata.block-cache-hit-ratio}, {@code strata.compaction-pending}, the heap held by
   * memtables, block cache, table readers and table builders ({@code strata.estimate-heap-bytes}
   * and its parts, see {@code docs/design/memory.md}), and more listed in {@code
   * docs/design/properties.md}.
   */
  String getProperty(String name);

  /**
   * Flushes nothing, stops background work, waits for it, and releases the directory. Writes
   * acknowledged before are recoverable from the log. Idempotent.
   */
  @Override
  void close();

  // ---- column families ----

  /**
   * Creates column family {@code name} with its own memtable, levels and {@code options}; durable
   * when this returns, and so is every write made before. Writes and reads name it by the returned handle.
   *
   * @throws IllegalArgumentException if the name is empty, longer than 255 bytes in UTF-8, or
   *     already names a family
   * @throws StrataException if the database is closed or read-only, or the manifest cannot be
   *     written
   */
  ColumnFamilyHandle createColumnFamily(String name, ColumnFamilyOptions options);

  /**
   * Drops a column family: durable when this returns; later calls with its handle fail. Its files
   * are deleted once no open iterator reads them (at the latest at the next open). A write to the
   * family that races with the drop takes effect just before it and is dropped with it. Every
   * write made before the drop is as durable as the drop when this returns.
   *
   * @throws IllegalArgumentException if it is the default family or a handle of another database
   */
  void dropColumnFamily(ColumnFamilyHandle family);

  /** The names of the live column families, the default first, then in order of creation. */
  List<String> listColumnFamilies();

  /**
   * The names of the column families of the closed database in {@code dir}, as {@link
   * #listColumnFamilies()} would give them; reads the manifest only.
   *
   * @throws StrataException if {@code dir} holds no database or its manifest cannot be read
   */
  static List<String> listColumnFamilies(Path dir, Options options) {
    return dev.strata.engine.DbImpl.listColumnFamilies(dir, options);
  }

  /** The live column family named {@code name}, or null. */
  ColumnFamilyHandle columnFamily(String name);

  /** The default column family, which every database has. */
  ColumnFamilyHandle defaultColumnFamily();

  default void put(ColumnFamilyHandle family, byte[] key, byte[] value) {
    put(family, key, value, WriteOptions.DEFAULT);
  }

  /** As {@link #put(byte[], byte[], WriteOptions)}, in {@code family}. */
  void put(ColumnFamilyHandle family, byte[] key, byte[] value, WriteOptions options);

  default byte[] get(ColumnFamilyHandle family, byte[] key) {
    return get(family, key, ReadOptions.DEFAULT);
  }

  /** As {@link #get(byte[], ReadOptions)}, in {@code family}. */
  byte[] get(ColumnFamilyHandle family, byte[] key, ReadOptions options);

  default void delete(ColumnFamilyHandle family, byte[] key) {
    delete(family, key, WriteOptions.DEFAULT);
  }

  /** As {@link #delete(byte[], WriteOptions)}, in {@code family}. */
  void delete(ColumnFamilyHandle family, byte[] key, WriteOptions options);

  default void merge(ColumnFamilyHandle family, byte[] key, byte[] operand) {
    merge(family, key, operand, WriteOptions.DEFAULT);
  }

  /** As {@link #merge(byte[], byte[], WriteOptions)}, with the family's merge operator. */
  void merge(ColumnFamilyHandle family, byte[] key, byte[] operand, WriteOptions options);

  default void deleteRange(
      ColumnFamilyHandle family, byte[] beginInclusive, byte[] endExclusive) {
    deleteRange(family, beginInclusive, endExclusive, WriteOptions.DEFAULT);
  }

  /** As {@link #deleteRange(byte[], byte[], WriteOptions)}, in {@code family}. */
  void deleteRange(
      ColumnFamilyHandle family,
      byte[] beginInclusive,
      byte[] endExclusive,
      WriteOptions options);

  default List<byte[]> multiGet(List<ColumnFamilyHandle> families, List<byte[]> keys) {
    return multiGet(families, keys, ReadOptions.DEFAULT);
  }

  /**
   * The value of each key in the family at the same index (null: the default family), in one
   * consistent view for the whole call.
   *
   * @throws IllegalArgumentException if the lists differ in length
   */
  List<byte[]> multiGet(
      List<ColumnFamilyHandle> families, List<byte[]> keys, ReadOptions options);

  default boolean keyMayExist(ColumnFamilyHandle family, byte[] key) {
    return keyMayExist(family, key, ReadOptions.DEFAULT);
  }

  /** As {@link #keyMayExist(byte[], ReadOptions)}, in {@code family}. */
  boolean keyMayExist(ColumnFamilyHandle family, byte[] key, ReadOptions options);

  default DBIterator newIterator(ColumnFamilyHandle family) {
    return newIterator(family, ReadOptions.DEFAULT);
  }

  /** As {@link #newIterator(ReadOptions)}, over {@code family}. */
  DBIterator newIterator(ColumnFamilyHandle family, ReadOptions options);

  /** As {@link #flush()}, of {@code family} only: the other families' memtables stay. */
  void flush(ColumnFamilyHandle family);

  /** As {@link #compactRange(byte[], byte[])}, in {@code family}. */
  void compactRange(ColumnFamilyHandle family, byte[] begin, byte[] end);

  /**
   * As {@link #getProperty(String)}, of {@code family}'s memtables, levels and tables; the
   * database-wide properties (the heap total, the block cache, write stalls, counters) answer the
   * same for every family. {@code docs/design/properties.md} says which is which.
   */
  String getProperty(ColumnFamilyHandle family, String name);

  /**
   * An integer property of the whole database, as RocksDB's {@code getAggregatedLongProperty}: a
   * per-family property ({@code strata.cur-size-all-mem-tables}, {@code
   * strata.estimate-table-readers-mem}, {@code strata.total-sst-bytes}, {@code
   * strata.num-files-at-level<N>}, ...) summed over the live families, {@code
   * strata.compaction-pending} as the number of families with a compaction pending, and a
   * database-wide one ({@code strata.estimate-heap-bytes}, {@code strata.block-cache-usage}, ...)
   * as {@link #getProperty(String)} gives it. The families are read one after another.
   *
   * @throws IllegalArgumentException if {@code name} is not an integer property
   * @throws StrataException if the database is closed
   */
  long getAggregatedLongProperty(String name);

  /** As {@link #ingestExternalFiles(List, IngestOptions)}, into {@code family}. */
  void ingestExternalFiles(ColumnFamilyHandle family, List<Path> files, IngestOptions options);

  /** Validates a key; shared by the database and {@link WriteBatch}. */
  static void checkKey(byte[] key) {
    Objects.requireNonNull(key, "key must not be null");
    if (key.length > MAX_KEY_BYTES) {
      throw new IllegalArgumentException(
          "key of " + key.length + " bytes exceeds the limit of " + MAX_KEY_BYTES);
    }
  }

  /** Validates the bounds of a range deletion; shared by the database and {@link WriteBatch}. */
  static void checkRange(byte[] begin, byte[] end) {
    Objects.requireNonNull(begin, "begin must not be null");
    Objects.requireNonNull(end, "end must not be null");
    checkKey(begin);
    checkKey(end);
    if (java.util.Arrays.compareUnsigned(begin, end) > 0) {
      throw new IllegalArgumentException("range deletion begins after its end");
    }
  }

  /** Validates a value; shared by the database and {@link WriteBatch}. */
  static void checkValue(byte[] value) {
    Objects.requireNonNull(value, "value must not be null");
    if (value.length > MAX_VALUE_BYTES) {
      throw new IllegalArgumentException(
          "value of " + value.length + " bytes exceeds the limit of " + MAX_VALUE_BYTES);
    }
  }
}
