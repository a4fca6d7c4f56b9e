package dev.strata.bench.keys;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Produces values of one {@link ValueKind}, the way LevelDB's {@code db_bench} does: a 1 MiB pool
 * is filled from a seeded random source, and values are successive slices of it. Drawing each
 * value afresh would put the generator's own cost (about 1 us for 4 KiB) inside every timed put;
 * a slice costs one copy. Pool repeats lie 1 MiB apart, much farther than a 4 KiB block or LZ4's
 * 64 KiB window, so they do not help a block compressor.
 *
 * <ul>
 *   <li>{@link ValueKind#HALF}: the pool is made of pieces of {@code valueSize} bytes, each
 *       {@code valueSize / 2} random printable bytes repeated to full length;
 *   <li>{@link ValueKind#RANDOM}: uniformly random bytes;
 *   <li>{@link ValueKind#YCSB}: YCSB 0.17's {@code RandomByteIterator.fillBytesImpl}, six
 *       printable bytes from each random int.
 * </ul>
 *
 * <p>The same kind, size and seed give the same values. Not thread-safe: each benchmark thread
 * owns one, seeded from its own number. Every value is a fresh array, since an engine may keep
 * the array it was given.
 */
public final class ValueGenerator {
  private static final int POOL_BYTES = 1 << 20;
  /** Fraction of each {@code half} piece that is random; the rest repeats it. */
  static final double COMPRESSION_RATIO = 0.5;

  private final byte[] pool;
  private final int valueSize;
  private final ValueKind kind;
  private int pos;

  /** A generator of values compressible to half ({@link ValueKind#HALF}). */
  public ValueGenerator(int valueSize, long seed) {
    this(valueSize, ValueKind.HALF, seed);
  }

  public ValueGenerator(int valueSize, ValueKind kind, long seed) {
    if (valueSize < 1) {
      throw new IllegalArgumentException("value size must be >= 1, got " + valueSize);
    }
    this.valueSize = valueSize;
    this.kind = kind;
    int poolBytes = Math.max(POOL_BYTES, valueSize);
    this.pool = new byte[poolBytes];
    SplittableRandom rnd = new SplittableRandom(seed);
    switch (kind) {
      case HALF:
        for (int filled = 0; filled < poolBytes; filled += valueSize) {
          compressiblePiece(rnd, pool, filled, Math.min(valueSize, poolBytes - filled));
        }
        break;
      case RANDOM:
        rnd.nextBytes(pool);
        break;
      case YCSB:
        for (int filled = 0; filled < poolBytes; filled += 6) {
          ycsbBytes(rnd.nextInt(), pool, filled, Math.min(6, poolBytes - filled));
        }
        break;
      default:
        throw new IllegalArgumentException("unknown value kind " + kind);
    }
  }

  public int valueSize() {
    return valueSize;
  }

  public ValueKind kind() {
    return kind;
  }

  /** The next value: a copy of the next {@code valueSize} bytes of the pool. */
  public byte[] next() {
    if (pos + valueSize > pool.length) {
      pos = 0;
    }
    byte[] v = Arrays.copyOfRange(pool, pos, pos + valueSize);
    pos += valueSize;
    return v;
  }

  private static void compressiblePiece(SplittableRandom rnd, byte[] out, int off, int len) {
    int raw = Math.max(1, (int) (len * COMPRESSION_RATIO));
    for (int i = 0; i < raw && i < len; i++) {
      out[off + i] = (byte) (' ' + rnd.nextInt(95));
    }
    for (int i = raw; i < len; i++) {
      out[off + i] = out[off + (i % raw)];
    }
  }

  /**
   * Up to six printable bytes from one random int, exactly as YCSB's {@code
   * RandomByteIterator.fillBytesImpl} (a switch that falls through from the sixth byte down):
   * the masks 31, 63 and 95 give 32, 64 and 64 symbols from {@code ' '} up.
   */
  static void ycsbBytes(int bits, byte[] out, int off, int len) {
    if (len >= 6) {
      out[off + 5] = (byte) (((bits >> 25) & 95) + ' ');
    }
    if (len >= 5) {
      out[off + 4] = (byte) (((bits >> 20) & 63) + ' ');
    }
    if (len >= 4) {
      out[off + 3] = (byte) (((bits >> 15) & 31) + ' ');
    }
    if (len >= 3) {
      out[off + 2] = (byte) (((bits >> 10) & 95) + ' ');
    }
    if (len >= 2) {
      out[off + 1] = (byte) (((bits >> 5) & 63) + ' ');
    }
    if (len >= 1) {
      out[off] = (byte) ((bits & 31) + ' ');
    }
  }
}
