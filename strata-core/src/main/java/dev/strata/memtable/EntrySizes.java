package dev.strata.memtable;

import dev.strata.util.HeapSize;

/**
 * Heap cost of {@link SkipListMemtable} entries, so that its size accounting matches what the JVM
 * really holds (the target: the heap held by memtables within 25% of the configured size). The
 * figures assume a 64-bit JVM with compressed oops (heaps under 32 GiB): 12-byte object headers,
 * 16-byte array headers, 8-byte alignment.
 */
final class EntrySizes {
  /** InternalKey: header 12 + userKey ref 4 + trailer 8 = 24. */
  private static final int INTERNAL_KEY = 24;

  /**
   * ConcurrentSkipListMap: a Node (header 12 + key, value, next refs 12 -> 24) plus on average
   * one Index node (24 bytes) for every four nodes... and the map keeps about 1.33 index nodes per
   * four; 32 is a fair mean.
   */
  private static final int SKIP_LIST_ENTRY = 32;

  private EntrySizes() {}

  static long array(int length) {
    return HeapSize.byteArray(length);
  }

  static long skipListEntry(int keyLength, int valueLength) {
    return SKIP_LIST_ENTRY + INTERNAL_KEY + array(keyLength) + array(valueLength);
  }
}
