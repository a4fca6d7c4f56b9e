package dev.strata.key;

import dev.strata.util.Bytes;

/**
 * A range deletion: every version of every user key in [{@code start}, {@code end}) with a
 * sequence below {@code sequence} is deleted, for readers that see {@code sequence}. Written by
 * {@code deleteRange}; kept in memtables and in a table's range-deletion block, never expanded
 * into point tombstones. The arrays are owned by the tombstone and never changed.
 *
 * @param start the first user key deleted (inclusive)
 * @param end the first user key not deleted (exclusive); a tombstone with {@code start >= end}
 *     deletes nothing
 * @param sequence the sequence of the write
 */
public record RangeTombstone(byte[] start, byte[] end, long sequence) {
  /** Whether {@code userKey} is in [start, end). */
  public boolean contains(byte[] userKey) {
    return Bytes.compare(start, userKey) <= 0 && Bytes.compare(userKey, end) < 0;
  }

  /** Whether the range holds no key. */
  public boolean isEmpty() {
    return Bytes.compare(start, end) >= 0;
  }

  @Override
  public String toString() {
    return "[" + Bytes.toHex(start, 32) + ", " + Bytes.toHex(end, 32) + ")@" + sequence;
  }
}
