package dev.strata.key;

import dev.strata.util.Coding;
import java.util.Arrays;

/**
 * The write time a database opened with {@code CompactionFilters.ttl} appends to every value it
 * stores: the user's value, then 8 bytes, the write time in milliseconds since the Unix epoch as a
 * little-endian two's-complement {@code long}. Specified in {@code docs/format/ttl.md}. The width
 * and byte order are on disk and never change.
 */
public final class WriteTimeFormat {
  /** Bytes appended to each value: a little-endian 64-bit millisecond timestamp. */
  public static final int WRITE_TIME_SIZE = 8;

  private WriteTimeFormat() {}

  /** {@code value} followed by {@code writeTimeMillis}; a new array. */
  public static byte[] append(byte[] value, long writeTimeMillis) {
    byte[] out = Arrays.copyOf(value, value.length + WRITE_TIME_SIZE);
    Coding.putLong(out, value.length, writeTimeMillis);
    return out;
  }

  /** Whether {@code stored} is long enough to carry a write time. */
  public static boolean hasWriteTime(byte[] stored) {
    return stored.length >= WRITE_TIME_SIZE;
  }

  /** The write time of {@code stored}. Requires: {@link #hasWriteTime}. */
  public static long writeTimeMillis(byte[] stored) {
    return Coding.getLong(stored, stored.length - WRITE_TIME_SIZE);
  }

  /** The user's value of {@code stored}, a new array. Requires: {@link #hasWriteTime}. */
  public static byte[] userValue(byte[] stored) {
    return Arrays.copyOf(stored, stored.length - WRITE_TIME_SIZE);
  }
}
