package dev.strata.sstable;

/**
 * A data block's first and last keys, for {@link TableIndex}'s check that a block read from the
 * file is the one its index entry describes: a decoded {@link Block}, or the raw block a point
 * lookup's {@link LookupCursor} has loaded.
 */
interface BlockBounds {
  /** Compares the block's first key with {@code key[from, to)}; Requires: the block is not empty. */
  int compareFirstKey(byte[] key, int from, int to);

  /** Compares the block's last key with {@code key[from, to)}; Requires: the block is not empty. */
  int compareLastKey(byte[] key, int from, int to);
}
