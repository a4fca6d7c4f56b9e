package dev.strata.sstable;

import dev.strata.CorruptionException;
import dev.strata.key.ValueKind;
import dev.strata.util.Coding;
import java.util.Arrays;

/**
 * One decoded data or index block: the uncompressed contents plus the restart points parsed into
 * arrays, so that a seek is a binary search over restart keys compared in place followed by a short
 * forward scan. Immutable after {@link #decode} and thread-safe, which is what lets one instance
 * sit in the {@link BlockCache} and serve every reader at once; cursors over it are {@link
 * BlockIterator}s, one per thread.
 *
 * <p>{@link #decode} validates the whole block once: every varint, length, restart offset and key
 * is bounds-checked, restart entries store whole keys, and keys strictly increase in internal
 * order. Cursors can then parse entries without checks, and a block whose checksum was skipped
 * still never sends a reader out of bounds or out of order.
 *
 * <p>Why restart points rather than a fully expanded key array: expanding would spare the short
 * scan after the binary search, but would grow every cached block by its expanded keys plus offsets
 * (about 30% for 16-byte keys and 100-byte values), and cache capacity decides read performance
 * more than a scan of at most {@code restartInterval} entries. Not yet benchmarked against the
 * alternative.
 */
final class Block implements BlockBounds {
  private final byte[] data;

  /** Offset of the restart array: entries occupy {@code data[0, entriesEnd)}. */
  private final int entriesEnd;

  /** Offsets of the entries that are restart points, ascending; empty for an empty block. */
  private final int[] restartEntries;

  /** Where each restart entry's whole key starts in {@link #data}, and its length. */
  private final int[] restartKeyStarts;

  private final int[] restartKeyLengths;
  private final int entryCount;
  private final int maxKeyLength;

  /** The last entry's encoded internal key; empty for an empty block. */
  private final byte[] lastKey;

  private Block(
      byte[] data,
      int entriesEnd,
      int[] restartEntries,
      int[] restartKeyStarts,
      int[] restartKeyLengths,
      int entryCount,
      int maxKeyLength,
      byte[] lastKey) {
    this.data = data;
    this.entriesEnd = entriesEnd;
    this.restartEntries = restartEntries;
    this.restartKeyStarts = restartKeyStarts;
    this.restartKeyLengths = restartKeyLengths;
    this.entryCount = entryCount;
    this.maxKeyLength = maxKeyLength;
    this.lastKey = lastKey;
  }

  /**
   * Validates and decodes block contents.
   *
   * @param contents uncompressed block contents in {@code contents[0, length)}; the block keeps the
   *     array
   * @param length the contents' length
   * @param file the table's name, for error messages
   * @param blockOffset the block's offset in the file, for error messages
   * @throws CorruptionException if any check fails
   */
  static Block decode(byte[] contents, int length, String file, long blockOffset) {
    return decode(contents, length, file, blockOffset, true);
  }

  /**
   * As {@link #decode(byte[], int, String, long)}; {@code dataBlock} false for an index block,
   * whose values are block handles even where its key is a tombstone's.
   */
  static Block decode(
      byte[] contents, int length, String file, long blockOffset, boolean dataBlock) {
    int entriesEnd = checkRestarts(contents, length, file, blockOffset);
    int[] restartEntries = new int[(length - 4 - entriesEnd) / 4];
    for (int i = 0; i < restartEntries.length; i++) {
      restartEntries[i] = Coding.getInt(contents, entriesEnd + 4 * i);
    }
    return scanEntries(contents, entriesEnd, restartEntries, file, blockOffset, dataBlock);
  }

  /**
   * Checks the restart array of block contents {@code contents[0, length)}: the count fits the
   * block, the offsets ascend from 0 and lie within the entries, and a block with entries has a
   * restart point. Shared by {@link #decode} and the point lookups' {@link LookupCursor}.
   *
   * @return where the entries end, which is where the restart array starts
   * @throws CorruptionException naming {@code file} and {@code blockOffset} if a check fails
   */
  static int checkRestarts(byte[] contents, int length, String file, long blockOffset) {
    if (length < 4 || length > contents.length) {
      throw corrupt(file, blockOffset, "block of " + length + " bytes has no restart count");
    }
    int restartCount = Coding.getInt(contents, length - 4);
    if (restartCount < 0 || restartCount > (length - 4) / 4) {
      throw corrupt(
          file, blockOffset, "restart count " + restartCount + " exceeds block size " + length);
    }
    int entriesEnd = length - 4 - 4 * restartCount;
    int previous = -1;
    for (int i = 0; i < restartCount; i++) {
      int r = Coding.getInt(contents, entriesEnd + 4 * i);
      if ((i == 0 && r != 0) || r <= previous || r >= entriesEnd) {
        throw corrupt(file, blockOffset, "restart point " + i + " has bad offset " + r);
      }
      previous = r;
    }
    if (restartCount == 0 && entriesEnd != 0) {
      throw corrupt(file, blockOffset, "block has entries but no restart point");
    }
    return entriesEnd;
  }

  /** The validating pass over every entry; see the class comment for what it checks. */
  private static Block scanEntries(
      byte[] data,
      int entriesEnd,
      int[] restartEntries,
      String file,
      long blockOffset,
      boolean dataBlock) {
    int restartCount = restartEntries.length;
    int[] keyStarts = new int[restartCount];
    int[] keyLengths = new int[restartCount];
    byte[] prev = new byte[64];
    byte[] cur = new byte[64];
    int prevLength = 0;
    int maxKeyLength = 0;
    int entries = 0;
    int nextRestart = 0;
    int[] out = new int[1];
    int p = 0;
    try {
      while (p < entriesEnd) {
        int entryStart = p;
        p = Coding.getVarint32(data, p, entriesEnd, prevLength, out);
        int shared = out[0];
        p = Coding.getVarint32(data, p, entriesEnd, entriesEnd - p, out);
        int unshared = out[0];
        p = Coding.getVarint32(data, p, entriesEnd, entriesEnd - p, out);
        int valueLength = out[0];
        if ((long) unshared + valueLength > entriesEnd - p) {
          throw corrupt(
              file, blockOffset, "entry at block byte " + entryStart + " overruns the block");
        }
        if (nextRestart < restartCount && entryStart >= restartEntries[nextRestart]) {
          if (entryStart != restartEntries[nextRestart] || shared != 0) {
            throw corrupt(
                file, blockOffset, "restart point " + nextRestart + " is not a whole-key entry");
          }
          keyStarts[nextRestart] = p;
          keyLengths[nextRestart] = unshared;
          nextRestart++;
        }
        int keyLength = shared + unshared;
        if (keyLength < TableFormat.TRAILER_BYTES) {
          throw corrupt(file, blockOffset, "key at block byte " + entryStart + " is too short");
        }
        if (cur.length < keyLength) {
          cur = Arrays.copyOf(cur, Math.max(keyLength, 2 * cur.length));
        }
        System.arraycopy(prev, 0, cur, 0, shared);
        System.arraycopy(data, p, cur, shared, unshared);
        checkKey(
            cur,
            keyLength,
            dataBlock ? valueLength : 0,
            entries > 0 ? prev : null,
            prevLength,
            file,
            blockOffset,
            entryStart);
        p += unshared + valueLength;
        maxKeyLength = Math.max(maxKeyLength, keyLength);
        entries++;
        byte[] t = prev;
        prev = cur;
        cur = t;
        prevLength = keyLength;
      }
    } catch (IllegalArgumentException e) {
      throw new CorruptionException(file, blockOffset, "bad entry header: " + e.getMessage(), e);
    }
    if (nextRestart != restartCount) {
      throw corrupt(file, blockOffset, "restart point " + nextRestart + " is not at an entry");
    }
    return new Block(
        data,
        entriesEnd,
        restartEntries,
        keyStarts,
        keyLengths,
        entries,
        maxKeyLength,
        Arrays.copyOf(prev, prevLength));
  }

  private static void checkKey(
      byte[] key,
      int keyLength,
      int valueLength,
      byte[] prev,
      int prevLength,
      String file,
      long blockOffset,
      int entryStart) {
    long trailer = Coding.getLong(key, keyLength - TableFormat.TRAILER_BYTES);
    ValueKind kind = ValueKind.fromCode((int) (trailer & 0xFF));
    if (kind == null || !kind.isPointKind()) {
      throw corrupt(file, blockOffset, "unknown value kind at block byte " + entryStart);
    }
    if (kind == ValueKind.DELETE && valueLength != 0) {
      throw corrupt(file, blockOffset, "tombstone with a value at block byte " + entryStart);
    }
    if (prev != null && KeyOrder.compare(prev, 0, prevLength, key, 0, keyLength) >= 0) {
      throw corrupt(file, blockOffset, "keys out of order at block byte " + entryStart);
    }
  }

  private static CorruptionException corrupt(String file, long blockOffset, String message) {
    return new CorruptionException(file, blockOffset, message);
  }

  byte[] data() {
    return data;
  }

  int entriesEnd() {
    return entriesEnd;
  }

  int restartCount() {
    return restartEntries.length;
  }

  int restartEntry(int i) {
    return restartEntries[i];
  }

  int restartKeyStart(int i) {
    return restartKeyStarts[i];
  }

  int restartKeyLength(int i) {
    return restartKeyLengths[i];
  }

  int entryCount() {
    return entryCount;
  }

  boolean isEmpty() {
    return entryCount == 0;
  }

  int maxKeyLength() {
    return maxKeyLength;
  }

  @Override
  public int compareFirstKey(byte[] key, int from, int to) {
    int start = restartKeyStarts[0];
    return KeyOrder.compare(data, start, start + restartKeyLengths[0], key, from, to);
  }

  @Override
  public int compareLastKey(byte[] key, int from, int to) {
    return KeyOrder.compare(lastKey, 0, lastKey.length, key, from, to);
  }

  /** The contents' length: the entries, the restart array and its count. */
  int length() {
    return entriesEnd + 4 * restartEntries.length + 4;
  }

  /**
   * This block's layout (restart points, counts, last key: shared, immutable) over {@code data},
   * which holds the same contents in {@code [0, length())}; null for a layout the {@link
   * BlockCache} keeps without contents, which nobody reads.
   */
  Block withData(byte[] data) {
    return new Block(
        data,
        entriesEnd,
        restartEntries,
        restartKeyStarts,
        restartKeyLengths,
        entryCount,
        maxKeyLength,
        lastKey);
  }

  /** Heap bytes of this block's layout, without its contents: for the cache's weigher. */
  int layoutWeight() {
    return 12 * restartEntries.length + lastKey.length + 96;
  }
}
