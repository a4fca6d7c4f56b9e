package dev.strata.sstable;

import dev.strata.Compression;
import dev.strata.PrefixExtractor;
import dev.strata.fs.WritableFile;
import dev.strata.key.InternalKey;
import dev.strata.key.FragmentedRangeTombstones;
import dev.strata.key.Trailer;
import dev.strata.key.ValueKind;
import dev.strata.util.Coding;
import dev.strata.util.HeapSize;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Writes one table file from entries given in strictly increasing internal-key order: data blocks
 * as they fill, then on {@link #finish()} the filter, properties and index blocks and the footer
 * (layout in {@code docs/format/sstable.md}). Used by flush and compaction; {@link
 * #estimatedFileSize()} lets them cut output at a target size.
 *
 * <p>Not thread-safe: confined to the job that writes the table. The builder never syncs or closes
 * its {@link WritableFile}: the caller syncs it after {@link #finish()} and closes it. {@link
 * #close()} abandons an unfinished table (the caller deletes the file).
 *
 * <p>Failure: after an I/O error the builder is failed and every later call throws {@link
 * IllegalStateException}; the partial file must be deleted.
 *
 * <p>Memory: the builder keeps the hash of every distinct key (8 bytes each, for the filter) and
 * the whole index block until {@link #finish()}, so it grows with the table it writes; flush and
 * compaction bound that through the memtable size and {@code targetFileSizeBytes}. Given a gauge,
 * it keeps its current {@link #heapBytes()} added to it (updated once per data block, when its
 * buffers grew) and takes it all off again when it finishes, fails or is closed.
 */
public final class TableBuilder implements AutoCloseable {
  private enum State {
    OPEN,
    FINISHED,
    ABANDONED,
    FAILED
  }

  private final WritableFile file;
  private final String fileName;
  private final TableOptions options;
  private final long creationTimeMillis;
  private final int compressionCode;
  private final BlockBuilder dataBlock;
  private final BlockBuilder indexBlock = new BlockBuilder(TableFormat.INDEX_RESTART_INTERVAL);
  private final BloomFilterBuilder filter;

  /** The extractor whose prefixes the filter also holds, or null (none, or no filter). */
  private final PrefixExtractor prefixExtractor;

  /** The last prefix added to the filter, in {@code lastPrefix[0, lastPrefixLength)}; -1: none. */
  private byte[] lastPrefix = new byte[16];

  private int lastPrefixLength = -1;

  /** Range tombstones for the range-deletion block; EMPTY writes a version 2 table. */
  private FragmentedRangeTombstones rangeTombstones = FragmentedRangeTombstones.EMPTY;
  private final byte[] trailerScratch = new byte[TableFormat.BLOCK_TRAILER_SIZE];
  private final byte[] handleScratch = new byte[BlockHandle.MAX_VARINT_LENGTH];

  private State state = State.OPEN;

  /**
   * The total this builder reports its heap bytes to (see the class comment), or null. Shared
   * with other builders and read by monitoring threads; this builder only adds to it.
   */
  private final AtomicLong bufferGauge;

  /** What this builder has added to {@link #bufferGauge} so far. */
  private long reportedBytes;

  /** Output of the block compressor, grown as needed. */
  private byte[] compressScratch = new byte[0];

  /**
   * Data blocks that did not compress, in a row. After {@link #REJECTS_BEFORE_BACKOFF} of them the
   * builder tries only every {@link #skipSpan}-th block, doubling the span up to {@link
   * #MAX_SKIP_SPAN} while tries keep failing, and returns to every block at the first success: data
   * that LZ4 cannot shrink by 1/8 (random or already compressed values, YCSB's records) then costs
   * about one compression in {@value #MAX_SKIP_SPAN} instead of one per block, and a change back
   * to compressible data loses at most {@value #MAX_SKIP_SPAN} blocks' worth of compression. With a
   * span of at most 16, the tries were still 17% of a compaction thread's samples in YCSB's D
   * phase (JFR, 2026-12-07): a pure-Java compression of 4 KiB that fails costs about as much as
   * reading, merging and writing a dozen blocks.
   */
  private int rejectsInARow;

  private int skipSpan = 1;
  private int skippedSinceTry;
  private long compressionTries;
  static final int REJECTS_BEFORE_BACKOFF = 8;
  static final int MAX_SKIP_SPAN = 64;

  /** The last key added, encoded, in {@code lastKey[0, lastKeyLength)}. */
  private byte[] lastKey = new byte[64];

  private int lastKeyLength;

  /** Bytes appended to the file so far. */
  private long offset;

  private long entryCount;
  private long tombstoneCount;
  private long mergeCount;

  /** {@code TableFormat.PROP_EXTERNAL}'s flags, set by {@link #markExternal}; 0 otherwise. */
  private int externalFlags;
  private long dataBlockCount;
  private long rawKeyBytes;
  private long rawValueBytes;
  private long smallestSequence = Long.MAX_VALUE;
  private long largestSequence;
  private byte[] smallestKey = new byte[0];

  /**
   * Starts a table at the current end of {@code file}, which must be empty.
   *
   * @param fileName the file's name, for messages
   * @throws IllegalStateException if {@code options} chooses ZSTD and zstd-jni is absent
   * @throws IllegalArgumentException if the file is not empty
   */
  public TableBuilder(WritableFile file, String fileName, TableOptions options) {
    this(file, fileName, options, System.currentTimeMillis(), null);
  }

  /**
   * As {@link #TableBuilder(WritableFile, String, TableOptions)}, keeping this builder's heap
   * bytes added to {@code bufferGauge} until it finishes or closes (see the class comment).
   */
  public TableBuilder(
      WritableFile file, String fileName, TableOptions options, AtomicLong bufferGauge) {
    this(file, fileName, options, System.currentTimeMillis(), Objects.requireNonNull(bufferGauge));
  }

  /** As the public constructor with a fixed creation time, for reproducible files. */
  TableBuilder(WritableFile file, String fileName, TableOptions options, long creationTimeMillis) {
    this(file, fileName, options, creationTimeMillis, null);
  }

  private TableBuilder(
      WritableFile file,
      String fileName,
      TableOptions options,
      long creationTimeMillis,
      AtomicLong bufferGauge) {
    this.file = Objects.requireNonNull(file, "file");
    this.fileName = Objects.requireNonNull(fileName, "fileName");
    this.options = Objects.requireNonNull(options, "options");
    if (file.size() != 0) {
      throw new IllegalArgumentException(fileName + " is not empty: " + file.size() + " bytes");
    }
    if (options.compression() == Compression.ZSTD) {
      ZstdCodec.requireAvailable("write table " + fileName);
    }
    this.creationTimeMillis = creationTimeMillis;
    this.compressionCode = TableFormat.codeOf(options.compression());
    this.dataBlock = new BlockBuilder(options.restartInterval());
    this.filter = new BloomFilterBuilder(options.bloomBitsPerKey());
    this.prefixExtractor = options.bloomBitsPerKey() == 0 ? null : options.prefixExtractor();
    this.bufferGauge = bufferGauge;
    reportHeapBytes(0);
  }

  /**
   * Heap bytes of this builder's buffers: the pending data block, the index block so far, the
   * filter's key hashes, the compression output and key copies. Confined to the builder's thread.
   */
  long heapBytes() {
    return HeapSize.object(128)
        + dataBlock.heapBytes()
        + indexBlock.heapBytes()
        + filter.heapBytes()
        + HeapSize.byteArray(compressScratch.length)
        + HeapSize.byteArray(lastKey.length)
        + HeapSize.byteArray(smallestKey.length)
        + HeapSize.byteArray(lastPrefix.length)
        + HeapSize.byteArray(trailerScratch.length)
        + HeapSize.byteArray(handleScratch.length);
  }

  /** Brings the gauge to {@link #heapBytes()} plus {@code transientBytes}, if there is one. */
  private void reportHeapBytes(long transientBytes) {
    if (bufferGauge == null) {
      return;
    }
    long now = heapBytes() + transientBytes;
    if (now != reportedBytes) {
      bufferGauge.addAndGet(now - reportedBytes);
      reportedBytes = now;
    }
  }

  /** Takes everything this builder reported off the gauge: it no longer holds its buffers. */
  private void releaseHeapBytes() {
    if (bufferGauge != null && reportedBytes != 0) {
      bufferGauge.addAndGet(-reportedBytes);
      reportedBytes = 0;
    }
  }

  /**
   * Appends an entry; may write a finished data block.
   *
   * <p>Requires: the entry sorts strictly after the previous one in internal order (user key
   * ascending, trailer descending); the builder is neither finished nor closed. May block on I/O.
   *
   * @param value the value; empty for a tombstone
   * @throws IllegalArgumentException if the entry is out of order, its kind code unknown, a
   *     tombstone carries a value, or key plus value exceed 128 MiB
   * @throws IllegalStateException if the builder was finished, closed or failed
   * @throws UncheckedIOException if writing a block fails (the builder is then failed)
   */
  public void add(byte[] userKey, long trailer, byte[] value) {
    Objects.requireNonNull(value, "value");
    add(userKey, trailer, value, 0, value.length);
  }

  /**
   * As {@link #add(byte[], long, byte[])} with the value {@code value[offset, offset + length)}:
   * for a flush or compaction that passes on the bytes an input lends ({@link
   * dev.strata.key.InternalIterator#borrowValue}) without copying them first.
   */
  public void add(byte[] userKey, long trailer, byte[] value, int offset, int length) {
    requireOpen();
    Objects.requireNonNull(value, "value");
    Objects.checkFromIndexSize(offset, length, value.length);
    checkEntry(userKey, trailer, length);
    boolean newUserKey =
        entryCount == 0
            || !Arrays.equals(
                lastKey, 0, lastKeyLength - TableFormat.TRAILER_BYTES, userKey, 0, userKey.length);
    int keyLength = userKey.length + TableFormat.TRAILER_BYTES;
    if (lastKey.length < keyLength) {
      lastKey = new byte[Math.max(keyLength, 2 * lastKey.length)];
    }
    System.arraycopy(userKey, 0, lastKey, 0, userKey.length);
    Coding.putLong(lastKey, userKey.length, trailer);
    lastKeyLength = keyLength;

    if (newUserKey) {
      filter.add(userKey);
      if (prefixExtractor != null) {
        addPrefix(userKey);
      }
    }
    dataBlock.add(lastKey, keyLength, value, offset, length);
    if (entryCount == 0) {
      smallestKey = Arrays.copyOf(lastKey, keyLength);
    }
    entryCount++;
    if (Trailer.isDelete(trailer)) {
      tombstoneCount++;
    } else if (Trailer.isMerge(trailer)) {
      mergeCount++;
    }
    long sequence = Trailer.sequence(trailer);
    smallestSequence = Math.min(smallestSequence, sequence);
    largestSequence = Math.max(largestSequence, sequence);
    rawKeyBytes += keyLength;
    rawValueBytes += value.length;

    if (dataBlock.estimatedSize() >= options.blockSizeBytes()) {
      try {
        flushDataBlock();
      } catch (IOException e) {
        state = State.FAILED;
        throw new UncheckedIOException("writing a data block of " + fileName + " failed", e);
      }
    }
  }

  /**
   * Adds {@code userKey}'s prefix to the filter unless it is out of the domain or the prefix just
   * added: keys arrive in order and keys of one prefix are contiguous, so each prefix is added
   * once.
   */
  private void addPrefix(byte[] userKey) {
    if (!prefixExtractor.inDomain(userKey)) {
      return;
    }
    int n = prefixExtractor.prefixLength(userKey);
    if (n < 0 || n > userKey.length) {
      throw new IllegalArgumentException(
          "prefix extractor " + prefixExtractor.name() + " gave length " + n + " for a key of "
              + userKey.length + " bytes");
    }
    if (n == lastPrefixLength && Arrays.equals(lastPrefix, 0, n, userKey, 0, n)) {
      return;
    }
    filter.add(userKey, n);
    if (lastPrefix.length < n) {
      lastPrefix = new byte[Math.max(n, 2 * lastPrefix.length)];
    }
    System.arraycopy(userKey, 0, lastPrefix, 0, n);
    lastPrefixLength = n;
  }

  private void checkEntry(byte[] userKey, long trailer, int valueLength) {
    Objects.requireNonNull(userKey, "userKey");
    ValueKind kind = ValueKind.fromCode(Trailer.kindCode(trailer));
    if (kind == null || !kind.isPointKind()) {
      throw new IllegalArgumentException("unknown value kind " + Trailer.kindCode(trailer));
    }
    if (kind == ValueKind.DELETE && valueLength != 0) {
      throw new IllegalArgumentException(
          "a tombstone has an empty value, got " + valueLength + " bytes");
    }
    if ((long) userKey.length + valueLength > TableFormat.MAX_ENTRY_BYTES) {
      throw new IllegalArgumentException(
          "key plus value of "
              + ((long) userKey.length + valueLength)
              + " bytes exceeds "
              + TableFormat.MAX_ENTRY_BYTES);
    }
    if (entryCount > 0 && KeyOrder.compare(lastKey, 0, lastKeyLength, userKey, trailer) >= 0) {
      throw new IllegalArgumentException(
          "entries out of order in "
              + fileName
              + ": "
              + new InternalKey(userKey, trailer)
              + " does not sort after the previous entry");
    }
  }

  /** Bytes written so far plus the pending data block: where the file would end now. */
  public long estimatedFileSize() {
    return offset + (dataBlock.isEmpty() ? 0 : dataBlock.estimatedSize());
  }

  public long entryCount() {
    return entryCount;
  }

  /**
   * Writes the last data block, the filter, properties and index blocks and the footer. Does not
   * sync or close the file. A table with no entries is valid: it has no data blocks.
   *
   * <p>Requires: the builder is open. Blocks on I/O.
   *
   * @return the table's properties, with its final file size
   * @throws IOException if a write fails (the builder is then failed)
   * @throws IllegalStateException if the builder was finished, closed or failed
   */
  public TableProperties finish() throws IOException {
    requireOpen();
    try {
      if (!dataBlock.isEmpty()) {
        flushDataBlock();
      }
      byte[] filterContents = filter.finish();
      reportHeapBytes(HeapSize.byteArray(filterContents.length));
      BlockHandle filterHandle =
          writeBlock(filterContents, filterContents.length, TableFormat.COMPRESSION_NONE);
      TableProperties properties = properties();
      int version = TableFormat.FORMAT_VERSION;
      if (!rangeTombstones.isEmpty()) {
        byte[] ranges = RangeDeletionBlock.encode(rangeTombstones);
        BlockHandle rangeHandle = writeBlock(ranges, ranges.length, TableFormat.COMPRESSION_NONE);
        properties =
            properties.withRangeDeletions(rangeHandle, rangeTombstones.tombstoneCount());
        version = TableFormat.RANGE_DELETION_FORMAT_VERSION;
      }
      byte[] propertyContents = properties.encode();
      BlockHandle propertiesHandle =
          writeBlock(propertyContents, propertyContents.length, TableFormat.COMPRESSION_NONE);
      indexBlock.finish();
      BlockHandle indexHandle =
          writeBlock(indexBlock.buffer(), indexBlock.finishedSize(), compressionCode);
      byte[] footer = new Footer(filterHandle, propertiesHandle, indexHandle, version).encode();
      file.append(footer, 0, footer.length);
      offset += footer.length;
      state = State.FINISHED;
      return properties.withFileSize(offset);
    } catch (IOException | RuntimeException e) {
      state = State.FAILED;
      throw e;
    } finally {
      releaseHeapBytes();
    }
  }

  /**
   * Sets the table's range tombstones, written in its range-deletion block by {@link #finish()}
   * (the table is then format version 3). The caller passes the fragments that belong to this
   * table's part of the key space; they need not lie within its point keys.
   *
   * @throws IllegalStateException if the builder was finished, closed or failed
   */
  public void setRangeTombstones(FragmentedRangeTombstones fragments) {
    requireOpen();
    this.rangeTombstones = Objects.requireNonNull(fragments, "fragments");
  }

  /**
   * Marks the table as written for ingestion ({@code SstFileWriter}): its properties say so, with
   * its merge count, and whether its values carry write times.
   *
   * @throws IllegalStateException if the builder was finished, closed or failed
   */
  public void markExternal(boolean valuesCarryWriteTimes) {
    requireOpen();
    externalFlags =
        TableFormat.EXTERNAL_FILE | (valuesCarryWriteTimes ? TableFormat.EXTERNAL_WRITE_TIMES : 0);
  }

  private TableProperties properties() {
    long smallestSeq = entryCount == 0 ? Long.MAX_VALUE : smallestSequence;
    long largestSeq = entryCount == 0 ? 0 : largestSequence;
    if (!rangeTombstones.isEmpty()) {
      smallestSeq = Math.min(smallestSeq, rangeTombstones.smallestSequence());
      largestSeq = Math.max(largestSeq, rangeTombstones.largestSequence());
    }
    return new TableProperties(
        entryCount,
        tombstoneCount,
        smallestKey,
        entryCount == 0 ? new byte[0] : Arrays.copyOf(lastKey, lastKeyLength),
        smallestSeq == Long.MAX_VALUE ? 0 : smallestSeq,
        largestSeq,
        creationTimeMillis,
        -1,
        dataBlockCount,
        rawKeyBytes,
        rawValueBytes,
        options.compression(),
        options.bloomBitsPerKey())
        .withPrefixExtractor(prefixExtractor == null ? null : prefixExtractor.name())
        .withExternal(externalFlags, externalFlags == 0 ? 0 : mergeCount);
  }

  /** Abandons the table if unfinished. Does not close or delete the file. */
  @Override
  public void close() {
    if (state == State.OPEN) {
      state = State.ABANDONED;
    }
    releaseHeapBytes();
  }

  private void requireOpen() {
    if (state != State.OPEN) {
      throw new IllegalStateException("table builder for " + fileName + " is " + state);
    }
  }

  /** Writes the pending data block and its index entry, keyed by the block's last key. */
  private void flushDataBlock() throws IOException {
    dataBlock.finish();
    BlockHandle handle =
        writeBlock(dataBlock.buffer(), dataBlock.finishedSize(), dataBlockCompression());
    dataBlock.reset();
    dataBlockCount++;
    int handleLength = handle.encodeVarints(handleScratch, 0);
    indexBlock.add(lastKey, lastKeyLength, handleScratch, handleLength);
    reportHeapBytes(0);
  }

  /** The code to try on the next data block: {@link #compressionCode}, or none while backing off. */
  private int dataBlockCompression() {
    if (compressionCode == TableFormat.COMPRESSION_NONE || rejectsInARow < REJECTS_BEFORE_BACKOFF) {
      return compressionCode;
    }
    if (++skippedSinceTry < skipSpan) {
      return TableFormat.COMPRESSION_NONE;
    }
    skippedSinceTry = 0;
    skipSpan = Math.min(MAX_SKIP_SPAN, skipSpan * 2);
    return compressionCode;
  }

  /** Data and index blocks this builder tried to compress (for tests). */
  long compressionTries() {
    return compressionTries;
  }

  /**
   * Writes a block compressed with {@code code} if that saves at least 1/8 of its size, else raw.
   */
  private BlockHandle writeBlock(byte[] contents, int length, int code) throws IOException {
    byte[] stored = contents;
    int storedLength = length;
    int storedCode = TableFormat.COMPRESSION_NONE;
    if (code != TableFormat.COMPRESSION_NONE) {
      int bound = BlockCodec.maxStoredLength(code, length);
      if (compressScratch.length < bound) {
        compressScratch = new byte[bound];
      }
      int n = BlockCodec.compress(code, contents, length, compressScratch);
      compressionTries++;
      if (8L * n <= 7L * length) {
        stored = compressScratch;
        storedLength = n;
        storedCode = code;
        rejectsInARow = 0;
        skipSpan = 1;
        skippedSinceTry = 0;
      } else {
        rejectsInARow++;
      }
    }
    StoredBlock.write(file, stored, storedLength, storedCode, trailerScratch);
    BlockHandle handle = new BlockHandle(offset, storedLength);
    offset += storedLength + TableFormat.BLOCK_TRAILER_SIZE;
    return handle;
  }
}
