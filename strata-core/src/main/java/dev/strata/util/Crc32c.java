package dev.strata.util;

import java.util.zip.CRC32C;

/**
 * CRC32C (Castagnoli) checksums of byte ranges, as stored in every log record and table block.
 * Uses the JDK's intrinsic {@link CRC32C}. Thread-safe: each call uses its own instance.
 */
public final class Crc32c {
  private Crc32c() {}

  /** CRC32C of {@code data[offset, offset + length)}. */
  public static int compute(byte[] data, int offset, int length) {
    CRC32C crc = new CRC32C();
    crc.update(data, offset, length);
    return (int) crc.getValue();
  }

  /** CRC32C of the concatenation of two ranges, without copying. */
  public static int compute(byte[] a, int aOff, int aLen, byte[] b, int bOff, int bLen) {
    CRC32C crc = new CRC32C();
    crc.update(a, aOff, aLen);
    crc.update(b, bOff, bLen);
    return (int) crc.getValue();
  }
}
