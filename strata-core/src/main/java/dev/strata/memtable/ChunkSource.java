package dev.strata.memtable;

import dev.strata.key.InternalKey;
import java.util.Iterator;
import java.util.Map;
import java.util.NavigableMap;

/**
 * An ordered map that can copy a bounded run of its entries, starting next to a key, into
 * caller-owned arrays. {@link ChunkedCursor} iterates any such source without holding a lock
 * between calls. Implementations are thread-safe.
 */
interface ChunkSource {
  /**
   * Copies up to {@code keys.length} entries into {@code keys} and {@code values}, in iteration
   * order, starting at {@code from} ({@code null} = the first entry in that direction).
   *
   * @param forward ascending internal-key order if true, descending otherwise
   * @param inclusive whether an entry equal to {@code from} is included
   * @return the number of entries copied; fewer than {@code keys.length} means the end was reached
   */
  int copyChunk(InternalKey from, boolean inclusive, boolean forward, InternalKey[] keys,
      byte[][] values);

  /** Implements {@link #copyChunk} over a navigable map the caller may read safely. */
  static int copyFrom(
      NavigableMap<InternalKey, byte[]> map,
      InternalKey from,
      boolean inclusive,
      boolean forward,
      InternalKey[] keys,
      byte[][] values) {
    NavigableMap<InternalKey, byte[]> view;
    if (forward) {
      view = from == null ? map : map.tailMap(from, inclusive);
    } else {
      view = from == null ? map.descendingMap() : map.headMap(from, inclusive).descendingMap();
    }
    int n = 0;
    Iterator<Map.Entry<InternalKey, byte[]>> it = view.entrySet().iterator();
    while (n < keys.length && it.hasNext()) {
      Map.Entry<InternalKey, byte[]> e = it.next();
      keys[n] = e.getKey();
      values[n] = e.getValue();
      n++;
    }
    return n;
  }
}
