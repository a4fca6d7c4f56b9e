package dev.strata.sstable;

/**
 * The uncompressed contents of a block as read from disk: {@code data[0, length)}. The array may be
 * longer (an uncompressed block is used in place, trailer and all) and is owned by whoever decodes
 * it. Immutable by convention: nothing writes the array after reading.
 */
record BlockContents(byte[] data, int length) {}
