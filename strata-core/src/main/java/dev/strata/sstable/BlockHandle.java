package dev.strata.sstable;

import dev.strata.util.Coding;

/**
 * Where a block lies in a table file: the offset of its first byte and the size of its stored
 * (possibly compressed) bytes, not counting the 5-byte trailer that follows. Immutable.
 *
 * <p>In the index block a handle is two varints (offset, size); in the footer it is two fixed64s.
 *
 * @param offset file offset of the block's first byte
 * @param size stored bytes of the block, excluding its trailer
 */
record BlockHandle(long offset, long size) {
  /** The most bytes {@link #encodeVarints} writes. */
  static final int MAX_VARINT_LENGTH = 20;

  /** The file offset just past this block's trailer. */
  long end() {
    return offset + size + TableFormat.BLOCK_TRAILER_SIZE;
  }

  /** Writes offset and size as varints at {@code dst[pos]}; returns the position after them. */
  int encodeVarints(byte[] dst, int pos) {
    pos = Coding.putVarint(dst, pos, offset);
    return Coding.putVarint(dst, pos, size);
  }
}
