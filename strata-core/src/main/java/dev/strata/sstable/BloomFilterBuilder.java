package dev.strata.sstable;

import dev.strata.util.Bytes;
import dev.strata.util.HeapSize;
import java.util.Arrays;

/**
 * Collects the hashes of a table's distinct user keys and writes its filter block in the layout
 * {@link BloomFilter} reads for the builder's format version: {@code max(64, n * bitsPerKey)} bits
 * rounded up to a multiple of 64 (and, in the blocked layout of version 2, of 512 once past 512),
 * then the probe count. Keeps 8 bytes per key until {@link #finish()}.
 *
 * <p>Not thread-safe: confined to its {@link TableBuilder}.
 */
final class BloomFilterBuilder {
  private final int bitsPerKey;
  private final int formatVersion;
  private long[] hashes = new long[256];
  private int count;

  /** A builder of the current format's layout; see {@link #BloomFilterBuilder(int, int)}. */
  BloomFilterBuilder(int bitsPerKey) {
    this(bitsPerKey, TableFormat.FORMAT_VERSION);
  }

  /**
   * Requires: {@code 0 <= bitsPerKey <= 40}, 0 writing an absent filter; {@code formatVersion} 1
   * (the spread layout, for tests of old tables) or 2 (blocked).
   */
  BloomFilterBuilder(int bitsPerKey, int formatVersion) {
    this.bitsPerKey = bitsPerKey;
    this.formatVersion = formatVersion;
  }

  /** Adds a user key; the caller adds each distinct key once. */
  void add(byte[] userKey) {
    add(userKey, userKey.length);
  }

  /**
   * Adds the first {@code length} bytes of {@code userKey}: a key's prefix, hashed as the key equal
   * to it would be (as RocksDB's whole-key plus prefix filters share one filter). The caller adds
   * each distinct prefix once; a prefix equal to a key already added may be added again.
   */
  void add(byte[] userKey, int length) {
    if (bitsPerKey == 0) {
      return;
    }
    if (count == hashes.length) {
      hashes = Arrays.copyOf(hashes, count * 2);
    }
    hashes[count++] = Bytes.hash64(userKey, 0, length);
  }

  /**
   * Heap bytes of this builder: the array of key hashes (8 bytes per distinct key, grown by
   * doubling, so up to 16) and the object.
   */
  long heapBytes() {
    return HeapSize.object(HeapSize.REFERENCE + 3 * 4) + HeapSize.longArray(hashes.length);
  }

  /** The filter block's contents. */
  byte[] finish() {
    if (bitsPerKey == 0) {
      return new byte[] {0};
    }
    boolean blocked = formatVersion >= 2;
    long bitCount = Math.max(64, (long) count * bitsPerKey);
    bitCount = Math.min(TableFormat.MAX_FILTER_BITS, (bitCount + 63) / 64 * 64);
    if (blocked && bitCount > BloomFilter.BLOCK_BITS) {
      long blocks = (bitCount + BloomFilter.BLOCK_BITS - 1) / BloomFilter.BLOCK_BITS;
      bitCount =
          Math.min(TableFormat.MAX_FILTER_BITS / BloomFilter.BLOCK_BITS, blocks)
              * BloomFilter.BLOCK_BITS;
    }
    int blockBits = BloomFilter.blockBitsFor(bitCount);
    int k = BloomFilter.probesFor(bitsPerKey);
    byte[] out = new byte[(int) (bitCount / 8) + 1];
    for (int j = 0; j < count; j++) {
      if (blocked) {
        setBlocked(out, hashes[j], bitCount, blockBits, k);
      } else {
        setSpread(out, hashes[j], bitCount, k);
      }
    }
    out[out.length - 1] = (byte) k;
    return out;
  }

  /** Sets a key's bits in the spread layout of version 1. */
  private static void setSpread(byte[] out, long hash, long bitCount, int k) {
    int h1 = (int) hash;
    int h2 = (int) (hash >>> 32);
    for (int i = 0; i < k; i++) {
      int bit = BloomFilter.bitIndex(h1 + i * h2, bitCount);
      out[bit >>> 3] |= (byte) (1 << (bit & 7));
    }
  }

  /** Sets a key's bits in the blocked layout of version 2: all in the block its hash chooses. */
  private static void setBlocked(byte[] out, long hash, long bitCount, int blockBits, int k) {
    int base = BloomFilter.blockStart(hash, bitCount, blockBits);
    int h = (int) hash;
    for (int i = 0; i < k; i++) {
      int bit = base + BloomFilter.bitIndex(h, blockBits);
      out[bit >>> 3] |= (byte) (1 << (bit & 7));
      h *= BloomFilter.PROBE_STEP;
    }
  }
}
