package dev.strata.sstable;

import dev.strata.util.Bytes;
import java.util.Arrays;

/**
 * Collects the hashes of a table's distinct user keys and writes its filter block in the layout
 * {@link BloomFilter} reads: {@code max(64, n * bitsPerKey)} bits rounded up to a multiple of 64,
 * then the probe count. Keeps 8 bytes per key until {@link #finish()}.
 *
 * <p>Not thread-safe: confined to its {@link TableBuilder}.
 */
final class BloomFilterBuilder {
  private final int bitsPerKey;
  private long[] hashes = new long[256];
  private int count;

  /** Requires: {@code 0 <= bitsPerKey <= 40}; 0 writes an absent filter. */
  BloomFilterBuilder(int bitsPerKey) {
    this.bitsPerKey = bitsPerKey;
  }

  /** Adds a user key; the caller adds each distinct key once. */
  void add(byte[] userKey) {
    if (bitsPerKey == 0) {
      return;
    }
    if (count == hashes.length) {
      hashes = Arrays.copyOf(hashes, count * 2);
    }
    hashes[count++] = Bytes.hash64(userKey);
  }

  /** The filter block's contents. */
  byte[] finish() {
    if (bitsPerKey == 0) {
      return new byte[] {0};
    }
    long bitCount = Math.max(64, (long) count * bitsPerKey);
    bitCount = Math.min(TableFormat.MAX_FILTER_BITS, (bitCount + 63) / 64 * 64);
    int k = BloomFilter.probesFor(bitsPerKey);
    byte[] out = new byte[(int) (bitCount / 8) + 1];
    for (int j = 0; j < count; j++) {
      long hash = hashes[j];
      int h1 = (int) hash;
      int h2 = (int) (hash >>> 32);
      for (int i = 0; i < k; i++) {
        int bit = BloomFilter.bitIndex(h1 + i * h2, bitCount);
        out[bit >>> 3] |= (byte) (1 << (bit & 7));
      }
    }
    out[out.length - 1] = (byte) k;
    return out;
  }
}
