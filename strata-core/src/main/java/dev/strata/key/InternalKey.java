package dev.strata.key;

import dev.strata.util.Bytes;
import dev.strata.util.Coding;
import java.util.Comparator;

/**
 * A user key with the trailer (sequence and kind) that versions it. Immutable: the user key array
 * is owned by the key and never changed after construction.
 *
 * <p>On disk an internal key is the user key bytes followed by the 8-byte little-endian trailer
 * (see {@code docs/format/sstable.md}).
 */
public final class InternalKey implements Comparable<InternalKey> {
  /** Internal-key order: user key ascending (unsigned bytes), then trailer descending. */
  public static final Comparator<InternalKey> ORDER = InternalKey::compareTo;

  private final byte[] userKey;
  private final long trailer;

  public InternalKey(byte[] userKey, long trailer) {
    this.userKey = userKey;
    this.trailer = trailer;
  }

  public InternalKey(byte[] userKey, long sequence, ValueKind kind) {
    this(userKey, Trailer.pack(sequence, kind));
  }

  public byte[] userKey() {
    return userKey;
  }

  public long trailer() {
    return trailer;
  }

  public long sequence() {
    return Trailer.sequence(trailer);
  }

  public boolean isDelete() {
    return Trailer.isDelete(trailer);
  }

  @Override
  public int compareTo(InternalKey o) {
    return compare(userKey, trailer, o.userKey, o.trailer);
  }

  /** Internal-key order of two keys given as parts. */
  public static int compare(byte[] userA, long trailerA, byte[] userB, long trailerB) {
    int c = Bytes.compare(userA, userB);
    if (c != 0) {
      return c;
    }
    return Long.compare(trailerB, trailerA);
  }

  /** Encodes as user key bytes followed by the little-endian trailer. */
  public byte[] encode() {
    return encode(userKey, trailer);
  }

  public static byte[] encode(byte[] userKey, long trailer) {
    byte[] out = new byte[userKey.length + 8];
    System.arraycopy(userKey, 0, out, 0, userKey.length);
    Coding.putLong(out, userKey.length, trailer);
    return out;
  }

  /**
   * Decodes an encoded internal key.
   *
   * @throws IllegalArgumentException if it is shorter than a trailer
   */
  public static InternalKey decode(byte[] encoded) {
    if (encoded.length < 8) {
      throw new IllegalArgumentException("internal key shorter than 8 bytes: " + encoded.length);
    }
    byte[] user = java.util.Arrays.copyOf(encoded, encoded.length - 8);
    return new InternalKey(user, Coding.getLong(encoded, encoded.length - 8));
  }

  /** Compares two encoded internal keys without decoding them. */
  public static int compareEncoded(byte[] a, byte[] b) {
    int c = Bytes.compare(a, 0, a.length - 8, b, 0, b.length - 8);
    if (c != 0) {
      return c;
    }
    return Long.compare(Coding.getLong(b, b.length - 8), Coding.getLong(a, a.length - 8));
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof InternalKey
        && ((InternalKey) o).trailer == trailer
        && java.util.Arrays.equals(((InternalKey) o).userKey, userKey);
  }

  @Override
  public int hashCode() {
    return java.util.Arrays.hashCode(userKey) * 31 + Long.hashCode(trailer);
  }

  @Override
  public String toString() {
    return Bytes.toHex(userKey, 32) + "@" + sequence() + (isDelete() ? ":DEL" : ":VAL");
  }
}
