package dev.strata.sstable;

import dev.strata.CorruptionException;
import dev.strata.util.Bytes;
import dev.strata.util.HeapSize;

/**
 * A table's bloom filter over user keys, read from its filter block: {@code m} bits followed by one
 * byte {@code k}, the number of probes. A filter with {@code k = 0} is absent and admits every key.
 * Immutable and thread-safe.
 *
 * <p>Two layouts, chosen by the table's format version ({@link TableFormat#FORMAT_VERSION}); both
 * hash a key once with {@link Bytes#hash64}.
 *
 * <ul>
 *   <li><b>Blocked (version 2, written today).</b> The bits form blocks of {@code min(512, m)}
 *       bits, one 64-byte cache line each. The high 32 bits of the hash choose the block, and all
 *       {@code k} probes fall inside it: probe {@code i} sets bit {@code h_i * blockBits >>> 32} of
 *       the block, where {@code h_0} is the low 32 bits of the hash and {@code h_(i+1) = h_i *
 *       0x9E3779B9 mod 2^32}. A lookup then touches one cache line per table instead of one per
 *       probe. At 10 bits per key the false-positive rate is about 1%, against 0.8% spread.
 *   <li><b>Spread (version 1, still read).</b> Probes use double hashing (Kirsch and
 *       Mitzenmacher) over the whole array: with {@code h1} the low and {@code h2} the high 32 bits,
 *       probe {@code i} sets bit {@code ((h1 + i * h2) mod 2^32) * m >>> 32}. The false-positive
 *       rate is about {@code (1 - e^(-k n / m))^k}: 0.8% at 10 bits per key.
 * </ul>
 *
 * <p>Both map a 32-bit value onto a range with Lemire's multiply-shift, no division.
 */
final class BloomFilter {
  /** The filter of a table written with 0 bits per key. */
  static final BloomFilter NONE = new BloomFilter(new byte[0], 0, 0, 0);

  /** Bits per block of the blocked layout: one 64-byte cache line. */
  static final int BLOCK_BITS = 512;

  /** Multiplier from one in-block probe hash to the next (2^32 over the golden ratio). */
  static final int PROBE_STEP = 0x9E3779B9;

  /** The bit array in {@code bits[0, bitCount / 8)}; the array may be longer. */
  private final byte[] bits;

  private final long bitCount;
  private final int probes;

  /** Bits per block in the blocked layout ({@code min(512, m)}); 0 for the spread layout. */
  private final int blockBits;

  private BloomFilter(byte[] bits, long bitCount, int probes, int blockBits) {
    this.bits = bits;
    this.bitCount = bitCount;
    this.probes = probes;
    this.blockBits = blockBits;
  }

  /** Bits per block of a blocked filter of {@code bitCount} bits. */
  static int blockBitsFor(long bitCount) {
    return (int) Math.min(BLOCK_BITS, bitCount);
  }

  /** Probes per key for a bits-per-key setting: {@code round(bitsPerKey * ln 2)} in 1..30. */
  static int probesFor(int bitsPerKey) {
    long k = Math.round(bitsPerKey * Math.log(2));
    return (int) Math.max(1, Math.min(TableFormat.MAX_BLOOM_PROBES, k));
  }

  /**
   * Parses a filter block's contents, in the layout of table format {@code formatVersion}.
   *
   * @throws CorruptionException naming {@code file} and {@code blockOffset} if the probe count or
   *     bit-array length is invalid
   */
  static BloomFilter decode(
      byte[] data, int length, String file, long blockOffset, int formatVersion) {
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
    boolean blocked = formatVersion >= 2;
    if (bitBytes == 0
        || bitBytes % 8 != 0
        || (blocked && bitBytes > BLOCK_BITS / 8 && bitBytes % (BLOCK_BITS / 8) != 0)
        || 8L * bitBytes > TableFormat.MAX_FILTER_BITS) {
      throw new CorruptionException(file, blockOffset, "filter has " + bitBytes + " bit bytes");
    }
    long bitCount = 8L * bitBytes;
    // Probes index below bitBytes, so the array is kept whole (it may hold the block trailer).
    return new BloomFilter(data, bitCount, k, blocked ? blockBitsFor(bitCount) : 0);
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
    if (blockBits != 0) {
      int base = blockStart(hash, bitCount, blockBits);
      int h = (int) hash;
      for (int i = 0; i < probes; i++) {
        int bit = base + bitIndex(h, blockBits);
        if ((bits[bit >>> 3] & (1 << (bit & 7))) == 0) {
          return false;
        }
        h *= PROBE_STEP;
      }
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

  /** The first bit of the block a key's hash chooses in a blocked filter. */
  static int blockStart(long hash, long bitCount, int blockBits) {
    long blocks = bitCount / blockBits;
    return (int) (((hash >>> 32) * blocks) >>> 32) * blockBits;
  }

  /** Maps a 32-bit probe hash uniformly onto {@code [0, bitCount)}. */
  static int bitIndex(int probeHash, long bitCount) {
    return (int) (((probeHash & 0xFFFFFFFFL) * bitCount) >>> 32);
  }

  /**
   * Heap bytes of this filter: the array read from the filter block (bits, probe count and block
   * trailer) and the object. 0 for {@link #NONE}, which every table without a filter shares.
   */
  long heapBytes() {
    return this == NONE
        ? 0
        : HeapSize.object(HeapSize.REFERENCE + 8 + 4 + 4) + HeapSize.byteArray(bits.length);
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

  /** Whether probes stay within one block (format version 2 and later). */
  boolean blocked() {
    return blockBits != 0;
  }
}
