package dev.strata.sstable;

import dev.strata.CorruptionException;
import dev.strata.util.Bytes;

/**
 * A table's bloom filter over user keys, read from its filter block: {@code m} bits followed by one
 * byte {@code k}, the number of probes. A filter with {@code k = 0} is absent and admits every key.
 * Immutable and thread-safe.
 *
 * <p>Probes use double hashing (Kirsch and Mitzenmacher) over {@link Bytes#hash64}: with {@code h1}
 * the low and {@code h2} the high 32 bits, probe {@code i} sets bit {@code ((h1 + i * h2) mod 2^32)
 * * m >>> 32} (Lemire's multiply-shift range reduction, no division). The false-positive rate is
 * about {@code (1 - e^(-k n / m))^k}: 0.8% at 10 bits per key.
 */
final class BloomFilter {
  /** The filter of a table written with 0 bits per key. */
  static final BloomFilter NONE = new BloomFilter(new byte[0], 0, 0);

  /** The bit array in {@code bits[0, bitCount / 8)}; the array may be longer. */
  private final byte[] bits;

  private final long bitCount;
  private final int probes;

  private BloomFilter(byte[] bits, long bitCount, int probes) {
    this.bits = bits;
    this.bitCount = bitCount;
    this.probes = probes;
  }

  /** Probes per key for a bits-per-key setting: {@code round(bitsPerKey * ln 2)} in 1..30. */
  static int probesFor(int bitsPerKey) {
    long k = Math.round(bitsPerKey * Math.log(2));
    return (int) Math.max(1, Math.min(TableFormat.MAX_BLOOM_PROBES, k));
  }

  /**
   * Parses a filter block's contents.
   *
   * @throws CorruptionException naming {@code file} and {@code blockOffset} if the probe count or
   *     bit-array length is invalid
   */
  static BloomFilter decode(byte[] data, int length, String file, long blockOffset) {
    if (length < 1) {
      throw new CorruptionException(file, blockOffset, "empty filter block");
    }
    int k = data[length - 1] & 0xFF;
    int bitBytes = length - 1;
    if (k == 0) {
      if (bitBytes != 0) {
        throw new CorruptionException(
            file, blockOffset, "absent filter with " + bitBytes + " bit bytes");
      }
      return NONE;
    }
    if (k > TableFormat.MAX_BLOOM_PROBES) {
      throw new CorruptionException(file, blockOffset, "filter has " + k + " probes");
    }
    if (bitBytes == 0 || bitBytes % 8 != 0 || 8L * bitBytes > TableFormat.MAX_FILTER_BITS) {
      throw new CorruptionException(file, blockOffset, "filter has " + bitBytes + " bit bytes");
    }
    // Probes index below bitBytes, so the array is kept whole (it may hold the block trailer).
    return new BloomFilter(data, 8L * bitBytes, k);
  }

  /** False only if {@code userKey} is certainly absent. */
  boolean mayContain(byte[] userKey) {
    return probes == 0 || mayContainHash(Bytes.hash64(userKey));
  }

  /** As {@link #mayContain} for a key's {@link Bytes#hash64}. */
  boolean mayContainHash(long hash) {
    if (probes == 0) {
      return true;
    }
    int h1 = (int) hash;
    int h2 = (int) (hash >>> 32);
    for (int i = 0; i < probes; i++) {
      int bit = bitIndex(h1 + i * h2, bitCount);
      if ((bits[bit >>> 3] & (1 << (bit & 7))) == 0) {
        return false;
      }
    }
    return true;
  }

  /** Maps a 32-bit probe hash uniformly onto {@code [0, bitCount)}. */
  static int bitIndex(int probeHash, long bitCount) {
    return (int) (((probeHash & 0xFFFFFFFFL) * bitCount) >>> 32);
  }

  boolean isAbsent() {
    return probes == 0;
  }

  int probes() {
    return probes;
  }

  long bitCount() {
    return bitCount;
  }
}
