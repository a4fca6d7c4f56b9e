package dev.strata.bench.keys;

/**
 * Turns key numbers into fixed-width keys, the way LevelDB's {@code db_bench} does: the number in
 * zero-padded decimal, {@code keySize} bytes wide ({@code "%016d"} for the default 16), so that
 * byte order equals numeric order. A missing key is the present key with a {@code '.'} appended
 * ({@code "%016d."}): it sorts right after a present key, inside the key range, so only a
 * filter or a real lookup can tell it is absent.
 *
 * <p>Immutable and thread-safe.
 */
public final class KeyFormat {
  private final int keySize;
  private final long maxKey;

  /**
   * @param keySize key width in bytes, 1 to 19 (a {@code long} has 19 decimal digits)
   */
  public KeyFormat(int keySize) {
    if (keySize < 1 || keySize > 19) {
      throw new IllegalArgumentException("key size must be from 1 to 19 bytes, got " + keySize);
    }
    this.keySize = keySize;
    long max = 1;
    for (int i = 0; i < keySize; i++) {
      max *= 10;
    }
    this.maxKey = max - 1;
  }

  public int keySize() {
    return keySize;
  }

  /** The largest key number this width can hold. */
  public long maxKey() {
    return maxKey;
  }

  /** The present key for {@code n}: {@code keySize} decimal digits. */
  public byte[] key(long n) {
    byte[] out = new byte[keySize];
    write(n, out);
    return out;
  }

  /** The missing key for {@code n}: the present key followed by {@code '.'}. */
  public byte[] missingKey(long n) {
    byte[] out = new byte[keySize + 1];
    write(n, out);
    out[keySize] = '.';
    return out;
  }

  /** The number a present key encodes. */
  public long parse(byte[] key) {
    long n = 0;
    for (int i = 0; i < keySize; i++) {
      n = n * 10 + (key[i] - '0');
    }
    return n;
  }

  private void write(long n, byte[] out) {
    if (n < 0 || n > maxKey) {
      throw new IllegalArgumentException(
          "key number " + n + " does not fit in " + keySize + " decimal digits");
    }
    long v = n;
    for (int i = keySize - 1; i >= 0; i--) {
      out[i] = (byte) ('0' + (v % 10));
      v /= 10;
    }
  }
}
