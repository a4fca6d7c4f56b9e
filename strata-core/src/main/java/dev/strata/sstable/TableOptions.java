package dev.strata.sstable;

import dev.strata.Compression;
import dev.strata.PrefixExtractor;
import java.util.Objects;

/**
 * How a {@link TableBuilder} lays out a table: target data-block size, restart interval, block
 * compression, bloom-filter bits per key and the prefix extractor whose prefixes the filter also
 * holds. Immutable and thread-safe.
 *
 * @param blockSizeBytes target uncompressed size of a data block, 64 B to 64 MiB; a block is cut
 *     after the entry that reaches it
 * @param restartInterval entries between restart points in a data block, 1 to 1024
 * @param compression per-block compression; a block that does not shrink by 1/8 is stored raw
 * @param bloomBitsPerKey bloom-filter bits per distinct user key (and prefix), 0 (no filter) to 40
 * @param prefixExtractor adds each distinct in-domain prefix to the filter and records the
 *     extractor's name in the properties; null for none (and ignored without a filter)
 */
public record TableOptions(
    int blockSizeBytes,
    int restartInterval,
    Compression compression,
    int bloomBitsPerKey,
    PrefixExtractor prefixExtractor) {
  /** Validates every argument; throws {@link IllegalArgumentException} naming the bad one. */
  public TableOptions {
    if (blockSizeBytes < 64 || blockSizeBytes > (64 << 20)) {
      throw new IllegalArgumentException(
          "blockSizeBytes must be from 64 B to 64 MiB, got " + blockSizeBytes);
    }
    if (restartInterval < 1 || restartInterval > 1024) {
      throw new IllegalArgumentException(
          "restartInterval must be from 1 to 1024, got " + restartInterval);
    }
    Objects.requireNonNull(compression, "compression");
    if (bloomBitsPerKey < 0 || bloomBitsPerKey > 40) {
      throw new IllegalArgumentException(
          "bloomBitsPerKey must be from 0 to 40, got " + bloomBitsPerKey);
    }
  }

  /** As the canonical constructor without a prefix extractor. */
  public TableOptions(
      int blockSizeBytes, int restartInterval, Compression compression, int bloomBitsPerKey) {
    this(blockSizeBytes, restartInterval, compression, bloomBitsPerKey, null);
  }

  /** These options with {@code extractor} as the prefix extractor. */
  public TableOptions withPrefixExtractor(PrefixExtractor extractor) {
    return new TableOptions(
        blockSizeBytes, restartInterval, compression, bloomBitsPerKey, extractor);
  }

  /** 4 KiB blocks, restart interval 16, LZ4, 10 bloom bits per key. */
  public static TableOptions defaults() {
    return new TableOptions(4096, 16, Compression.LZ4, 10);
  }
}
