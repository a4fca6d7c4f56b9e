package dev.strata;

import java.util.List;

/**
 * Combines a key's merge operands ({@link StrataDB#merge}) with the value below them, as RocksDB's
 * {@code MergeOperator} does: a counter, an appended list or a set can then be updated with one
 * write, without a read first. Set with {@code Options.builder().mergeOperator(...)}; the same
 * operator (or one that merges the same way) must be set every time the database is opened.
 *
 * <p>Strata calls the operator when a read meets operands (on the reading thread), and in flushes
 * and compactions (on the background thread; a compaction holds only its run lock, which no read or
 * write waits for: {@code docs/design/locking.md}) to fold operands into a value once no snapshot
 * needs them apart. It must not call back into the database that runs it. Implementations must be thread-safe, deterministic and
 * side-effect free, and must not keep or change the arrays they are given.
 *
 * <p>An operator that throws fails the read that called it with a {@link StrataException} naming
 * the key; a flush or compaction that meets the failure keeps the operands as they were written
 * (nothing is lost) and logs it.
 */
public interface MergeOperator {
  /**
   * The value of {@code key} after applying {@code operands} to {@code existingValueOrNull}.
   *
   * @param existingValueOrNull the value below the operands, or null if there is none (never
   *     written, deleted, or removed by a range deletion)
   * @param operands the operands, oldest first; never empty
   * @return the merged value, not null
   */
  byte[] fullMerge(byte[] key, byte[] existingValueOrNull, List<byte[]> operands);

  /**
   * One operand equivalent to applying {@code older} then {@code newer}, or null if the operator
   * cannot combine operands without the value below them (then they are kept apart until the
   * value is known). The default cannot.
   */
  default byte[] partialMerge(byte[] key, byte[] older, byte[] newer) {
    return null;
  }

  /** A name for logs and error messages. */
  default String name() {
    return getClass().getName();
  }
}
