package dev.strata.sstable;

import dev.strata.Compression;

/**
 * The on-disk constants of a Strata table file, whose spec is {@code docs/format/sstable.md} (the
 * byte grammar, checksums, edge cases and a worked example). Every value here is written to disk:
 * values are never renumbered or reused, and a change to the layout raises {@link #FORMAT_VERSION}
 * and updates the spec in the same commit.
 */
final class TableFormat {
  /**
   * The last 8 bytes of every table: {@code 89 53 54 52 41 54 41 0A} ("\x89STRATA\n"), read as a
   * little-endian long. The high first byte catches 7-bit transfers, the trailing LF catches
   * newline translation.
   */
  static final long MAGIC = 0x0A41544152545389L;

  /**
   * The layout version written in the footer. Version 2 (2026-11-26) keeps every bloom probe of a
   * key within one 512-bit block ({@link BloomFilter}); version 1 spread them over the whole
   * filter. Readers accept {@link #OLDEST_FORMAT_VERSION} to this.
   */
  static final int FORMAT_VERSION = 2;

  /**
   * The layout version of a table with range tombstones (2026-12-05): version 2 plus a
   * range-deletion block between the filter and properties blocks, named by properties {@link
   * #PROP_RANGE_DELETION_BLOCK} and {@link #PROP_RANGE_TOMBSTONE_COUNT}. Tables without range
   * tombstones are still written as version 2, byte for byte as before.
   */
  static final int RANGE_DELETION_FORMAT_VERSION = 3;

  /** The newest layout version a reader opens. */
  static final int NEWEST_FORMAT_VERSION = 3;

  /** The oldest layout version a reader still opens. */
  static final int OLDEST_FORMAT_VERSION = 1;

  /**
   * Footer: three handles of fixed64 offset and fixed64 size (filter, properties, index), fixed32
   * version, fixed32 CRC32C of the preceding 52 bytes, fixed64 magic.
   */
  static final int FOOTER_SIZE = 64;

  static final int FOOTER_CRC_OFFSET = 52;
  static final int FOOTER_VERSION_OFFSET = 48;
  static final int FOOTER_MAGIC_OFFSET = 56;

  /** After every block on disk: 1-byte compression code, fixed32 CRC32C of block plus code. */
  static final int BLOCK_TRAILER_SIZE = 5;

  /** Compression codes in block trailers. */
  static final int COMPRESSION_NONE = 0;

  static final int COMPRESSION_LZ4 = 1;
  static final int COMPRESSION_ZSTD = 2;

  /**
   * The largest uncompressed block a reader accepts: 256 MiB. Lengths read from disk above it are
   * corruption, so a damaged length never drives a huge allocation.
   */
  static final int MAX_BLOCK_BYTES = 1 << 28;

  /** The largest key-plus-value a builder accepts: 128 MiB, so a block stays under the limit. */
  static final int MAX_ENTRY_BYTES = 1 << 27;

  /** Bytes of the trailer (sequence and kind) at the end of every internal key. */
  static final int TRAILER_BYTES = 8;

  /** The most bloom probes a filter may declare; also the clamp when computing k. */
  static final int MAX_BLOOM_PROBES = 30;

  /** The largest filter bit count: index arithmetic stays within 31 bits. */
  static final long MAX_FILTER_BITS = (1L << 31) - 64;

  /** Restart interval of index blocks: every index entry is a restart point. */
  static final int INDEX_RESTART_INTERVAL = 1;

  // Property tags of the properties block (tag-length-value records). Never renumbered or reused.
  static final int PROP_ENTRY_COUNT = 1;
  static final int PROP_TOMBSTONE_COUNT = 2;
  static final int PROP_SMALLEST_KEY = 3;
  static final int PROP_LARGEST_KEY = 4;
  static final int PROP_SMALLEST_SEQUENCE = 5;
  static final int PROP_LARGEST_SEQUENCE = 6;
  static final int PROP_CREATION_TIME_MILLIS = 7;
  static final int PROP_DATA_BLOCK_COUNT = 8;
  static final int PROP_RAW_KEY_BYTES = 9;
  static final int PROP_RAW_VALUE_BYTES = 10;
  static final int PROP_COMPRESSION = 11;
  static final int PROP_BLOOM_BITS_PER_KEY = 12;
  /** Version 3 only: the range-deletion block's handle, offset and size as two varints. */
  static final int PROP_RANGE_DELETION_BLOCK = 13;
  /** Version 3 only: the number of (fragment, sequence) pairs in the range-deletion block. */
  static final int PROP_RANGE_TOMBSTONE_COUNT = 14;
  /**
   * Any version, optional (2026-12-05): the UTF-8 name of the prefix extractor whose in-domain
   * prefixes the bloom filter also holds. Readers that predate it skip it and still probe whole
   * keys correctly (the prefixes only add bits), so it needed no version bump.
   */
  static final int PROP_PREFIX_EXTRACTOR = 15;
  /**
   * Any version, optional (2026-12-05): set only in a table written by {@code SstFileWriter} for
   * ingestion; a varint of flags, {@link #EXTERNAL_FILE} always, with {@link
   * #EXTERNAL_WRITE_TIMES} when its values carry write times. Every entry of such a table has
   * sequence 0 and a distinct user key: the database that ingests it gives it a sequence in its
   * manifest. Older readers skip it.
   */
  static final int PROP_EXTERNAL = 16;
  /** Any version, optional, only beside {@link #PROP_EXTERNAL}: the count of merge operands. */
  static final int PROP_MERGE_COUNT = 17;

  /** The highest property tag this reader knows; higher ones are skipped. */
  static final int PROP_LAST = PROP_MERGE_COUNT;

  /** {@link #PROP_EXTERNAL} flag: the table was written for ingestion. */
  static final int EXTERNAL_FILE = 1;

  /** {@link #PROP_EXTERNAL} flag: its values end in a write time ({@code docs/format/ttl.md}). */
  static final int EXTERNAL_WRITE_TIMES = 2;

  /** The longest prefix extractor name, in UTF-8 bytes. */
  static final int MAX_PREFIX_EXTRACTOR_NAME_BYTES = 255;

  /** The most range tombstones one table may hold, so that a damaged count drives no allocation. */
  static final int MAX_RANGE_TOMBSTONES = 1 << 24;

  private TableFormat() {}

  /** The trailer code of a compression choice. */
  static int codeOf(Compression compression) {
    return switch (compression) {
      case NONE -> COMPRESSION_NONE;
      case LZ4 -> COMPRESSION_LZ4;
      case ZSTD -> COMPRESSION_ZSTD;
    };
  }

  /** The compression of a trailer or property code, or null if the code is unknown. */
  static Compression compressionOf(int code) {
    return switch (code) {
      case COMPRESSION_NONE -> Compression.NONE;
      case COMPRESSION_LZ4 -> Compression.LZ4;
      case COMPRESSION_ZSTD -> Compression.ZSTD;
      default -> null;
    };
  }
}
