package dev.strata.sstable;

import dev.strata.util.Coding;
import dev.strata.util.HeapSize;
import java.util.Arrays;

/**
 * Builds the uncompressed contents of one data or index block: prefix-compressed entries, then the
 * restart array and its count (see {@code docs/format/sstable.md}, "Block contents").
 *
 * <p>Each entry is {@code shared varint, unshared varint, valueLength varint, key[shared..],
 * value}: {@code shared} bytes of the key repeat the previous key's prefix. Every {@code
 * restartInterval}-th entry is a restart point and stores its whole key ({@code shared = 0}), so a
 * reader can binary-search the restart points without decoding what precedes them.
 *
 * <p>Not thread-safe: confined to the {@link TableBuilder} that owns it. Reused across blocks
 * through {@link #reset()}; holds no resources.
 */
final class BlockBuilder {
  private final int restartInterval;

  private byte[] buffer = new byte[1024];
  private int size;
  private int[] restarts = new int[16];
  private int restartCount;

  /** Entries since the last restart point. */
  private int counter;

  private int entryCount;
  private byte[] lastKey = new byte[64];
  private int lastKeyLength;

  /** Requires: {@code restartInterval >= 1}. */
  BlockBuilder(int restartInterval) {
    if (restartInterval < 1) {
      throw new IllegalArgumentException("restartInterval must be >= 1, got " + restartInterval);
    }
    this.restartInterval = restartInterval;
  }

  /**
   * Appends an entry with key {@code key[0, keyLength)} and value {@code value[0, valueLength)}.
   *
   * <p>Requires: {@code key[0, keyLength)} sorts after the previous key (the caller checks order).
   */
  void add(byte[] key, int keyLength, byte[] value, int valueLength) {
    add(key, keyLength, value, 0, valueLength);
  }

  /** Appends {@code key[0, keyLength)} with the value {@code value[valueOffset, + valueLength)}. */
  void add(byte[] key, int keyLength, byte[] value, int valueOffset, int valueLength) {
    int shared = 0;
    if (counter < restartInterval && entryCount > 0) {
      int mismatch = Arrays.mismatch(key, 0, keyLength, lastKey, 0, lastKeyLength);
      shared = mismatch < 0 ? keyLength : mismatch;
    } else {
      if (restartCount == restarts.length) {
        restarts = Arrays.copyOf(restarts, restarts.length * 2);
      }
      restarts[restartCount++] = size;
      counter = 0;
    }
    int unshared = keyLength - shared;
    ensureCapacity(15 + unshared + valueLength);
    size = Coding.putVarint(buffer, size, shared);
    size = Coding.putVarint(buffer, size, unshared);
    size = Coding.putVarint(buffer, size, valueLength);
    System.arraycopy(key, shared, buffer, size, unshared);
    size += unshared;
    System.arraycopy(value, valueOffset, buffer, size, valueLength);
    size += valueLength;

    if (lastKey.length < keyLength) {
      lastKey = new byte[Math.max(keyLength, lastKey.length * 2)];
    }
    System.arraycopy(key, shared, lastKey, shared, unshared);
    lastKeyLength = keyLength;
    counter++;
    entryCount++;
  }

  boolean isEmpty() {
    return entryCount == 0;
  }

  int entryCount() {
    return entryCount;
  }

  /** The size {@link #finish()} would produce now. */
  int estimatedSize() {
    return size + 4 * restartCount + 4;
  }

  /**
   * Appends the restart array and count. The contents are {@code buffer()[0, finishedSize())} until
   * {@link #reset()}.
   */
  void finish() {
    ensureCapacity(4 * restartCount + 4);
    for (int i = 0; i < restartCount; i++) {
      Coding.putInt(buffer, size, restarts[i]);
      size += 4;
    }
    Coding.putInt(buffer, size, restartCount);
    size += 4;
  }

  /** Heap bytes of this builder: its buffers as grown so far, and the object. */
  long heapBytes() {
    return HeapSize.object(3 * HeapSize.REFERENCE + 6 * 4)
        + HeapSize.byteArray(buffer.length)
        + HeapSize.intArray(restarts.length)
        + HeapSize.byteArray(lastKey.length);
  }

  byte[] buffer() {
    return buffer;
  }

  int finishedSize() {
    return size;
  }

  /** Forgets every entry; keeps the buffers for the next block. */
  void reset() {
    size = 0;
    restartCount = 0;
    counter = 0;
    entryCount = 0;
    lastKeyLength = 0;
  }

  private void ensureCapacity(int extra) {
    long needed = (long) size + extra;
    if (needed > buffer.length) {
      if (needed > Integer.MAX_VALUE - 16) {
        throw new IllegalArgumentException("block would exceed 2 GiB");
      }
      long grown = Math.min(2L * buffer.length, Integer.MAX_VALUE - 16);
      buffer = Arrays.copyOf(buffer, (int) Math.max(needed, grown));
    }
  }
}
