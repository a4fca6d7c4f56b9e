package dev.strata.util;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Comparator;

/**
 * Byte-array helpers with no storage-engine knowledge: unsigned lexicographic comparison, a
 * well-mixed 64-bit hash, and hex formatting for error messages. Stateless and thread-safe.
 */
public final class Bytes {
  /** Unsigned lexicographic order: the order of every key in Strata. */
  public static final Comparator<byte[]> COMPARATOR = Bytes::compare;

  private Bytes() {}

  private static final VarHandle BIG_ENDIAN_LONG =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

  /**
   * The first 8 bytes of {@code b[from, from + length)} as an unsigned big-endian number, padded
   * with zeros when {@code length} is less than 8 (nothing when it is 0 or less). Where two byte
   * strings' prefixes differ, the strings compare the same way ({@link Arrays#compareUnsigned});
   * where they are equal, only a full comparison decides.
   */
  public static long prefix64(byte[] b, int from, int length) {
    if (length >= 8) {
      return (long) BIG_ENDIAN_LONG.get(b, from);
    }
    long p = 0;
    for (int i = 0; i < length; i++) {
      p |= (b[from + i] & 0xFFL) << (56 - 8 * i);
    }
    return p;
  }

  /** Compares two arrays as unsigned bytes, lexicographically; a proper prefix sorts first. */
  public static int compare(byte[] a, byte[] b) {
    return Arrays.compareUnsigned(a, b);
  }

  /** Compares {@code a[aFrom, aTo)} with {@code b[bFrom, bTo)} as unsigned bytes. */
  public static int compare(byte[] a, int aFrom, int aTo, byte[] b, int bFrom, int bTo) {
    return Arrays.compareUnsigned(a, aFrom, aTo, b, bFrom, bTo);
  }

  /**
   * A 64-bit hash of the whole array: 8 bytes at a time multiplied and rotated, then finished
   * with the murmur3 64-bit finaliser so that every input bit affects every output bit. Used to
   * choose memtable shards ({@code hash & (shards - 1)}) and to seed bloom-filter probes.
   */
  public static long hash64(byte[] data) {
    return hash64(data, 0, data.length);
  }

  /** As {@link #hash64(byte[])}, over {@code data[from, from + length)}. */
  public static long hash64(byte[] data, int from, int length) {
    long h = 0x9E3779B97F4A7C15L ^ (length * 0xC2B2AE3D27D4EB4FL);
    int i = from;
    int end = from + length;
    while (end - i >= 8) {
      long k = Coding.getLong(data, i) * 0x87C37B91114253D5L;
      k = Long.rotateLeft(k, 31) * 0x4CF5AD432745937FL;
      h = Long.rotateLeft(h ^ k, 27) * 5 + 0x52DCE729;
      i += 8;
    }
    long tail = 0;
    for (int shift = 0; i < end; i++, shift += 8) {
      tail |= (data[i] & 0xFFL) << shift;
    }
    h ^= tail * 0x87C37B91114253D5L;
    return fmix64(h);
  }

  /** The murmur3 64-bit finaliser. */
  public static long fmix64(long k) {
    k ^= k >>> 33;
    k *= 0xFF51AFD7ED558CCDL;
    k ^= k >>> 33;
    k *= 0xC4CEB9FE1A85EC53L;
    k ^= k >>> 33;
    return k;
  }

  /** Lower-case hex of at most {@code limit} bytes, with "..." when cut; for messages and tools. */
  public static String toHex(byte[] data, int limit) {
    StringBuilder sb = new StringBuilder();
    int n = Math.min(data.length, limit);
    for (int i = 0; i < n; i++) {
      sb.append(Character.forDigit((data[i] >> 4) & 0xF, 16));
      sb.append(Character.forDigit(data[i] & 0xF, 16));
    }
    if (n < data.length) {
      sb.append("...");
    }
    return sb.toString();
  }

  /** Parses lower- or upper-case hex; throws {@link IllegalArgumentException} on bad input. */
  public static byte[] fromHex(String hex) {
    if (hex.length() % 2 != 0) {
      throw new IllegalArgumentException("hex string has odd length: " + hex.length());
    }
    byte[] out = new byte[hex.length() / 2];
    for (int i = 0; i < out.length; i++) {
      int hi = Character.digit(hex.charAt(2 * i), 16);
      int lo = Character.digit(hex.charAt(2 * i + 1), 16);
      if (hi < 0 || lo < 0) {
        throw new IllegalArgumentException("not a hex digit at index " + (hi < 0 ? 2 * i : 2 * i + 1));
      }
      out[i] = (byte) ((hi << 4) | lo);
    }
    return out;
  }
}
