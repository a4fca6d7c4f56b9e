package dev.strata.sstable;

import dev.strata.CorruptionException;
import dev.strata.util.Bytes;
import dev.strata.util.Coding;
import dev.strata.util.HeapSize;
import java.util.Arrays;

/**
 * A table's decoded index: for each data block, its last internal key and its handle, in flat
 * arrays so that finding the block for a key is one binary search with no decoding. Immutable and
 * thread-safe; held by its {@link TableReader} for the reader's lifetime.
 *
 * <p>{@link #decode} checks that the data blocks tile {@code [0, dataEnd)} exactly, in order, each
 * followed by its trailer, so that no handle can point outside the data region or overlap another
 * block.
 */
final class TableIndex {
  /** Every index key back to back; key {@code i} is {@code keys[keyStarts[i], keyStarts[i+1])}. */
  private final byte[] keys;

  private final int[] keyStarts;
  private final long[] blockOffsets;
  private final int[] blockSizes;

  /** Length of the user-key prefix that every index key shares (at most the shortest user key). */
  private final int common;

  /**
   * For each index key, the 8 user-key bytes after the {@link #common} prefix as an unsigned
   * big-endian number, zero-padded. A binary search compares these first: 8 bytes per block in one
   * dense array (128 KiB for a 64 MiB table of 4 KiB blocks) instead of a key in {@link #keys}
   * (several times larger), so most of its steps stay in the CPU's caches. Where two numbers
   * differ, so do the keys, the same way; where they are equal the keys are compared in full.
   */
  private final long[] prefixes;

  /** Entries per sample in {@link #samples}. */
  static final int SAMPLE_STRIDE = 32;

  /**
   * Every {@value #SAMPLE_STRIDE}th prefix: {@code samples[j] == prefixes[(j + 1) * STRIDE - 1]}.
   * A lookup searches these first and then one run of {@value #SAMPLE_STRIDE} prefixes: a few
   * cache lines instead of one miss per step through a {@code prefixes} array of 128 KiB (a 64 MiB
   * table of 4 KiB blocks). The binary search over {@code prefixes} alone was 12% of all samples
   * of YCSB workload C, nearly all of it waiting on memory.
   */
  private final long[] samples;

  private TableIndex(byte[] keys, int[] keyStarts, long[] blockOffsets, int[] blockSizes) {
    this.keys = keys;
    this.keyStarts = keyStarts;
    this.blockOffsets = blockOffsets;
    this.blockSizes = blockSizes;
    int n = blockOffsets.length;
    this.common = n == 0 ? 0 : sharedPrefix(keys, keyStarts, n);
    this.prefixes = new long[n];
    for (int i = 0; i < n; i++) {
      int from = keyStarts[i] + common;
      prefixes[i] = Bytes.prefix64(keys, from, userKeyEnd(i) - from);
    }
    this.samples = new long[n / SAMPLE_STRIDE];
    for (int j = 0; j < samples.length; j++) {
      samples[j] = prefixes[(j + 1) * SAMPLE_STRIDE - 1];
    }
  }

  /**
   * The user-key prefix shared by every key: that of the first and the last (keys are sorted),
   * which is also no longer than any user key between them.
   */
  private static int sharedPrefix(byte[] keys, int[] keyStarts, int n) {
    int firstFrom = keyStarts[0];
    int firstTo = Math.max(firstFrom, keyStarts[1] - 8);
    int lastFrom = keyStarts[n - 1];
    int lastTo = Math.max(lastFrom, keyStarts[n] - 8);
    int m = Arrays.mismatch(keys, firstFrom, firstTo, keys, lastFrom, lastTo);
    return m < 0 ? firstTo - firstFrom : m;
  }

  private int userKeyEnd(int i) {
    return Math.max(keyStarts[i], keyStarts[i + 1] - 8);
  }

  /**
   * Reads the entries of a decoded index block.
   *
   * @param dataEnd where the data blocks end: the filter block's offset
   * @throws CorruptionException naming {@code file} and the index block's offset if a handle is
   *     malformed or the blocks do not tile {@code [0, dataEnd)}
   */
  static TableIndex decode(Block block, String file, long indexOffset, long dataEnd) {
    int n = block.entryCount();
    byte[] keys = new byte[64];
    int[] keyStarts = new int[n + 1];
    long[] offsets = new long[n];
    int[] sizes = new int[n];
    long[] value = new long[1];
    long expectedOffset = 0;
    BlockIterator it = new BlockIterator(block);
    it.seekToFirst();
    for (int i = 0; i < n; i++, it.next()) {
      int keyLength = it.keyLength();
      int start = keyStarts[i];
      if (keys.length < start + keyLength) {
        keys = Arrays.copyOf(keys, Math.max(start + keyLength, 2 * keys.length));
      }
      System.arraycopy(it.keyBuffer(), 0, keys, start, keyLength);
      keyStarts[i + 1] = start + keyLength;

      byte[] handle = it.value();
      long offset;
      long size;
      try {
        int p = Coding.getVarint(handle, 0, handle.length, value);
        offset = value[0];
        if (Coding.getVarint(handle, p, handle.length, value) != handle.length) {
          throw new IllegalArgumentException("trailing bytes");
        }
        size = value[0];
      } catch (IllegalArgumentException e) {
        throw new CorruptionException(
            file, indexOffset, "bad handle of data block " + i + ": " + e.getMessage(), e);
      }
      if (offset != expectedOffset
          || size < 0
          || size > TableFormat.MAX_BLOCK_BYTES
          || offset + size + TableFormat.BLOCK_TRAILER_SIZE > dataEnd) {
        throw new CorruptionException(
            file,
            indexOffset,
            "handle of data block "
                + i
                + " ("
                + offset
                + ", "
                + size
                + ") out of place; expected offset "
                + expectedOffset
                + " and end <= "
                + dataEnd);
      }
      offsets[i] = offset;
      sizes[i] = (int) size;
      expectedOffset = offset + size + TableFormat.BLOCK_TRAILER_SIZE;
    }
    if (expectedOffset != dataEnd) {
      throw new CorruptionException(
          file,
          indexOffset,
          "data blocks end at " + expectedOffset + " but the filter starts at " + dataEnd);
    }
    return new TableIndex(Arrays.copyOf(keys, keyStarts[n]), keyStarts, offsets, sizes);
  }

  /**
   * Heap bytes of this index: its five arrays (per data block, the block's last internal key plus
   * 24 bytes of start, offset, size and key prefix) and the object itself.
   */
  long heapBytes() {
    return HeapSize.object(6 * HeapSize.REFERENCE + 4)
        + HeapSize.byteArray(keys.length)
        + HeapSize.intArray(keyStarts.length)
        + HeapSize.longArray(blockOffsets.length)
        + HeapSize.intArray(blockSizes.length)
        + HeapSize.longArray(prefixes.length)
        + HeapSize.longArray(samples.length);
  }

  /** Number of data blocks. */
  int size() {
    return blockOffsets.length;
  }

  BlockHandle handle(int i) {
    return new BlockHandle(blockOffsets[i], blockSizes[i]);
  }

  long blockOffset(int i) {
    return blockOffsets[i];
  }

  int blockSize(int i) {
    return blockSizes[i];
  }

  /** The encoded internal key that ends block {@code i}. */
  byte[] lastKey(int i) {
    return Arrays.copyOfRange(keys, keyStarts[i], keyStarts[i + 1]);
  }

  /**
   * The first block whose last key is at or after {@code (userKey, trailer)}: the only block that
   * can hold the first entry at or after it. {@link #size()} if every key is smaller.
   */
  int find(byte[] userKey, long trailer) {
    int lo = 0;
    int hi = blockOffsets.length;
    if (hi > 0
        && userKey.length >= common
        && Arrays.equals(keys, keyStarts[0], keyStarts[0] + common, userKey, 0, common)) {
      long target = Bytes.prefix64(userKey, common, userKey.length - common);
      // Every entry up to a sample below the target sorts before it; an entry whose prefix is
      // above the target's sorts after it. An equal prefix decides nothing.
      int slo = 0;
      int shi = samples.length;
      while (slo < shi) {
        int mid = (slo + shi) >>> 1;
        if (Long.compareUnsigned(samples[mid], target) < 0) {
          slo = mid + 1;
        } else {
          shi = mid;
        }
      }
      lo = slo * SAMPLE_STRIDE;
      if (slo < samples.length && samples[slo] != target) {
        hi = (slo + 1) * SAMPLE_STRIDE - 1;
      }
      while (lo < hi) {
        int mid = (lo + hi) >>> 1;
        int c = Long.compareUnsigned(prefixes[mid], target);
        if (c == 0) {
          c = KeyOrder.compare(keys, keyStarts[mid], keyStarts[mid + 1], userKey, trailer);
        }
        if (c < 0) {
          lo = mid + 1;
        } else {
          hi = mid;
        }
      }
      return lo;
    }
    // A key without the shared prefix: compared in full (it sorts before or after every key).
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (KeyOrder.compare(keys, keyStarts[mid], keyStarts[mid + 1], userKey, trailer) < 0) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  /** Whether block {@code i}'s last key equals the block's own last key. */
  boolean lastKeyMatches(int i, BlockBounds block) {
    return block.compareLastKey(keys, keyStarts[i], keyStarts[i + 1]) == 0;
  }

  /** Whether block {@code i}'s first key sorts after the last key of block {@code i - 1}. */
  boolean followsPrevious(int i, BlockBounds block) {
    return i == 0 || block.compareFirstKey(keys, keyStarts[i - 1], keyStarts[i]) > 0;
  }

  /** The last key of the last block, or an empty array if there are no blocks. */
  byte[] lastKey() {
    int n = blockOffsets.length;
    return n == 0 ? new byte[0] : Arrays.copyOfRange(keys, keyStarts[n - 1], keyStarts[n]);
  }
}
