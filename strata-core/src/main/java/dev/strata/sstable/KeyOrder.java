package dev.strata.sstable;

import dev.strata.util.Coding;
import java.util.Arrays;

/**
 * Internal-key order over encoded keys held in byte ranges (user key bytes then the 8-byte
 * little-endian trailer), for comparisons inside blocks without copying. It must agree with {@link
 * dev.strata.key.InternalKey#compare}: user keys ascending as unsigned bytes, then trailers
 * descending; {@code KeyOrderTest} checks the two against each other. Stateless and thread-safe.
 */
final class KeyOrder {
  private KeyOrder() {}

  /** Compares encoded keys {@code a[aFrom, aTo)} and {@code b[bFrom, bTo)}; each is >= 8 bytes. */
  static int compare(byte[] a, int aFrom, int aTo, byte[] b, int bFrom, int bTo) {
    int c = Arrays.compareUnsigned(a, aFrom, aTo - 8, b, bFrom, bTo - 8);
    if (c != 0) {
      return c;
    }
    return compareTrailers(Coding.getLong(a, aTo - 8), Coding.getLong(b, bTo - 8));
  }

  /** Compares encoded key {@code a[aFrom, aTo)} with the parts {@code (userKey, trailer)}. */
  static int compare(byte[] a, int aFrom, int aTo, byte[] userKey, long trailer) {
    int c = Arrays.compareUnsigned(a, aFrom, aTo - 8, userKey, 0, userKey.length);
    if (c != 0) {
      return c;
    }
    return compareTrailers(Coding.getLong(a, aTo - 8), trailer);
  }

  /** Trailers sort descending: the newer version of a user key comes first. */
  static int compareTrailers(long a, long b) {
    return Long.compare(b, a);
  }
}
