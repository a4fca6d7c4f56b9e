package dev.strata.sstable;

import dev.strata.CorruptionException;
import dev.strata.key.FragmentedRangeTombstones;
import dev.strata.util.Coding;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;

/**
 * The contents of a table's range-deletion block (format version 3): the table's range tombstones
 * as fragments, sorted and disjoint, each with its sequences newest first ({@code
 * docs/format/sstable.md}, "Range-deletion block"). Stateless.
 *
 * <pre>
 * block    := fragment_count:varint32  fragment*
 * fragment := start_length:varint32  start  end_length:varint32  end
 *             sequence_count:varint32  sequence:varint64 * sequence_count
 * </pre>
 */
final class RangeDeletionBlock {
  private RangeDeletionBlock() {}

  static byte[] encode(FragmentedRangeTombstones fragments) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(64 + 32 * fragments.fragmentCount());
    byte[] v = new byte[10];
    write(out, v, Coding.putVarint(v, 0, fragments.fragmentCount()));
    for (int i = 0; i < fragments.fragmentCount(); i++) {
      bytes(out, v, fragments.start(i));
      bytes(out, v, fragments.end(i));
      long[] seqs = fragments.sequences(i);
      write(out, v, Coding.putVarint(v, 0, seqs.length));
      for (long s : seqs) {
        write(out, v, Coding.putVarint(v, 0, s));
      }
    }
    return out.toByteArray();
  }

  private static void bytes(ByteArrayOutputStream out, byte[] v, byte[] b) {
    write(out, v, Coding.putVarint(v, 0, b.length));
    out.write(b, 0, b.length);
  }

  private static void write(ByteArrayOutputStream out, byte[] v, int n) {
    out.write(v, 0, n);
  }

  /**
   * Decodes and validates a block: lengths within the block, every fragment non-empty and after
   * the previous one, sequences strictly descending, and exactly {@code expectedCount} sequences
   * in all.
   *
   * @throws CorruptionException naming {@code file} and {@code blockOffset} if a check fails
   */
  static FragmentedRangeTombstones decode(
      byte[] data, int length, String file, long blockOffset, long expectedCount) {
    FragmentedRangeTombstones.Builder b = new FragmentedRangeTombstones.Builder();
    int[] n32 = new int[1];
    long[] n64 = new long[1];
    long total = 0;
    try {
      int p = Coding.getVarint32(data, 0, length, Integer.MAX_VALUE, n32);
      int fragments = n32[0];
      for (int f = 0; f < fragments; f++) {
        p = Coding.getVarint32(data, p, length, length - p, n32);
        byte[] start = Arrays.copyOfRange(data, p, p + n32[0]);
        p += n32[0];
        p = Coding.getVarint32(data, p, length, length - p, n32);
        byte[] end = Arrays.copyOfRange(data, p, p + n32[0]);
        p += n32[0];
        p = Coding.getVarint32(data, p, length, length - p, n32);
        int count = n32[0];
        long[] seqs = new long[count];
        for (int i = 0; i < count; i++) {
          p = Coding.getVarint(data, p, length, n64);
          seqs[i] = n64[0];
        }
        total += count;
        b.add(start, end, seqs);
      }
      if (p != length) {
        throw new IllegalArgumentException("trailing bytes");
      }
    } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
      throw new CorruptionException(
          file, blockOffset, "bad range-deletion block: " + e.getMessage(), e);
    }
    if (total != expectedCount) {
      throw new CorruptionException(
          file,
          blockOffset,
          "range-deletion block holds " + total + " tombstones, properties say " + expectedCount);
    }
    return b.build();
  }
}
