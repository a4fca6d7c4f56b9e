package dev.strata.sstable;

import dev.strata.CorruptionException;
import dev.strata.key.ValueKind;
import dev.strata.util.Coding;
import java.util.Arrays;

/**
 * A point lookup's seek in one data block's raw contents: parses the restart array, the restart
 * keys its binary search compares, and the entries of the one interval it scans, checking each as
 * it goes, instead of decoding and validating the whole block into a {@link Block} first.
 *
 * <p>Why: a lookup whose block is not cached (or whose cached copy it reads) used to decode every
 * entry of the block and allocate the block's layout, a cursor and its key buffer. With 100-byte
 * values a 4 KiB block holds about 33 entries, of which the seek reads at most one restart
 * interval; {@code Block.scanEntries} was 9% of readrandom's samples (JFR, 2026-12-07). A block
 * that enters the cache is still decoded and validated whole, once, by {@link Block#decode}.
 *
 * <p>What is checked: everything this cursor reads stays within the entries (varints, lengths,
 * restart offsets, which ascend from 0), restart entries store whole keys, keys hold a trailer, and
 * the entry a lookup returns has a point kind (a tombstone without a value). A damaged block thus
 * raises a {@link CorruptionException} naming the file and offset, never an index or a length out
 * of bounds. The order of the keys the scan passes is not checked: under a verified checksum the
 * block is the one written, and an unverified read may return damaged data either way. For a block
 * read from the file the caller also compares the first and last keys with the table's index
 * ({@link #compareFirstKey}, {@link #compareLastKey}), as it does for a decoded block, which costs
 * a scan of the last interval.
 *
 * <p>Not thread-safe: one per thread, in {@link StoredBlock.Scratch}; valid until the thread's
 * next lookup. Holds no resources.
 */
final class LookupCursor implements BlockBounds {
  private byte[] data;

  /** Where the entries end and the restart array starts. */
  private int entriesEnd;

  private int restartCount;
  private String file;
  private long blockOffset;

  /** The entry found by {@link #seek}: its full encoded key in {@code key[0, keyLength)}. */
  private byte[] key = new byte[64];

  private int keyLength;
  private int valueOffset;
  private int valueLength;

  /** The last entry's key, rebuilt by {@link #compareLastKey}. */
  private byte[] lastKey = new byte[64];

  private final int[] out = new int[1];

  /** Parse state of {@link #parse}: where the entry after the parsed one starts. */
  private int next;

  /** The parsed entry's shared, unshared and value lengths, and where its key bytes start. */
  private int shared;

  private int unshared;
  private int parsedValueLength;
  private int keyBytesAt;

  /**
   * Points the cursor at block contents {@code data[0, length)} and checks their restart array
   * ({@link Block#checkRestarts}).
   *
   * @return false if the block has no entries
   * @throws CorruptionException naming {@code file} and {@code blockOffset} if the restart count or
   *     an offset is out of place
   */
  boolean load(byte[] data, int length, String file, long blockOffset) {
    this.data = data;
    this.file = file;
    this.blockOffset = blockOffset;
    entriesEnd = Block.checkRestarts(data, length, file, blockOffset);
    restartCount = (length - 4 - entriesEnd) / 4;
    return restartCount > 0;
  }

  /**
   * Seeks the first entry at or after {@code (userKey, trailer)} and reports whether it exists and
   * holds {@code userKey}; then {@link #trailer()} and {@link #value()} describe it. Requires:
   * {@link #load} returned true.
   *
   * @throws CorruptionException if an entry the seek reads is damaged
   */
  boolean seek(byte[] userKey, long trailer) {
    int lo = 0;
    int hi = restartCount - 1;
    int below = -1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      parseRestart(restartEntry(mid));
      if (KeyOrder.compare(data, keyBytesAt, keyBytesAt + unshared, userKey, trailer) < 0) {
        below = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    int at = restartEntry(Math.max(below, 0));
    keyLength = 0;
    while (true) {
      parse(at, keyLength);
      key = withParsedKey(key);
      keyLength = shared + unshared;
      if (KeyOrder.compare(key, 0, keyLength, userKey, trailer) >= 0) {
        break;
      }
      if (next >= entriesEnd) {
        return false;
      }
      at = next;
    }
    valueOffset = keyBytesAt + unshared;
    valueLength = parsedValueLength;
    long found = trailer();
    ValueKind kind = ValueKind.fromCode((int) (found & 0xFF));
    if (kind == null || !kind.isPointKind()) {
      throw corrupt("unknown value kind at block byte " + at);
    }
    if (kind == ValueKind.DELETE && valueLength != 0) {
      throw corrupt("tombstone with a value at block byte " + at);
    }
    return Arrays.equals(
        key, 0, keyLength - TableFormat.TRAILER_BYTES, userKey, 0, userKey.length);
  }

  /** The found entry's trailer. Requires: {@link #seek} found an entry. */
  long trailer() {
    return Coding.getLong(key, keyLength - TableFormat.TRAILER_BYTES);
  }

  /** A copy of the found entry's value. Requires: {@link #seek} found an entry. */
  byte[] value() {
    return Arrays.copyOfRange(data, valueOffset, valueOffset + valueLength);
  }

  /** See {@link BlockBounds}. Requires: {@link #load} returned true. */
  @Override
  public int compareFirstKey(byte[] k, int from, int to) {
    parseRestart(0);
    return KeyOrder.compare(data, keyBytesAt, keyBytesAt + unshared, k, from, to);
  }

  /**
   * See {@link BlockBounds}: the last key is rebuilt from the last restart point. Requires: {@link
   * #load} returned true.
   */
  @Override
  public int compareLastKey(byte[] k, int from, int to) {
    int at = restartEntry(restartCount - 1);
    int length = 0;
    while (true) {
      parse(at, length);
      lastKey = withParsedKey(lastKey);
      length = shared + unshared;
      if (next >= entriesEnd) {
        break;
      }
      at = next;
    }
    return KeyOrder.compare(lastKey, 0, length, k, from, to);
  }

  private int restartEntry(int i) {
    return Coding.getInt(data, entriesEnd + 4 * i);
  }

  /**
   * Parses the restart entry at {@code at}, which must store its whole key: with no predecessor,
   * {@link #parse} rejects a shared prefix.
   */
  private void parseRestart(int at) {
    parse(at, 0);
  }

  /**
   * Parses the header of the entry at {@code at} whose predecessor's key is {@code previousLength}
   * bytes long, checking that its key and value lie within the entries.
   */
  private void parse(int at, int previousLength) {
    try {
      int p = Coding.getVarint32(data, at, entriesEnd, previousLength, out);
      shared = out[0];
      p = Coding.getVarint32(data, p, entriesEnd, entriesEnd - p, out);
      unshared = out[0];
      p = Coding.getVarint32(data, p, entriesEnd, entriesEnd - p, out);
      parsedValueLength = out[0];
      if ((long) unshared + parsedValueLength > entriesEnd - p) {
        throw corrupt("entry at block byte " + at + " overruns the block");
      }
      if (shared + unshared < TableFormat.TRAILER_BYTES) {
        throw corrupt("key at block byte " + at + " is too short");
      }
      keyBytesAt = p;
      next = p + unshared + parsedValueLength;
    } catch (IllegalArgumentException e) {
      throw new CorruptionException(
          file, blockOffset, "bad entry header: " + e.getMessage(), e);
    }
  }

  /**
   * {@code buffer}, grown if needed, with the parsed entry's key: its shared prefix is already
   * there, as the previous key's.
   */
  private byte[] withParsedKey(byte[] buffer) {
    int length = shared + unshared;
    if (buffer.length < length) {
      buffer = Arrays.copyOf(buffer, Math.max(length, 2 * buffer.length));
    }
    System.arraycopy(data, keyBytesAt, buffer, shared, unshared);
    return buffer;
  }

  private CorruptionException corrupt(String message) {
    return new CorruptionException(file, blockOffset, message);
  }
}
