package dev.strata;

import java.io.ByteArrayOutputStream;
import java.util.List;

/** The built-in {@link MergeOperator}s, which behave as RocksDB's of the same names. */
public final class MergeOperators {
  private MergeOperators() {}

  /**
   * Appends each operand to the value, with {@code delimiter} between them (none before the first
   * when there is no value). Partial merges join operands the same way.
   */
  public static MergeOperator stringAppend(byte delimiter) {
    return new StringAppend(delimiter);
  }

  /**
   * Adds unsigned 64-bit integers, each value and operand 8 bytes little-endian (as RocksDB's
   * {@code uint64add}, which encodes with {@code EncodeFixed64}); sums wrap around 2^64. A missing
   * value counts as 0. A value or operand that is not 8 bytes fails the merge with an {@link
   * IllegalArgumentException} naming its length.
   */
  public static MergeOperator uint64Add() {
    return UInt64Add.INSTANCE;
  }

  /** Encodes {@code v} as the 8 little-endian bytes {@link #uint64Add()} reads. */
  public static byte[] uint64(long v) {
    byte[] out = new byte[8];
    for (int i = 0; i < 8; i++) {
      out[i] = (byte) (v >>> (8 * i));
    }
    return out;
  }

  /** Decodes 8 little-endian bytes as {@link #uint64Add()} writes them. */
  public static long uint64(byte[] b) {
    if (b.length != 8) {
      throw new IllegalArgumentException("uint64 of " + b.length + " bytes, expected 8");
    }
    long v = 0;
    for (int i = 7; i >= 0; i--) {
      v = (v << 8) | (b[i] & 0xFF);
    }
    return v;
  }

  private static final class StringAppend implements MergeOperator {
    private final byte delimiter;

    StringAppend(byte delimiter) {
      this.delimiter = delimiter;
    }

    @Override
    public byte[] fullMerge(byte[] key, byte[] existing, List<byte[]> operands) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      boolean first = true;
      if (existing != null) {
        out.writeBytes(existing);
        first = false;
      }
      for (byte[] op : operands) {
        if (!first) {
          out.write(delimiter);
        }
        out.writeBytes(op);
        first = false;
      }
      return out.toByteArray();
    }

    @Override
    public byte[] partialMerge(byte[] key, byte[] older, byte[] newer) {
      byte[] out = new byte[older.length + 1 + newer.length];
      System.arraycopy(older, 0, out, 0, older.length);
      out[older.length] = delimiter;
      System.arraycopy(newer, 0, out, older.length + 1, newer.length);
      return out;
    }

    @Override
    public String name() {
      return "stringappend";
    }
  }

  private static final class UInt64Add implements MergeOperator {
    static final UInt64Add INSTANCE = new UInt64Add();

    @Override
    public byte[] fullMerge(byte[] key, byte[] existing, List<byte[]> operands) {
      long sum = existing == null ? 0 : uint64(existing);
      for (byte[] op : operands) {
        sum += uint64(op);
      }
      return uint64(sum);
    }

    @Override
    public byte[] partialMerge(byte[] key, byte[] older, byte[] newer) {
      return uint64(uint64(older) + uint64(newer));
    }

    @Override
    public String name() {
      return "uint64add";
    }
  }
}
