package dev.strata.util;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Little-endian fixed-width and LEB128 varint encoding of integers into byte arrays, as used by
 * every on-disk format. Stateless and thread-safe. Decoders that read untrusted bytes take an
 * explicit limit and throw {@link IllegalArgumentException} rather than read past it; callers turn
 * that into a corruption error naming the file and offset.
 */
public final class Coding {
  private static final VarHandle LONG_LE =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle INT_LE =
      MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

  private Coding() {}

  public static void putLong(byte[] dst, int offset, long value) {
    LONG_LE.set(dst, offset, value);
  }

  public static long getLong(byte[] src, int offset) {
    return (long) LONG_LE.get(src, offset);
  }

  public static void putInt(byte[] dst, int offset, int value) {
    INT_LE.set(dst, offset, value);
  }

  public static int getInt(byte[] src, int offset) {
    return (int) INT_LE.get(src, offset);
  }

  /** Number of bytes {@link #putVarint} writes for {@code value} (treated as unsigned). */
  public static int varintLength(long value) {
    int n = 1;
    while ((value & ~0x7FL) != 0) {
      value >>>= 7;
      n++;
    }
    return n;
  }

  /** Writes {@code value} as an unsigned LEB128 varint; returns the offset after it. */
  public static int putVarint(byte[] dst, int offset, long value) {
    while ((value & ~0x7FL) != 0) {
      dst[offset++] = (byte) ((value & 0x7F) | 0x80);
      value >>>= 7;
    }
    dst[offset++] = (byte) value;
    return offset;
  }

  /**
   * Reads an unsigned varint of at most 10 bytes from {@code src[offset, limit)}. The decoded
   * value goes in {@code out[0]}; returns the offset after it.
   *
   * @throws IllegalArgumentException if the varint runs past {@code limit} or is too long
   */
  public static int getVarint(byte[] src, int offset, int limit, long[] out) {
    long result = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (offset >= limit) {
        throw new IllegalArgumentException("varint runs past the end at offset " + offset);
      }
      byte b = src[offset++];
      result |= (long) (b & 0x7F) << shift;
      if (b >= 0) {
        out[0] = result;
        return offset;
      }
    }
    throw new IllegalArgumentException("varint longer than 10 bytes before offset " + offset);
  }

  /**
   * As {@link #getVarint} for a value that must fit a non-negative int no larger than {@code max}.
   */
  public static int getVarint32(byte[] src, int offset, int limit, int max, int[] out) {
    long result = 0;
    for (int shift = 0; shift < 35; shift += 7) {
      if (offset >= limit) {
        throw new IllegalArgumentException("varint runs past the end at offset " + offset);
      }
      byte b = src[offset++];
      result |= (long) (b & 0x7F) << shift;
      if (b >= 0) {
        if (result > max) {
          throw new IllegalArgumentException(
              "length " + result + " exceeds " + max + " before offset " + offset);
        }
        out[0] = (int) result;
        return offset;
      }
    }
    throw new IllegalArgumentException("varint32 longer than 5 bytes before offset " + offset);
  }
}
