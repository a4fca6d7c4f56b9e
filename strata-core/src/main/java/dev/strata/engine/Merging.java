package dev.strata.engine;

import dev.strata.MergeOperator;
import dev.strata.StrataException;
import dev.strata.util.Bytes;
import java.util.List;

/** Calls a read's merge operator, turning its absence or failure into a clear error. */
final class Merging {
  private Merging() {}

  /**
   * The operator's full merge of {@code operands} (oldest first) onto {@code base}.
   *
   * @throws StrataException if there is no operator, it throws, or it returns null
   */
  static byte[] fullMerge(MergeOperator op, byte[] key, byte[] base, List<byte[]> operands) {
    if (op == null) {
      throw new StrataException(
          "key " + Bytes.toHex(key, 32) + " has merge operands but the database was opened"
              + " without a merge operator (Options.builder().mergeOperator(...))");
    }
    byte[] out;
    try {
      out = op.fullMerge(key, base, List.copyOf(operands));
    } catch (RuntimeException e) {
      throw new StrataException(
          "merge operator " + op.name() + " failed for key " + Bytes.toHex(key, 32) + ": " + e,
          e);
    }
    if (out == null) {
      throw new StrataException(
          "merge operator " + op.name() + " returned null for key " + Bytes.toHex(key, 32));
    }
    return out;
  }
}
