package dev.strata.sstable;

/**
 * The uncompressed contents of a block as read from disk: {@code data()[0, length())}. The array
 * may be longer (an uncompressed block is used in place, trailer and all) and passes to whoever
 * decodes it. Immutable by convention: nothing writes the array after reading.
 */
final class BlockContents {
  private final byte[] data;
  private final int length;

  BlockContents(byte[] data, int length) {
    this.data = data;
    this.length = length;
  }

  byte[] data() {
    return data;
  }

  int length() {
    return length;
  }
}
