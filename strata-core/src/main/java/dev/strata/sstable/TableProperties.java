package dev.strata.sstable;

import dev.strata.Compression;
import dev.strata.CorruptionException;
import dev.strata.util.Bytes;
import dev.strata.util.Coding;
import dev.strata.util.HeapSize;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Facts about one table, written in its properties block by {@link TableBuilder} and read back by
 * {@link TableReader}: entry and tombstone counts, key and sequence range, sizes. Immutable and
 * thread-safe; array accessors return copies.
 *
 * <p>Encoding: a sequence of tag-length-value records, {@code tag varint32, length varint32, body},
 * tags from {@link TableFormat} ({@code PROP_*}). Numbers are a varint filling the body; keys are
 * raw bytes. Readers skip unknown tags, so later versions can add properties. {@link #fileSize()}
 * is not stored: it is the size of the file the properties were read from.
 *
 * <p>For an empty table (no entries) the smallest and largest keys are empty arrays and both
 * sequences are 0.
 */
public final class TableProperties {
  private final long entryCount;
  private final long tombstoneCount;
  private final byte[] smallestKey;
  private final byte[] largestKey;
  private final long smallestSequence;
  private final long largestSequence;
  private final long creationTimeMillis;
  private final long fileSize;
  private final long dataBlockCount;
  private final long rawKeyBytes;
  private final long rawValueBytes;
  private final Compression compression;
  private final int bloomBitsPerKey;

  /** The range-deletion block (version 3 tables), or null. */
  private final BlockHandle rangeDeletionBlock;

  private final long rangeTombstoneCount;

  /** The name of the prefix extractor whose prefixes the filter holds, or null. */
  private final String prefixExtractorName;

  /** {@code TableFormat.PROP_EXTERNAL}'s flags; 0 for a table the engine wrote. */
  private final int externalFlags;

  /** Merge operands, recorded only in external tables (0 otherwise). */
  private final long mergeCount;

  TableProperties(
      long entryCount,
      long tombstoneCount,
      byte[] smallestKey,
      byte[] largestKey,
      long smallestSequence,
      long largestSequence,
      long creationTimeMillis,
      long fileSize,
      long dataBlockCount,
      long rawKeyBytes,
      long rawValueBytes,
      Compression compression,
      int bloomBitsPerKey) {
    this(
        entryCount,
        tombstoneCount,
        smallestKey,
        largestKey,
        smallestSequence,
        largestSequence,
        creationTimeMillis,
        fileSize,
        dataBlockCount,
        rawKeyBytes,
        rawValueBytes,
        compression,
        bloomBitsPerKey,
        null,
        0,
        null,
        0,
        0);
  }

  TableProperties(
      long entryCount,
      long tombstoneCount,
      byte[] smallestKey,
      byte[] largestKey,
      long smallestSequence,
      long largestSequence,
      long creationTimeMillis,
      long fileSize,
      long dataBlockCount,
      long rawKeyBytes,
      long rawValueBytes,
      Compression compression,
      int bloomBitsPerKey,
      BlockHandle rangeDeletionBlock,
      long rangeTombstoneCount,
      String prefixExtractorName,
      int externalFlags,
      long mergeCount) {
    this.externalFlags = externalFlags;
    this.mergeCount = mergeCount;
    this.prefixExtractorName = prefixExtractorName;
    this.rangeDeletionBlock = rangeDeletionBlock;
    this.rangeTombstoneCount = rangeTombstoneCount;
    this.entryCount = entryCount;
    this.tombstoneCount = tombstoneCount;
    this.smallestKey = smallestKey;
    this.largestKey = largestKey;
    this.smallestSequence = smallestSequence;
    this.largestSequence = largestSequence;
    this.creationTimeMillis = creationTimeMillis;
    this.fileSize = fileSize;
    this.dataBlockCount = dataBlockCount;
    this.rawKeyBytes = rawKeyBytes;
    this.rawValueBytes = rawValueBytes;
    this.compression = compression;
    this.bloomBitsPerKey = bloomBitsPerKey;
  }

  /**
   * Heap bytes of these properties: the object, its two keys, the compression reference and the
   * prefix extractor's name (a string and its bytes).
   */
  long heapBytes() {
    return HeapSize.object(10 * 8 + 4 * HeapSize.REFERENCE + 2 * 4)
        + HeapSize.byteArray(smallestKey.length)
        + HeapSize.byteArray(largestKey.length)
        + (prefixExtractorName == null
            ? 0
            : HeapSize.object(HeapSize.REFERENCE + 8)
                + HeapSize.byteArray(prefixExtractorName.length()));
  }

  /** Entries, tombstones included. */
  public long entryCount() {
    return entryCount;
  }

  public long tombstoneCount() {
    return tombstoneCount;
  }

  public boolean isEmpty() {
    return entryCount == 0;
  }

  /** The first encoded internal key (user key then 8-byte trailer); empty for an empty table. */
  public byte[] smallestKey() {
    return smallestKey.clone();
  }

  /** The last encoded internal key; empty for an empty table. */
  public byte[] largestKey() {
    return largestKey.clone();
  }

  /** The user key of {@link #smallestKey()}; empty for an empty table. */
  public byte[] smallestUserKey() {
    return userKeyOf(smallestKey);
  }

  /** The user key of {@link #largestKey()}; empty for an empty table. */
  public byte[] largestUserKey() {
    return userKeyOf(largestKey);
  }

  private static byte[] userKeyOf(byte[] internalKey) {
    return internalKey.length == 0
        ? internalKey.clone()
        : Arrays.copyOf(internalKey, internalKey.length - TableFormat.TRAILER_BYTES);
  }

  public long smallestSequence() {
    return smallestSequence;
  }

  public long largestSequence() {
    return largestSequence;
  }

  public long creationTimeMillis() {
    return creationTimeMillis;
  }

  /** Bytes of the whole table file. */
  public long fileSize() {
    return fileSize;
  }

  public long dataBlockCount() {
    return dataBlockCount;
  }

  /** Sum of encoded internal key lengths (user key plus 8) before prefix compression. */
  public long rawKeyBytes() {
    return rawKeyBytes;
  }

  public long rawValueBytes() {
    return rawValueBytes;
  }

  /** The compression the table was written with; some blocks may still be stored raw. */
  public Compression compression() {
    return compression;
  }

  public int bloomBitsPerKey() {
    return bloomBitsPerKey;
  }

  /** Range tombstones in the table: (fragment, sequence) pairs of its range-deletion block. */
  public long rangeTombstoneCount() {
    return rangeTombstoneCount;
  }

  /**
   * The name of the prefix extractor whose in-domain prefixes the table's bloom filter holds, or
   * null if the table was written without one (or without a filter).
   */
  public String prefixExtractorName() {
    return prefixExtractorName;
  }

  /** Whether {@code SstFileWriter} wrote the table for ingestion (see {@code PROP_EXTERNAL}). */
  public boolean isExternal() {
    return (externalFlags & TableFormat.EXTERNAL_FILE) != 0;
  }

  /** Whether an external table's values end in a write time. */
  public boolean externalValuesCarryWriteTimes() {
    return (externalFlags & TableFormat.EXTERNAL_WRITE_TIMES) != 0;
  }

  /** An external table's merge operands; 0 for a table the engine wrote (it does not count). */
  public long mergeCount() {
    return mergeCount;
  }

  /** These properties marking an external table with {@code flags} and its merge count. */
  TableProperties withExternal(int flags, long merges) {
    return copy(fileSize, rangeDeletionBlock, rangeTombstoneCount, prefixExtractorName, flags, merges);
  }

  /** The range-deletion block's handle, or null if the table has none. */
  BlockHandle rangeDeletionBlock() {
    return rangeDeletionBlock;
  }

  /** These properties naming a range-deletion block of {@code count} tombstones. */
  TableProperties withRangeDeletions(BlockHandle block, long count) {
    return copy(fileSize, block, count, prefixExtractorName, externalFlags, mergeCount);
  }

  /** These properties naming the prefix extractor of the filter's prefixes (null: none). */
  TableProperties withPrefixExtractor(String name) {
    return copy(fileSize, rangeDeletionBlock, rangeTombstoneCount, name, externalFlags, mergeCount);
  }

  TableProperties withFileSize(long size) {
    return copy(
        size, rangeDeletionBlock, rangeTombstoneCount, prefixExtractorName, externalFlags, mergeCount);
  }

  /** These properties with the fields that are set after the entries are written replaced. */
  private TableProperties copy(
      long size, BlockHandle block, long rangeCount, String prefixName, int flags, long merges) {
    return new TableProperties(
        entryCount,
        tombstoneCount,
        smallestKey,
        largestKey,
        smallestSequence,
        largestSequence,
        creationTimeMillis,
        size,
        dataBlockCount,
        rawKeyBytes,
        rawValueBytes,
        compression,
        bloomBitsPerKey,
        block,
        rangeCount,
        prefixName,
        flags,
        merges);
  }

  /** The properties block's contents. */
  byte[] encode() {
    ByteArrayOutputStream out = new ByteArrayOutputStream(128);
    putNumber(out, TableFormat.PROP_ENTRY_COUNT, entryCount);
    putNumber(out, TableFormat.PROP_TOMBSTONE_COUNT, tombstoneCount);
    putBytes(out, TableFormat.PROP_SMALLEST_KEY, smallestKey);
    putBytes(out, TableFormat.PROP_LARGEST_KEY, largestKey);
    putNumber(out, TableFormat.PROP_SMALLEST_SEQUENCE, smallestSequence);
    putNumber(out, TableFormat.PROP_LARGEST_SEQUENCE, largestSequence);
    putNumber(out, TableFormat.PROP_CREATION_TIME_MILLIS, creationTimeMillis);
    putNumber(out, TableFormat.PROP_DATA_BLOCK_COUNT, dataBlockCount);
    putNumber(out, TableFormat.PROP_RAW_KEY_BYTES, rawKeyBytes);
    putNumber(out, TableFormat.PROP_RAW_VALUE_BYTES, rawValueBytes);
    putNumber(out, TableFormat.PROP_COMPRESSION, TableFormat.codeOf(compression));
    putNumber(out, TableFormat.PROP_BLOOM_BITS_PER_KEY, bloomBitsPerKey);
    if (rangeDeletionBlock != null) {
      byte[] body = new byte[20];
      int n = Coding.putVarint(body, 0, rangeDeletionBlock.offset());
      n = Coding.putVarint(body, n, rangeDeletionBlock.size());
      putBytes(out, TableFormat.PROP_RANGE_DELETION_BLOCK, Arrays.copyOf(body, n));
      putNumber(out, TableFormat.PROP_RANGE_TOMBSTONE_COUNT, rangeTombstoneCount);
    }
    if (prefixExtractorName != null) {
      putBytes(
          out,
          TableFormat.PROP_PREFIX_EXTRACTOR,
          prefixExtractorName.getBytes(StandardCharsets.UTF_8));
    }
    if (externalFlags != 0) {
      putNumber(out, TableFormat.PROP_EXTERNAL, externalFlags);
      putNumber(out, TableFormat.PROP_MERGE_COUNT, mergeCount);
    }
    return out.toByteArray();
  }

  private static void putNumber(ByteArrayOutputStream out, int tag, long value) {
    byte[] body = new byte[10];
    putBytes(out, tag, Arrays.copyOf(body, Coding.putVarint(body, 0, value)));
  }

  private static void putBytes(ByteArrayOutputStream out, int tag, byte[] body) {
    byte[] header = new byte[10];
    int n = Coding.putVarint(header, 0, tag);
    n = Coding.putVarint(header, n, body.length);
    out.write(header, 0, n);
    out.write(body, 0, body.length);
  }

  /**
   * Parses and validates a properties block.
   *
   * @param fileSize the size of the table file, recorded as {@link #fileSize()}
   * @throws CorruptionException naming {@code file} and {@code blockOffset} if a record is
   *     malformed, a required property is missing or repeated, or the values are inconsistent
   */
  static TableProperties decode(
      byte[] data, int length, String file, long blockOffset, long fileSize) {
    long[] numbers = new long[TableFormat.PROP_LAST + 1];
    byte[][] keys = new byte[TableFormat.PROP_LAST + 1][];
    boolean[] seen = new boolean[TableFormat.PROP_LAST + 1];
    BlockHandle rangeDeletions = null;
    String prefixExtractor = null;
    int[] out = new int[1];
    long[] number = new long[1];
    int p = 0;
    try {
      while (p < length) {
        p = Coding.getVarint32(data, p, length, Integer.MAX_VALUE, out);
        int tag = out[0];
        p = Coding.getVarint32(data, p, length, length - p, out);
        int bodyLength = out[0];
        if (bodyLength > length - p) {
          throw new IllegalArgumentException("property " + tag + " overruns the block");
        }
        int bodyEnd = p + bodyLength;
        if (tag < seen.length && tag > 0) {
          if (seen[tag]) {
            throw new IllegalArgumentException("property " + tag + " repeated");
          }
          seen[tag] = true;
          if (tag == TableFormat.PROP_SMALLEST_KEY || tag == TableFormat.PROP_LARGEST_KEY) {
            keys[tag] = Arrays.copyOfRange(data, p, bodyEnd);
          } else if (tag == TableFormat.PROP_RANGE_DELETION_BLOCK) {
            int q = Coding.getVarint(data, p, bodyEnd, number);
            long offset = number[0];
            if (Coding.getVarint(data, q, bodyEnd, number) != bodyEnd) {
              throw new IllegalArgumentException("property " + tag + " has trailing bytes");
            }
            rangeDeletions = new BlockHandle(offset, number[0]);
          } else if (tag == TableFormat.PROP_PREFIX_EXTRACTOR) {
            if (bodyLength < 1 || bodyLength > TableFormat.MAX_PREFIX_EXTRACTOR_NAME_BYTES) {
              throw new IllegalArgumentException(
                  "prefix extractor name of " + bodyLength + " bytes");
            }
            prefixExtractor = new String(data, p, bodyLength, StandardCharsets.UTF_8);
          } else if (Coding.getVarint(data, p, bodyEnd, number) != bodyEnd) {
            throw new IllegalArgumentException("property " + tag + " has trailing bytes");
          } else {
            numbers[tag] = number[0];
          }
        }
        p = bodyEnd;
      }
    } catch (IllegalArgumentException e) {
      throw new CorruptionException(
          file, blockOffset, "bad properties block: " + e.getMessage(), e);
    }
    for (int tag = 1; tag <= TableFormat.PROP_BLOOM_BITS_PER_KEY; tag++) {
      if (!seen[tag]) {
        throw new CorruptionException(file, blockOffset, "properties block lacks property " + tag);
      }
    }
    if (seen[TableFormat.PROP_RANGE_DELETION_BLOCK]
        != seen[TableFormat.PROP_RANGE_TOMBSTONE_COUNT]) {
      throw new CorruptionException(
          file, blockOffset, "properties block names range deletions only in part");
    }
    long rangeCount = numbers[TableFormat.PROP_RANGE_TOMBSTONE_COUNT];
    if (rangeDeletions != null
        && (rangeCount < 1 || rangeCount > TableFormat.MAX_RANGE_TOMBSTONES)) {
      throw new CorruptionException(
          file, blockOffset, "bad properties block: range tombstone count " + rangeCount);
    }
    if (prefixExtractor != null && numbers[TableFormat.PROP_BLOOM_BITS_PER_KEY] == 0) {
      throw new CorruptionException(
          file, blockOffset, "bad properties block: a prefix extractor without a filter");
    }
    long flags = numbers[TableFormat.PROP_EXTERNAL];
    if (seen[TableFormat.PROP_EXTERNAL] != seen[TableFormat.PROP_MERGE_COUNT]
        || (seen[TableFormat.PROP_EXTERNAL]
            && (flags & ~(long) (TableFormat.EXTERNAL_FILE | TableFormat.EXTERNAL_WRITE_TIMES)) != 0)
        || (seen[TableFormat.PROP_EXTERNAL] && (flags & TableFormat.EXTERNAL_FILE) == 0)) {
      throw new CorruptionException(
          file, blockOffset, "bad properties block: external-file flags " + flags);
    }
    if (seen[TableFormat.PROP_EXTERNAL]
        && (numbers[TableFormat.PROP_SMALLEST_SEQUENCE] != 0
            || numbers[TableFormat.PROP_LARGEST_SEQUENCE] != 0
            || numbers[TableFormat.PROP_MERGE_COUNT] > numbers[TableFormat.PROP_ENTRY_COUNT])) {
      throw new CorruptionException(
          file, blockOffset, "bad properties block: an external table with sequences or counts"
              + " it cannot have");
    }
    return validated(numbers, keys, file, blockOffset, fileSize)
        .withRangeDeletions(rangeDeletions, rangeDeletions == null ? 0 : rangeCount)
        .withPrefixExtractor(prefixExtractor)
        .withExternal((int) flags, numbers[TableFormat.PROP_MERGE_COUNT]);
  }

  private static TableProperties validated(
      long[] n, byte[][] keys, String file, long blockOffset, long fileSize) {
    Compression compression = TableFormat.compressionOf((int) n[TableFormat.PROP_COMPRESSION]);
    long entries = n[TableFormat.PROP_ENTRY_COUNT];
    byte[] smallest = keys[TableFormat.PROP_SMALLEST_KEY];
    byte[] largest = keys[TableFormat.PROP_LARGEST_KEY];
    String problem = null;
    if (Arrays.stream(n).anyMatch(v -> v < 0)) {
      problem = "negative property";
    } else if (compression == null || n[TableFormat.PROP_COMPRESSION] > 0xFF) {
      problem = "unknown compression " + n[TableFormat.PROP_COMPRESSION];
    } else if (n[TableFormat.PROP_BLOOM_BITS_PER_KEY] > 40) {
      problem = "bloom bits per key " + n[TableFormat.PROP_BLOOM_BITS_PER_KEY];
    } else if (n[TableFormat.PROP_TOMBSTONE_COUNT] > entries) {
      problem = "more tombstones than entries";
    } else if (n[TableFormat.PROP_SMALLEST_SEQUENCE] > n[TableFormat.PROP_LARGEST_SEQUENCE]) {
      problem = "smallest sequence above largest";
    } else if (entries == 0 && (smallest.length != 0 || largest.length != 0)) {
      problem = "empty table with key range";
    } else if (entries > 0
        && (smallest.length < TableFormat.TRAILER_BYTES
            || largest.length < TableFormat.TRAILER_BYTES
            || KeyOrder.compare(smallest, 0, smallest.length, largest, 0, largest.length) > 0)) {
      problem = "bad key range";
    }
    if (problem != null) {
      throw new CorruptionException(file, blockOffset, "bad properties block: " + problem);
    }
    return new TableProperties(
        entries,
        n[TableFormat.PROP_TOMBSTONE_COUNT],
        smallest,
        largest,
        n[TableFormat.PROP_SMALLEST_SEQUENCE],
        n[TableFormat.PROP_LARGEST_SEQUENCE],
        n[TableFormat.PROP_CREATION_TIME_MILLIS],
        fileSize,
        n[TableFormat.PROP_DATA_BLOCK_COUNT],
        n[TableFormat.PROP_RAW_KEY_BYTES],
        n[TableFormat.PROP_RAW_VALUE_BYTES],
        compression,
        (int) n[TableFormat.PROP_BLOOM_BITS_PER_KEY]);
  }

  @Override
  public String toString() {
    return "TableProperties{entries="
        + entryCount
        + ", tombstones="
        + tombstoneCount
        + ", keys=["
        + Bytes.toHex(smallestKey, 24)
        + ", "
        + Bytes.toHex(largestKey, 24)
        + "], sequences=["
        + smallestSequence
        + ", "
        + largestSequence
        + "], fileSize="
        + fileSize
        + ", dataBlocks="
        + dataBlockCount
        + ", compression="
        + compression
        + (prefixExtractorName == null ? "" : ", prefixExtractor=" + prefixExtractorName)
        + (isExternal() ? ", external, merges=" + mergeCount : "")
        + "}";
  }
}
