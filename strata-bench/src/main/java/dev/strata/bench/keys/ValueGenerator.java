package dev.strata.bench.keys;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Produces values that compress to about half their size, like {@code RandomGenerator} in
 * LevelDB's {@code db_bench}: a 1 MiB pool is filled with pieces of {@code valueSize} bytes, each
 * made of {@code valueSize / 2} random printable bytes repeated to full length; values are
 * successive slices of the pool.
 *
 * <p>Not thread-safe: each benchmark thread owns one. Every value is a fresh array, since an
 * engine may keep the array it was given.
 */
public final class ValueGenerator {
  private static final int POOL_BYTES = 1 << 20;
  /** Fraction of each piece that is random; the rest repeats it. */
  static final double COMPRESSION_RATIO = 0.5;

  private final byte[] pool;
  private final int valueSize;
  private int pos;

  public ValueGenerator(int valueSize, long seed) {
    if (valueSize < 1) {
      throw new IllegalArgumentException("value size must be >= 1, got " + valueSize);
    }
    this.valueSize = valueSize;
    int poolBytes = Math.max(POOL_BYTES, valueSize);
    this.pool = new byte[poolBytes];
    SplittableRandom rnd = new SplittableRandom(seed);
    int filled = 0;
    while (filled < poolBytes) {
      int piece = Math.min(valueSize, poolBytes - filled);
      compressiblePiece(rnd, pool, filled, piece);
      filled += piece;
    }
  }

  public int valueSize() {
    return valueSize;
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
}
