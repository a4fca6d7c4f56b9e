package dev.strata.sstable;

import dev.strata.key.BorrowedValue;
import dev.strata.util.Coding;
import java.util.Arrays;

/**
 * A bidirectional cursor over one {@link Block}. Seeks binary-search the restart keys in place,
 * then scan forward at most one restart interval; {@link #prev()} rescans from the restart point
 * before the current entry. The current key is rebuilt in a scratch buffer owned by the cursor, so
 * moving allocates nothing.
 *
 * <p>Not thread-safe: confined to the thread using the owning {@link TableIterator} or lookup.
 * Holds no resources. Relies on {@link Block#decode} having validated every entry, so parsing here
 * is unchecked.
 */
final class BlockIterator {
  private Block block;
  private byte[] data;

  /** The current entry's full encoded key in {@code key[0, keyLength)}. */
  private byte[] key;

  private int keyLength;

  /** Offset of the current entry, or -1 when not positioned. */
  private int current = -1;

  /** Offset just past the current entry. */
  private int nextEntry;

  private int valueOffset;
  private int valueLength;

  /** Index of the restart interval holding the current entry. */
  private int restartIndex;

  /** Parse position within {@link #parseAt}. */
  private int pos;

  BlockIterator(Block block) {
    key = new byte[Math.max(16, block.maxKeyLength())];
    reset(block);
  }

  /** Points the cursor at another block, unpositioned. */
  void reset(Block newBlock) {
    this.block = newBlock;
    this.data = newBlock.data();
    if (key.length < newBlock.maxKeyLength()) {
      key = new byte[newBlock.maxKeyLength()];
    }
    current = -1;
  }

  Block block() {
    return block;
  }

  boolean isValid() {
    return current >= 0;
  }

  void seekToFirst() {
    if (block.isEmpty()) {
      current = -1;
      return;
    }
    restartIndex = 0;
    parseAt(0);
  }

  void seekToLast() {
    if (block.isEmpty()) {
      current = -1;
      return;
    }
    restartIndex = block.restartCount() - 1;
    parseAt(block.restartEntry(restartIndex));
    while (nextEntry < block.entriesEnd()) {
      parseAt(nextEntry);
    }
  }

  /** Positions at the first entry at or after {@code (userKey, trailer)}; invalid if none. */
  void seek(byte[] userKey, long trailer) {
    int restarts = block.restartCount();
    int lo = 0;
    int hi = restarts - 1;
    int below = -1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      int start = block.restartKeyStart(mid);
      if (KeyOrder.compare(data, start, start + block.restartKeyLength(mid), userKey, trailer)
          < 0) {
        below = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    if (below < 0) {
      seekToFirst();
      return;
    }
    restartIndex = below;
    parseAt(block.restartEntry(below));
    while (KeyOrder.compare(key, 0, keyLength, userKey, trailer) < 0) {
      if (nextEntry >= block.entriesEnd()) {
        current = -1;
        return;
      }
      parseAt(nextEntry);
    }
  }

  /** Positions at the last entry at or before {@code (userKey, trailer)}; invalid if none. */
  void seekForPrev(byte[] userKey, long trailer) {
    seek(userKey, trailer);
    if (!isValid()) {
      seekToLast();
    } else if (KeyOrder.compare(key, 0, keyLength, userKey, trailer) > 0) {
      prev();
    }
  }

  /** Requires: {@link #isValid()}. Becomes invalid past the last entry. */
  void next() {
    if (nextEntry >= block.entriesEnd()) {
      current = -1;
      return;
    }
    parseAt(nextEntry);
  }

  /** Requires: {@link #isValid()}. Becomes invalid before the first entry. */
  void prev() {
    int target = current;
    if (block.restartEntry(restartIndex) == target) {
      if (restartIndex == 0) {
        current = -1;
        return;
      }
      restartIndex--;
    }
    parseAt(block.restartEntry(restartIndex));
    while (nextEntry < target) {
      parseAt(nextEntry);
    }
  }

  byte[] keyBuffer() {
    return key;
  }

  int keyLength() {
    return keyLength;
  }

  byte[] userKey() {
    return Arrays.copyOf(key, keyLength - TableFormat.TRAILER_BYTES);
  }

  long trailer() {
    return Coding.getLong(key, keyLength - TableFormat.TRAILER_BYTES);
  }

  byte[] value() {
    return Arrays.copyOfRange(data, valueOffset, valueOffset + valueLength);
  }

  int valueLength() {
    return valueLength;
  }

  /** The current value as a range of the block's own array, in {@code into}. */
  BorrowedValue borrowValue(BorrowedValue into) {
    return into.set(data, valueOffset, valueLength);
  }

  /** Whether the current user key equals {@code userKey}. Requires: {@link #isValid()}. */
  boolean userKeyEquals(byte[] userKey) {
    return Arrays.equals(key, 0, keyLength - TableFormat.TRAILER_BYTES, userKey, 0, userKey.length);
  }

  /**
   * Decodes the entry at {@code offset}, which must be the restart entry of {@link #restartIndex}
   * or the entry after the current one, so that the shared prefix in {@link #key} is right.
   */
  private void parseAt(int offset) {
    pos = offset;
    int shared = readVarint();
    int unshared = readVarint();
    int vlen = readVarint();
    System.arraycopy(data, pos, key, shared, unshared);
    keyLength = shared + unshared;
    valueOffset = pos + unshared;
    valueLength = vlen;
    current = offset;
    nextEntry = valueOffset + vlen;
    if (restartIndex + 1 < block.restartCount() && offset >= block.restartEntry(restartIndex + 1)) {
      restartIndex++;
    }
  }

  /** Reads a varint at {@link #pos}, already validated by {@link Block#decode}. */
  private int readVarint() {
    int b = data[pos++];
    if (b >= 0) {
      return b;
    }
    int result = b & 0x7F;
    for (int shift = 7; ; shift += 7) {
      b = data[pos++];
      result |= (b & 0x7F) << shift;
      if (b >= 0) {
        return result;
      }
    }
  }
}
