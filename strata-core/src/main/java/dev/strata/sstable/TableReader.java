package dev.strata.sstable;

import dev.strata.CorruptionException;
import dev.strata.StrataException;
import dev.strata.fs.ReadableFile;
import dev.strata.key.FragmentedRangeTombstones;
import dev.strata.key.InternalIterator;
import dev.strata.key.Lookup;
import dev.strata.key.RangeTombstone;
import dev.strata.key.Trailer;
import dev.strata.util.HeapSize;
import java.io.EOFException;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * An open table file: the footer, index, bloom filter and properties read and verified at {@link
 * #open}, and data blocks read on demand through the shared {@link BlockCache}.
 *
 * <p>Thread-safe: any number of threads may call {@link #get} and {@link #newIterator} at once.
 * Reads are positional ({@link ReadableFile#readFully}), so threads share no cursor; the index,
 * filter and properties are immutable; the counters are {@link LongAdder}s.
 *
 * <p>Lifecycle: the reader owns its {@link ReadableFile} and closes it in {@link #close()}, which
 * also drops its blocks from the cache. The caller (normally {@link TableCache}) closes the reader
 * only when no thread uses it any more; iterators do not keep it open.
 *
 * <p>Failure: a check that fails raises {@link CorruptionException} naming the file and offset. An
 * I/O error during {@link #get} or iteration raises {@link StrataException}.
 *
 * <p>A lookup costs a bloom probe, a binary search of the in-memory index and one block seek. Only
 * blocks whose checksum was verified enter the cache: a read that fills the cache verifies the
 * checksum even when asked not to.
 */
public final class TableReader implements AutoCloseable {
  private final ReadableFile file;
  private final String fileName;
  private final long fileSize;
  private final BlockCache cache;

  /** This reader's key prefix in {@link #cache}, unique per open. */
  private final long cacheId;

  private final TableIndex index;
  private final BloomFilter filter;
  private final TableProperties properties;

  /** The table's format version, from its footer. */
  private final int formatVersion;

  /** The range-deletion block's fragments, read at open; EMPTY if the table has none. */
  private final FragmentedRangeTombstones rangeTombstones;

  /**
   * The sequence of every point entry of an ingested table, whose stored sequences are all 0 (its
   * range tombstones take the one below); 0 for a table the engine wrote. See {@code
   * docs/design/ingestion.md}.
   */
  private final long globalSequence;

  // Data blocks read from the file: written by every reading thread on a cache miss (already the
  // slow path); read by monitoring and tests. LongAdder: sums may lag. Lookups themselves count
  // nothing here: a counter per table that every lookup bumps cost a cache-line miss per table
  // consulted, 13% of the samples of YCSB's workload C.
  private final LongAdder blockReads = new LongAdder();

  /** The database's lookup counters ({@link TableReadStats#NONE} outside a database). */
  private final TableReadStats stats;

  /** Set once by {@link #close()}; read by every lookup to refuse use after close. */
  private final AtomicBoolean closed = new AtomicBoolean();

  /** Where the last data block's trailer ends: no read-ahead window goes past it. */
  private final long dataEnd;

  /**
   * The data blocks this reader put in the cache, one bit per block, set (atomically) by each
   * add and read by {@link #close}, which then drops those blocks only. Dropping every block of
   * the table, or scanning the cache for them, cost as many operations as the table has blocks
   * (16,000 for 64 MiB of 4 KiB blocks), on whichever thread released the table last: a
   * compaction, or a reader (docs/benchmarks.md, item 32). Null when the cache has no capacity.
   * Bits of blocks the cache has since evicted only cost a lookup that misses. A read looks up
   * only blocks whose bits are set ({@link #isMarkedCached}): a bit set by a concurrent add that the
   * read does not see yet only makes it read the block from the file.
   */
  private final long[] cachedBlocks;

  private static final VarHandle BITS = MethodHandles.arrayElementVarHandle(long[].class);

  private TableReader(
      ReadableFile file,
      String fileName,
      long fileSize,
      BlockCache cache,
      TableIndex index,
      BloomFilter filter,
      TableProperties properties,
      int formatVersion,
      FragmentedRangeTombstones rangeTombstones,
      TableReadStats stats,
      long globalSequence) {
    this.globalSequence = globalSequence;
    this.rangeTombstones = rangeTombstones;
    this.stats = stats;
    this.file = file;
    this.fileName = fileName;
    this.fileSize = fileSize;
    this.cache = cache;
    this.cacheId = BlockCache.newCacheId();
    this.index = index;
    this.filter = filter;
    this.properties = properties;
    this.formatVersion = formatVersion;
    int last = index.size() - 1;
    this.dataEnd =
        last < 0
            ? 0
            : index.blockOffset(last) + index.blockSize(last) + TableFormat.BLOCK_TRAILER_SIZE;
    this.cachedBlocks =
        cache.capacityBytes() > 0 && last >= 0 ? new long[(last >>> 6) + 1] : null;
  }

  /**
   * Opens a table: reads and verifies the footer, then the filter, properties and index blocks
   * (always checking their checksums), and cross-checks them.
   *
   * <p>Requires: nothing. Blocks on I/O. On success the reader owns {@code file}; on failure {@code
   * file} is closed.
   *
   * @param fileName the name used in error messages
   * @param fileSize the table's size as recorded by its writer; the file must have exactly it
   * @param cache the block cache (capacity 0 to cache nothing)
   * @throws CorruptionException naming {@code fileName} and the offset of the first failed check:
   *     wrong size, bad magic, unsupported version, a checksum mismatch, an out-of-range handle or
   *     length, or inconsistent meta blocks
   * @throws IOException if reading fails
   */
  public static TableReader open(
      ReadableFile file, String fileName, long fileSize, BlockCache cache) throws IOException {
    return open(file, fileName, fileSize, cache, TableReadStats.NONE);
  }

  /** As {@link #open(ReadableFile, String, long, BlockCache)}, counting lookups in {@code stats}. */
  public static TableReader open(
      ReadableFile file, String fileName, long fileSize, BlockCache cache, TableReadStats stats)
      throws IOException {
    return open(file, fileName, fileSize, cache, stats, 0);
  }

  /**
   * As {@link #open(ReadableFile, String, long, BlockCache, TableReadStats)} for a table ingested
   * at {@code globalSequence} (0: a table the engine wrote): every point entry reads with that
   * sequence and every range tombstone with the one below, so that the table's tombstones delete
   * what lies beneath it but not its own entries.
   *
   * @throws CorruptionException also if {@code globalSequence} is set and the table is not one
   *     {@code SstFileWriter} wrote
   */
  public static TableReader open(
      ReadableFile file,
      String fileName,
      long fileSize,
      BlockCache cache,
      TableReadStats stats,
      long globalSequence)
      throws IOException {
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(fileName, "fileName");
    Objects.requireNonNull(cache, "cache");
    if (globalSequence < 0 || globalSequence == 1 || globalSequence > Trailer.MAX_SEQUENCE) {
      file.close();
      throw new IllegalArgumentException("global sequence " + globalSequence + " out of range");
    }
    try {
      return openChecked(file, fileName, fileSize, cache, stats, globalSequence);
    } catch (IOException | RuntimeException | Error e) {
      try {
        file.close();
      } catch (IOException closeFailure) {
        e.addSuppressed(closeFailure);
      }
      throw e;
    }
  }

  private static TableReader openChecked(
      ReadableFile file,
      String fileName,
      long fileSize,
      BlockCache cache,
      TableReadStats stats,
      long globalSequence)
      throws IOException {
    if (fileSize < TableFormat.FOOTER_SIZE) {
      throw new CorruptionException(
          fileName, 0, "file of " + fileSize + " bytes is too short for a table footer");
    }
    long actualSize = file.size();
    if (actualSize != fileSize) {
      throw new CorruptionException(
          fileName,
          Math.min(actualSize, fileSize),
          "file has "
              + actualSize
              + " bytes, expected "
              + fileSize
              + (actualSize < fileSize ? " (truncated)" : " (trailing bytes)"));
    }
    byte[] footerBytes = new byte[TableFormat.FOOTER_SIZE];
    long footerOffset = fileSize - TableFormat.FOOTER_SIZE;
    try {
      file.readFully(footerOffset, footerBytes, 0, footerBytes.length);
    } catch (EOFException e) {
      throw new CorruptionException(fileName, footerOffset, "file ends inside the footer", e);
    }
    Footer footer = Footer.decode(footerBytes, fileName, fileSize);

    BlockContents filterBlock = StoredBlock.readOnce(file, fileName, footer.filter(), true);
    BloomFilter filter =
        BloomFilter.decode(
            filterBlock.data(),
            filterBlock.length(),
            fileName,
            footer.filter().offset(),
            footer.version());

    BlockContents propertyBlock = StoredBlock.readOnce(file, fileName, footer.properties(), true);
    TableProperties properties =
        TableProperties.decode(
            propertyBlock.data(),
            propertyBlock.length(),
            fileName,
            footer.properties().offset(),
            fileSize);

    long indexOffset = footer.index().offset();
    BlockContents indexContents = StoredBlock.readOnce(file, fileName, footer.index(), true);
    Block indexBlock =
        Block.decode(indexContents.data(), indexContents.length(), fileName, indexOffset, false);
    TableIndex index =
        TableIndex.decode(indexBlock, fileName, indexOffset, footer.filter().offset());

    checkConsistent(properties, index, filter, fileName, footer);
    FragmentedRangeTombstones ranges = readRangeDeletions(file, fileName, footer, properties);
    if (globalSequence > 0) {
      if (!properties.isExternal()) {
        throw new CorruptionException(
            fileName,
            footer.properties().offset(),
            "the manifest gives the table global sequence "
                + globalSequence
                + " but it was not written for ingestion");
      }
      ranges = resequenced(ranges, globalSequence - 1);
    }
    return new TableReader(
        file,
        fileName,
        fileSize,
        cache,
        index,
        filter,
        properties,
        footer.version(),
        ranges,
        stats,
        globalSequence);
  }

  /** {@code ranges} with every tombstone at {@code sequence}. */
  private static FragmentedRangeTombstones resequenced(
      FragmentedRangeTombstones ranges, long sequence) {
    if (ranges.isEmpty()) {
      return ranges;
    }
    List<RangeTombstone> out = new ArrayList<>();
    for (RangeTombstone t : ranges.toTombstones()) {
      out.add(new RangeTombstone(t.start(), t.end(), sequence));
    }
    return FragmentedRangeTombstones.of(out);
  }

  /** The global sequence of an ingested table, or 0. */
  public long globalSequence() {
    return globalSequence;
  }

  /** The trailer an entry stored with {@code stored} reads with: its kind at the global sequence. */
  private long effective(long stored) {
    return globalSequence == 0 ? stored : Trailer.withSequence(stored, globalSequence);
  }

  /**
   * The trailer to seek a key's version at or below {@code trailer} with: as is, but for an
   * ingested table, which holds one version per key stored at sequence 0, the largest, so that
   * the seek lands on that version whatever its effective sequence; the caller compares that.
   */
  private long seekTrailerOf(long trailer) {
    return globalSequence == 0 ? trailer : Trailer.seekTrailer(Trailer.MAX_SEQUENCE);
  }

  /**
   * Reads the range-deletion block a version 3 table's properties name, after checking that it
   * fills the space between the filter and the properties exactly; older versions have none.
   */
  private static FragmentedRangeTombstones readRangeDeletions(
      ReadableFile file, String fileName, Footer footer, TableProperties properties)
      throws IOException {
    BlockHandle h = properties.rangeDeletionBlock();
    boolean v3 = footer.version() >= TableFormat.RANGE_DELETION_FORMAT_VERSION;
    if (h == null) {
      if (v3) {
        throw new CorruptionException(
            fileName,
            footer.properties().offset(),
            "format version " + footer.version() + " table names no range-deletion block");
      }
      return FragmentedRangeTombstones.EMPTY;
    }
    if (!v3) {
      throw new CorruptionException(
          fileName,
          footer.properties().offset(),
          "format version " + footer.version() + " table names a range-deletion block");
    }
    if (h.offset() != footer.filter().end()
        || h.end() != footer.properties().offset()
        || h.size() > TableFormat.MAX_BLOCK_BYTES) {
      throw new CorruptionException(
          fileName,
          footer.properties().offset(),
          "range-deletion block " + h + " does not lie between the filter and the properties");
    }
    BlockContents block = StoredBlock.readOnce(file, fileName, h, true);
    return RangeDeletionBlock.decode(
        block.data(), block.length(), fileName, h.offset(), properties.rangeTombstoneCount());
  }

  private static void checkConsistent(
      TableProperties properties,
      TableIndex index,
      BloomFilter filter,
      String fileName,
      Footer footer) {
    long propertiesOffset = footer.properties().offset();
    if (properties.dataBlockCount() != index.size()) {
      throw new CorruptionException(
          fileName,
          propertiesOffset,
          "properties count "
              + properties.dataBlockCount()
              + " data blocks, index has "
              + index.size());
    }
    if ((properties.entryCount() == 0) != (index.size() == 0)
        || properties.entryCount() < index.size()) {
      throw new CorruptionException(
          fileName,
          propertiesOffset,
          properties.entryCount() + " entries cannot fill " + index.size() + " data blocks");
    }
    if (!Arrays.equals(properties.largestKey(), index.lastKey())) {
      throw new CorruptionException(
          fileName, propertiesOffset, "largest key differs from the index's last key");
    }
    if ((properties.bloomBitsPerKey() == 0) != filter.isAbsent()) {
      throw new CorruptionException(
          fileName, footer.filter().offset(), "filter presence contradicts the properties");
    }
  }

  /**
   * Looks up the newest version of {@code userKey} with a sequence at most {@code
   * snapshotSequence}. Probes the bloom filter first and reads no data block if it rules the key
   * out.
   *
   * <p>Requires: the reader is open. May block on I/O.
   *
   * @param verifyChecksums whether to check the CRC of a data block read from disk
   * @param fillCache whether a block read from disk enters the cache (then it is always verified)
   * @param detectNewer whether to tell a table holding only newer versions of the key from one
   *     holding none (costs a second seek, only when no visible version is found past the bloom
   *     filter)
   * @return the value (a fresh array), {@link Lookup#DELETED} if that version is a tombstone,
   *     {@link Lookup#NEWER_ONLY} if {@code detectNewer} and the table holds the key only above
   *     {@code snapshotSequence}, or null if the table holds no such version
   * @throws CorruptionException naming the file and offset if the data block fails a check
   * @throws StrataException if reading fails
   * @throws IllegalStateException if the reader is closed
   */
  public byte[] get(
      byte[] userKey,
      long snapshotSequence,
      boolean verifyChecksums,
      boolean fillCache,
      boolean detectNewer) {
    return get(userKey, keyHash(userKey), snapshotSequence, verifyChecksums, fillCache, detectNewer);
  }

  /**
   * As {@link #get(byte[], long, boolean, boolean, boolean)} with the key's {@link #keyHash}, which
   * a lookup that consults many tables computes once.
   */
  public byte[] get(
      byte[] userKey,
      long keyHash,
      long snapshotSequence,
      boolean verifyChecksums,
      boolean fillCache,
      boolean detectNewer) {
    requireOpen();
    FragmentedRangeTombstones ranges = rangeTombstones;
    if (detectNewer && !ranges.isEmpty() && ranges.coveredAbove(userKey, snapshotSequence)) {
      // A range tombstone above the read covers the key: a compaction may have dropped the
      // version the read should see beneath it.
      return Lookup.NEWER_ONLY;
    }
    long covering = ranges.isEmpty() ? -1 : ranges.coveringSequence(userKey, snapshotSequence);
    if (!bloomAdmits(keyHash)) {
      return covering >= 0 ? Lookup.DELETED : null;
    }
    // Reading at an unregistered sequence, seek the newest version: if it is above the read, a
    // compaction may have dropped a version the read should see (every version between the
    // read's and the newest shares a snapshot stripe), so the table answers NEWER_ONLY.
    long seekTrailer =
        seekTrailerOf(Trailer.seekTrailer(detectNewer ? Trailer.MAX_SEQUENCE : snapshotSequence));
    LookupCursor it = seekLookup(userKey, seekTrailer, verifyChecksums, fillCache);
    if (it == null) {
      return covering >= 0 ? Lookup.DELETED : null;
    }
    long trailer = effective(it.trailer());
    if (Trailer.sequence(trailer) > snapshotSequence) {
      // Only an ingested table, whose one version of a key is newer than the read, gets here
      // without detectNewer; its tombstones are newer too, so it holds nothing for the read.
      return detectNewer ? Lookup.NEWER_ONLY : null;
    }
    if (Trailer.sequence(trailer) <= covering) {
      return Lookup.DELETED;
    }
    byte[] marker = markerOf(trailer);
    return marker != null ? marker : it.value();
  }

  /**
   * The last data block one caller read from one table: lets a lookup of sorted keys ({@code
   * multiGet}) read, verify and decode each block once for all the keys that fall in it, and skip
   * the block cache's lookup for all but the first. Confined to the calling thread; holds a block
   * of a table only while the caller holds that table open.
   */
  public static final class BlockReuse {
    private TableReader table;
    private int blockIndex = -1;
    private Block block;

    /** Data block {@code i} of {@code reader}: the one held if it is that block, else read. */
    private Block blockOf(TableReader reader, int i, boolean verifyChecksums, boolean fillCache) {
      if (table != reader || blockIndex != i) {
        block = reader.dataBlock(i, verifyChecksums, fillCache);
        table = reader;
        blockIndex = i;
      }
      return block;
    }
  }

  /**
   * As {@link #get(byte[], long, long, boolean, boolean, boolean)} without telling newer-only
   * apart, reusing the data block {@code reuse} holds when the key falls in it and leaving there
   * the block it reads.
   */
  public byte[] get(
      byte[] userKey,
      long keyHash,
      long snapshotSequence,
      boolean verifyChecksums,
      boolean fillCache,
      BlockReuse reuse) {
    requireOpen();
    FragmentedRangeTombstones ranges = rangeTombstones;
    long covering = ranges.isEmpty() ? -1 : ranges.coveringSequence(userKey, snapshotSequence);
    if (!bloomAdmits(keyHash)) {
      return covering >= 0 ? Lookup.DELETED : null;
    }
    BlockIterator it =
        seekEntry(
            userKey,
            seekTrailerOf(Trailer.seekTrailer(snapshotSequence)),
            verifyChecksums,
            fillCache,
            reuse);
    long trailer = it == null ? 0 : effective(it.trailer());
    if (it == null
        || Trailer.sequence(trailer) <= covering
        || Trailer.sequence(trailer) > snapshotSequence) {
      return covering >= 0 ? Lookup.DELETED : null;
    }
    byte[] marker = markerOf(trailer);
    return marker != null ? marker : it.value();
  }

  /**
   * A lookup's answer for a version whose trailer is {@code trailer}: DELETED, MERGE, or null when
   * the answer is the version's value.
   */
  private static byte[] markerOf(long trailer) {
    if (Trailer.isDelete(trailer)) {
      return Lookup.DELETED;
    }
    return Trailer.isMerge(trailer) ? Lookup.MERGE : null;
  }

  /** A lookup's bloom probe, counted in the statistics as useful when it rules the key out. */
  private boolean bloomAdmits(long keyHash) {
    boolean may = filter.mayContainHash(keyHash);
    stats.bloomProbe(!may);
    return may;
  }

  /**
   * About how many bytes of the file come before the first entry of {@code userKey} (or of the
   * first key after it): the offset of the data block it would be in, from the index alone; the
   * end of the data blocks if every key is smaller. Reads nothing from the file.
   */
  public long approximateOffsetOf(byte[] userKey) {
    requireOpen();
    int i = index.find(userKey, Trailer.seekTrailer(Trailer.MAX_SEQUENCE));
    if (i == index.size()) {
      return i == 0
          ? 0
          : index.blockOffset(i - 1) + index.blockSize(i - 1) + TableFormat.BLOCK_TRAILER_SIZE;
    }
    return index.blockOffset(i);
  }

  /**
   * False only if the table certainly holds no key with {@code bound}'s prefix: its bloom filter
   * holds the prefixes of the extractor of the bound's name (property {@code prefix extractor}) and
   * rules this one out. True when the bound is unset, or the table has no filter or was written
   * with another extractor or none, whose filter says nothing about these prefixes. Reads no data
   * block; counts the probe in {@code BLOOM_PREFIX_CHECKED} and, when it rules the table out, in
   * {@code BLOOM_PREFIX_USEFUL}.
   */
  public boolean prefixMayMatch(PrefixBound bound) {
    requireOpen();
    if (!bound.isSet()
        || filter.isAbsent()
        || !bound.extractorName().equals(properties.prefixExtractorName())) {
      return true;
    }
    boolean may = filter.mayContainHash(bound.prefixHash());
    stats.prefixProbe(!may);
    return may;
  }

  /** False only if the table certainly holds no version of the key with this {@link #keyHash}. */
  public boolean mayContainHash(long keyHash) {
    requireOpen();
    return filter.mayContainHash(keyHash);
  }

  /** As {@link #get(byte[], long, boolean, boolean, boolean)} without telling newer-only apart. */
  public byte[] get(
      byte[] userKey, long snapshotSequence, boolean verifyChecksums, boolean fillCache) {
    return get(userKey, snapshotSequence, verifyChecksums, fillCache, false);
  }

  /**
   * An iterator on the first version of {@code userKey} at or after {@code seekTrailer}'s
   * sequence, or null if the table has none; its data block through {@code reuse}.
   */
  private BlockIterator seekEntry(
      byte[] userKey,
      long seekTrailer,
      boolean verifyChecksums,
      boolean fillCache,
      BlockReuse reuse) {
    int i = index.find(userKey, seekTrailer);
    if (i == index.size()) {
      return null;
    }
    BlockIterator it = new BlockIterator(reuse.blockOf(this, i, verifyChecksums, fillCache));
    it.seek(userKey, seekTrailer);
    if (!it.isValid() || !it.userKeyEquals(userKey)) {
      return null;
    }
    return it;
  }

  /**
   * The calling thread's lookup cursor on the first version of {@code userKey} at or after {@code
   * seekTrailer}'s sequence, or null if the table has none. Reads the data block into the thread's
   * scratch (from the cache or the file) and parses only what the seek needs ({@link
   * LookupCursor}); a block that enters the cache is decoded and validated whole first.
   */
  private LookupCursor seekLookup(
      byte[] userKey, long seekTrailer, boolean verifyChecksums, boolean fillCache) {
    int i = index.find(userKey, seekTrailer);
    if (i == index.size()) {
      return null;
    }
    StoredBlock.Scratch scratch = StoredBlock.threadScratch();
    LookupCursor cursor = scratch.lookupCursor();
    long offset = index.blockOffset(i);
    boolean cached =
        isMarkedCached(i)
            ? cache.getInto(cacheId, offset, scratch, cursor, fileName)
            : cache.missWithoutLookup() != null;
    if (cached) {
      stats.blockCacheHit();
    } else {
      stats.blockCacheMiss();
      boolean cacheIt = fillCache && cache.admits(cacheId, offset);
      BlockContents contents = readBlock(i, verifyChecksums || fillCache, scratch);
      if (cacheIt) {
        cacheBlock(i, offset, decodeChecked(i, offset, contents));
        cursor.load(contents.data(), contents.length(), fileName, offset);
      } else {
        if (!cursor.load(contents.data(), contents.length(), fileName, offset)
            || !index.lastKeyMatches(i, cursor)) {
          throw new CorruptionException(
              fileName, offset, "data block's last key differs from its index entry");
        }
        if (!index.followsPrevious(i, cursor)) {
          throw new CorruptionException(fileName, offset, "data block overlaps the previous block");
        }
        blockReads.increment();
      }
    }
    return cursor.seek(userKey, seekTrailer) ? cursor : null;
  }

  /** The table's range tombstones, fragmented; EMPTY if it has none. */
  public FragmentedRangeTombstones rangeTombstones() {
    return rangeTombstones;
  }

  /**
   * A bidirectional iterator over every entry, reading data blocks through the cache. The caller
   * closes it, and must keep this reader open while using it.
   *
   * <p>Requires: the reader is open.
   *
   * @throws IllegalStateException if the reader is closed
   */
  public InternalIterator newIterator(boolean verifyChecksums, boolean fillCache) {
    return newIterator(verifyChecksums, fillCache, null);
  }

  /** As {@link #newIterator}, closing {@code onClose} when the iterator closes. */
  InternalIterator newIterator(boolean verifyChecksums, boolean fillCache, AutoCloseable onClose) {
    requireOpen();
    InternalIterator it = new TableIterator(this, verifyChecksums, fillCache, onClose);
    return globalSequence == 0 ? it : new GlobalSequenceIterator(it, globalSequence);
  }

  /**
   * What an open reader costs beyond its index, filter and properties: the reader, its file handle
   * and channel, its block-read counter and its table-cache entry. An estimate (the file's channel
   * is the JDK's), not measured per reader; the cells the counter's {@link LongAdder} adds when
   * cache misses on the table contend (128 bytes per contending CPU) are not in it.
   */
  static final int FIXED_HEAP_BYTES = 512;

  /**
   * Heap bytes this reader holds for as long as it is open: the index, the bloom filter and the
   * properties, from the lengths of their arrays, plus {@link #FIXED_HEAP_BYTES}. Data blocks are
   * not in it: they live in the block cache, or with the iterator that read them. Fixed at open.
   */
  public long heapBytes() {
    return index.heapBytes()
        + (cachedBlocks == null ? 0 : HeapSize.longArray(cachedBlocks.length))
        + filter.heapBytes()
        + properties.heapBytes()
        + (rangeTombstones.isEmpty() ? 0 : rangeTombstones.heapBytes())
        + FIXED_HEAP_BYTES;
  }

  /** The format version in the table's footer ({@code TableFormat}). */
  public int formatVersion() {
    return formatVersion;
  }

  /** False only if the table certainly holds no version of {@code userKey}. */
  public boolean mayContain(byte[] userKey) {
    return filter.mayContain(userKey);
  }

  /** One index entry: a data block's offset and stored size, and its last internal key. */
  public record IndexEntry(long offset, int size, byte[] lastKey) {}

  /** The index, in key order: for tools such as {@code strata sst-dump}. */
  public java.util.List<IndexEntry> indexEntries() {
    java.util.List<IndexEntry> out = new java.util.ArrayList<>(index.size());
    for (int i = 0; i < index.size(); i++) {
      out.add(new IndexEntry(index.blockOffset(i), index.blockSize(i), index.lastKey(i)));
    }
    return out;
  }

  public TableProperties properties() {
    return properties;
  }

  /**
   * Whether a point lookup may read this table without holding a reference ({@link
   * TableCache#unreferencedReader}): true when its file fails reads cleanly once closed ({@link
   * ReadableFile#readsFailOnceClosed}), so that a lookup the table cache closes the reader under
   * (its bound on open files) fails, sees {@link #isClosed}, and reads again through a reference.
   * Everything else a lookup reads (index, filter, the cache's validated copies) is heap memory
   * that stays valid after the close.
   */
  public boolean readableUnreferenced() {
    return file.readsFailOnceClosed();
  }

  /** Whether {@link #close} has run (or is running). */
  public boolean isClosed() {
    return closed.get();
  }

  public String fileName() {
    return fileName;
  }

  public long fileSize() {
    return fileSize;
  }

  /** The hash of {@code userKey} that {@link #get(byte[], long, long, boolean, boolean, boolean)} takes. */
  public static long keyHash(byte[] userKey) {
    return dev.strata.util.Bytes.hash64(userKey);
  }

  /** Data blocks read from the file (cache misses). */
  public long blockReadCount() {
    return blockReads.sum();
  }

  TableIndex index() {
    return index;
  }

  /**
   * Data block {@code i}, from the cache or the file, in arrays of its own: for iterators and
   * {@link BlockReuse}, which hold a block across calls.
   *
   * <p>Requires: {@code 0 <= i < index().size()}. May block on I/O.
   *
   * @throws CorruptionException if the block fails a check, including that its first and last keys
   *     agree with the index
   * @throws StrataException if reading fails
   */
  Block dataBlock(int i, boolean verifyChecksums, boolean fillCache) {
    return dataBlock(i, verifyChecksums, fillCache, null);
  }

  /**
   * As {@link #dataBlock(int, boolean, boolean)}, except that the block (a copy of a cached one, or
   * one read from the file) is in {@code own}'s arrays (unless null): valid only until the next
   * read into {@code own}. For an iterator that holds one block at a time and drops it when it
   * moves to the next.
   */
  Block dataBlock(int i, boolean verifyChecksums, boolean fillCache, StoredBlock.Scratch own) {
    return dataBlock(i, verifyChecksums, fillCache, own, false);
  }

  /**
   * As {@link #dataBlock(int, boolean, boolean, StoredBlock.Scratch)}, reading from the file
   * through {@code own}'s read-ahead window ({@link StoredBlock#readTransientAhead}) when the
   * block is not cached: for an iterator that does not fill the cache and has stepped from block
   * {@code i - 1} to {@code i}, as a compaction's inputs do.
   */
  Block dataBlockAhead(int i, boolean verifyChecksums, StoredBlock.Scratch own) {
    return dataBlock(i, verifyChecksums, false, Objects.requireNonNull(own), true);
  }

  private Block dataBlock(
      int i,
      boolean verifyChecksums,
      boolean fillCache,
      StoredBlock.Scratch own,
      boolean readAhead) {
    long offset = index.blockOffset(i);
    // The block's contents go to the caller's buffers, or (own null) to an array of their own.
    // Point lookups read through the thread's scratch in seekLookup instead.
    // A block whose bit is clear was never put in the cache by this reader, the only one that
    // adds blocks under its id: a miss known without a lookup (compaction inputs and reads of
    // data larger than the cache mostly miss; the lookup was 12% of a compaction's samples).
    Block block = isMarkedCached(i) ? cache.get(cacheId, offset, own) : cache.missWithoutLookup();
    if (block != null) {
      stats.blockCacheHit();
      return block;
    }
    stats.blockCacheMiss();
    boolean cacheIt = fillCache && cache.admits(cacheId, offset);
    boolean verify = verifyChecksums || fillCache;
    BlockContents contents;
    if (readAhead) {
      try {
        contents =
            StoredBlock.readTransientAhead(file, fileName, index.handle(i), verify, own, dataEnd);
      } catch (IOException e) {
        throw new StrataException("I/O error reading " + fileName + " at offset " + offset, e);
      }
    } else {
      contents = readBlock(i, verify, own);
    }
    block = decodeChecked(i, offset, contents);
    if (cacheIt) {
      cacheBlock(i, offset, block);
    }
    return block;
  }

  /**
   * Reads data block {@code i} from the file into {@code into}'s arrays, or an array of its own if
   * {@code into} is null.
   */
  private BlockContents readBlock(int i, boolean verify, StoredBlock.Scratch into) {
    BlockHandle handle = index.handle(i);
    try {
      return into != null
          ? StoredBlock.readTransient(file, fileName, handle, verify, into)
          : StoredBlock.read(file, fileName, handle, verify);
    } catch (IOException e) {
      throw new StrataException(
          "I/O error reading " + fileName + " at offset " + handle.offset(), e);
    }
  }

  /**
   * Decodes and validates data block {@code i} read from the file, checking its first and last
   * keys against the index, and counts the read.
   */
  private Block decodeChecked(int i, long offset, BlockContents contents) {
    Block block = Block.decode(contents.data(), contents.length(), fileName, offset);
    if (block.isEmpty() || !index.lastKeyMatches(i, block)) {
      throw new CorruptionException(
          fileName, offset, "data block's last key differs from its index entry");
    }
    if (!index.followsPrevious(i, block)) {
      throw new CorruptionException(fileName, offset, "data block overlaps the previous block");
    }
    blockReads.increment();
    return block;
  }

  /**
   * Caches a copy of a block the cache admitted; the caller reads the block where it was read.
   *
   * <p>A lookup without a reference ({@link #readableUnreferenced}) can get here while {@link
   * #close} runs. Either close's sweep reads the bit set here, or this reads {@link #closed} set
   * there (both are volatile accesses, in that order on each side), so the block is dropped by
   * one of the two and no closed reader's block stays in the cache.
   */
  private void cacheBlock(int i, long offset, Block block) {
    cache.add(cacheId, offset, block);
    BITS.getAndBitwiseOr(cachedBlocks, i >>> 6, 1L << i);
    stats.blockCacheAdd();
    if (closed.get()) {
      cache.evictBlocks(cacheId, new long[] {offset});
    }
  }

  /** Whether {@link #cachedBlocks} has block {@code i}'s bit set (false for a cache of no capacity). */
  private boolean isMarkedCached(int i) {
    return cachedBlocks != null && ((long) BITS.getOpaque(cachedBlocks, i >>> 6) & (1L << i)) != 0;
  }

  private void requireOpen() {
    if (closed.get()) {
      throw new IllegalStateException("table reader for " + fileName + " is closed");
    }
  }

  /** The key of this reader's blocks in the cache; for tests. */
  long cacheIdForTesting() {
    return cacheId;
  }

  /**
   * The offsets of the blocks whose bits {@link #cachedBlocks} has set. Bits are only ever set, so
   * the second pass finds at least the first pass's count; it stops there.
   */
  private long[] cachedOffsets() {
    int n = 0;
    for (int w = 0; w < cachedBlocks.length; w++) {
      n += Long.bitCount((long) BITS.getVolatile(cachedBlocks, w));
    }
    long[] offsets = new long[n];
    int k = 0;
    for (int w = 0; w < cachedBlocks.length && k < n; w++) {
      long bits = (long) BITS.getVolatile(cachedBlocks, w);
      for (; bits != 0 && k < n; bits &= bits - 1) {
        offsets[k++] = index.blockOffset((w << 6) + Long.numberOfTrailingZeros(bits));
      }
    }
    return offsets;
  }

  /**
   * Closes the file and drops the blocks this reader put in the cache. Idempotent.
   *
   * @throws StrataException if closing the file fails
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    if (cachedBlocks != null) {
      cache.evictBlocks(cacheId, cachedOffsets());
    }
    try {
      file.close();
    } catch (IOException e) {
      throw new StrataException("closing " + fileName + " failed", e);
    }
  }

  @Override
  public String toString() {
    return "TableReader{" + fileName + ", " + properties + "}";
  }
}
