package dev.strata.wal;

import dev.strata.CorruptionException;
import dev.strata.key.ValueKind;
import dev.strata.util.Coding;

/**
 * Encodes and decodes the payload of a write-batch record ({@link WalFormat#BATCH_HEADER_SIZE}):
 * the unit of atomicity in the write-ahead log. Stateless and thread-safe.
 */
public final class WriteBatchCodec {
  /**
   * Receives decoded operations; sequence numbers are consecutive from the batch's first. A range
   * deletion arrives as kind {@link ValueKind#RANGE_DELETE} with its start in {@code key} and its
   * end in {@code value}.
   */
  public interface Handler {
    void apply(long sequence, ValueKind kind, byte[] key, byte[] value);
  }

  /**
   * As {@link Handler}, with the column family of each operation (0 for the default family, whose
   * operations carry no family field).
   */
  public interface FamilyHandler {
    void apply(long sequence, int family, ValueKind kind, byte[] key, byte[] value);
  }

  /**
   * Set in an operation's kind byte when a varint column family id follows it (families other
   * than the default, id 0); see {@code docs/format/wal.md}.
   */
  public static final int FAMILY_FLAG = 0x80;

  private WriteBatchCodec() {}

  /** Encoded size of one operation. */
  public static int opSize(byte[] key, byte[] value) {
    return opSize(0, key, value);
  }

  /** Encoded size of one operation of column family {@code family}. */
  public static int opSize(int family, byte[] key, byte[] value) {
    int n = 1 + Coding.varintLength(key.length) + key.length;
    if (family != 0) {
      n += Coding.varintLength(family);
    }
    if (value != null) {
      n += Coding.varintLength(value.length) + value.length;
    }
    return n;
  }

  /** Writes one operation at {@code pos}; a null value means delete. Returns the end offset. */
  public static int putOp(byte[] dst, int pos, byte[] key, byte[] value) {
    return putOp(dst, pos, value == null ? ValueKind.DELETE : ValueKind.VALUE, key, value);
  }

  /**
   * Writes one operation of any kind at {@code pos}: a put's value, or a range deletion's end key
   * in {@code value} (start in {@code key}); null for a delete. Returns the end offset.
   */
  public static int putOp(byte[] dst, int pos, ValueKind kind, byte[] key, byte[] value) {
    return putOp(dst, pos, 0, kind, key, value);
  }

  /** As {@link #putOp(byte[], int, ValueKind, byte[], byte[])}, for column family {@code family}. */
  public static int putOp(
      byte[] dst, int pos, int family, ValueKind kind, byte[] key, byte[] value) {
    if (family != 0) {
      dst[pos++] = (byte) (kind.code() | FAMILY_FLAG);
      pos = Coding.putVarint(dst, pos, family);
    } else {
      dst[pos++] = (byte) kind.code();
    }
    pos = Coding.putVarint(dst, pos, key.length);
    System.arraycopy(key, 0, dst, pos, key.length);
    pos += key.length;
    if (value != null) {
      pos = Coding.putVarint(dst, pos, value.length);
      System.arraycopy(value, 0, dst, pos, value.length);
      pos += value.length;
    }
    return pos;
  }

  /** Writes the batch header at {@code pos}: first sequence and operation count. */
  public static void putHeader(byte[] dst, int pos, long firstSequence, int count) {
    Coding.putLong(dst, pos, firstSequence);
    Coding.putInt(dst, pos + 8, count);
  }

  public static long firstSequence(byte[] payload) {
    return Coding.getLong(payload, 0);
  }

  public static int count(byte[] payload) {
    return Coding.getInt(payload, 8);
  }

  /**
   * Decodes every operation of a payload whose checksum already passed.
   *
   * @param fileName and {@code recordOffset} name the record in errors
   * @throws CorruptionException if the payload is malformed
   */
  public static void decode(byte[] payload, String fileName, long recordOffset, Handler handler) {
    decode(
        payload,
        fileName,
        recordOffset,
        (FamilyHandler)
            (seq, family, kind, key, value) -> {
              if (family != 0) {
                throw new CorruptionException(
                    fileName,
                    recordOffset,
                    "operation of column family " + family + " where only the default is read");
              }
              handler.apply(seq, kind, key, value);
            });
  }

  /**
   * Decodes every operation of a payload whose checksum already passed, with its column family.
   *
   * @throws CorruptionException if the payload is malformed
   */
  public static void decode(
      byte[] payload, String fileName, long recordOffset, FamilyHandler handler) {
    if (payload.length < WalFormat.BATCH_HEADER_SIZE) {
      throw new CorruptionException(fileName, recordOffset, "write batch shorter than its header");
    }
    long seq = firstSequence(payload);
    int count = count(payload);
    if (count < 0 || seq < 0) {
      throw new CorruptionException(fileName, recordOffset, "write batch header invalid");
    }
    int pos = WalFormat.BATCH_HEADER_SIZE;
    int[] len = new int[1];
    try {
      for (int i = 0; i < count; i++) {
        if (pos >= payload.length) {
          throw new IllegalArgumentException("batch ends after " + i + " of " + count + " ops");
        }
        int code = payload[pos++] & 0xFF;
        int family = 0;
        if ((code & FAMILY_FLAG) != 0) {
          code &= ~FAMILY_FLAG;
          int[] f = new int[1];
          pos = Coding.getVarint32(payload, pos, payload.length, Integer.MAX_VALUE, f);
          family = f[0];
          if (family == 0) {
            throw new IllegalArgumentException("explicit family 0 at op " + i);
          }
        }
        ValueKind kind = ValueKind.fromCode(code);
        if (kind == null) {
          throw new IllegalArgumentException("unknown op kind " + code);
        }
        pos = readLength(payload, pos, len);
        byte[] key = java.util.Arrays.copyOfRange(payload, pos, pos + len[0]);
        pos += len[0];
        byte[] value = null;
        if (kind != ValueKind.DELETE) {
          pos = readLength(payload, pos, len);
          value = java.util.Arrays.copyOfRange(payload, pos, pos + len[0]);
          pos += len[0];
        }
        handler.apply(seq + i, family, kind, key, value);
      }
    } catch (IllegalArgumentException e) {
      throw new CorruptionException(
          fileName, recordOffset, "malformed write batch: " + e.getMessage(), e);
    }
    if (pos != payload.length) {
      throw new CorruptionException(fileName, recordOffset, "write batch has trailing bytes");
    }
  }

  /** Reads a length varint and checks that that many bytes follow it. */
  private static int readLength(byte[] payload, int pos, int[] len) {
    int after = Coding.getVarint32(payload, pos, payload.length, Integer.MAX_VALUE, len);
    if (len[0] > payload.length - after) {
      throw new IllegalArgumentException(
          "length " + len[0] + " at " + pos + " runs past the batch end " + payload.length);
    }
    return after;
  }
}
