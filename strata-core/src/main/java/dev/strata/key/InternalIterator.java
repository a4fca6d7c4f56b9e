package dev.strata.key;

/**
 * A bidirectional cursor over internal entries (user key, trailer, value) in internal-key order.
 * Implemented by memtables, table blocks, tables, levels and the merge of all of them.
 *
 * <p>Not thread-safe: one thread uses an iterator at a time. The caller closes it, which releases
 * whatever the iterator pins (table references, cached blocks). Arrays returned by {@link
 * #userKey()} and {@link #value()} belong to the caller and stay valid after the iterator moves.
 *
 * <p>Failure: a damaged block raises {@code dev.strata.CorruptionException} naming the file and
 * offset; the iterator is then unusable.
 */
public interface InternalIterator extends AutoCloseable {
  boolean isValid();

  void seekToFirst();

  void seekToLast();

  /** Positions at the first entry at or after {@code (userKey, trailer)} in internal order. */
  void seek(byte[] userKey, long trailer);

  /** Positions at the last entry at or before {@code (userKey, trailer)} in internal order. */
  void seekForPrev(byte[] userKey, long trailer);

  /** Requires: {@link #isValid()}. */
  void next();

  /** Requires: {@link #isValid()}. */
  void prev();

  /** Requires: {@link #isValid()}. */
  byte[] userKey();

  /** Requires: {@link #isValid()}. */
  long trailer();

  /** Requires: {@link #isValid()}. The value; an empty array for a tombstone. */
  byte[] value();

  /**
   * Requires: {@link #isValid()}. The value without a copy where this iterator can lend it: valid
   * only until the iterator moves, for a consumer that copies the bytes anyway (a flush or
   * compaction writing each value into the block it builds). The default lends a copy made by
   * {@link #value()}; iterators over blocks and memtables lend their own bytes.
   */
  default BorrowedValue borrowValue() {
    return BorrowedValue.of(value());
  }

  @Override
  void close();
}
