package dev.strata.key;

import java.nio.ByteBuffer;

/**
 * A value an iterator lends instead of copying ({@link InternalIterator#borrowValue}): bytes
 * {@code [offset, offset + length)} of {@link #array}, which may be the iterator's own (a data block
 * it read, a memtable slab). Valid until the iterator that lent it moves or closes; the borrower
 * copies what it keeps and never writes to the array.
 *
 * <p>An iterator that lends reuses one instance, so a borrowed value is also overwritten by the
 * next {@code borrowValue} of the same iterator. Not thread-safe.
 */
public final class BorrowedValue {
  private byte[] array;
  private int offset;
  private int length;

  /** The array {@link #copyOf} copies into, grown as needed and reused. */
  private byte[] copy;

  /** Points this value at {@code array[offset, offset + length)} and returns it. */
  public BorrowedValue set(byte[] array, int offset, int length) {
    this.array = array;
    this.offset = offset;
    this.length = length;
    return this;
  }

  /**
   * Copies {@code length} bytes of {@code source} from {@code index} into this value's own array
   * (reused by later copies) and points this value at them: for iterators whose values are not in
   * an array they can lend.
   */
  public BorrowedValue copyOf(ByteBuffer source, int index, int length) {
    byte[] c = copy;
    if (c == null || c.length < length) {
      c = new byte[Math.max(length, c == null ? 64 : Math.min(c.length * 2, Integer.MAX_VALUE - 8))];
      copy = c;
    }
    source.get(index, c, 0, length);
    return set(c, 0, length);
  }

  /** A value that lends a whole array of its own (for iterators that hold no buffer to lend). */
  public static BorrowedValue of(byte[] value) {
    return new BorrowedValue().set(value, 0, value.length);
  }

  public byte[] array() {
    return array;
  }

  public int offset() {
    return offset;
  }

  public int length() {
    return length;
  }
}
