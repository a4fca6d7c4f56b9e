package dev.strata.sstable;

/** PLACEHOLDER to be replaced by the sstable implementation: a decoded data block. */
final class Block {
  private final byte[] data;

  Block(byte[] data) {
    this.data = data;
  }

  int weight() {
    return data.length + 64;
  }
}
