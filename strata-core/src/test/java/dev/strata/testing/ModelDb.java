package dev.strata.testing;

import dev.strata.util.Bytes;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * The oracle of model-based tests: a {@link TreeMap} in unsigned byte order with copy-on-snapshot.
 * Not thread-safe.
 */
public final class ModelDb {
  private TreeMap<byte[], byte[]> map = new TreeMap<>(Bytes.COMPARATOR);

  public void put(byte[] k, byte[] v) {
    map.put(k.clone(), v.clone());
  }

  public void delete(byte[] k) {
    map.remove(k);
  }

  /** Removes every key in [begin, end). */
  public void deleteRange(byte[] begin, byte[] end) {
    if (Bytes.compare(begin, end) < 0) {
      map.subMap(begin, true, end, false).clear();
    }
  }

  public byte[] get(byte[] k) {
    return map.get(k);
  }

  /** An immutable copy of the current state. */
  public NavigableMap<byte[], byte[]> snapshot() {
    return java.util.Collections.unmodifiableNavigableMap(new TreeMap<>(map));
  }

  public NavigableMap<byte[], byte[]> view() {
    return map;
  }

  public int size() {
    return map.size();
  }

  public static String describe(Map.Entry<byte[], byte[]> e) {
    return e == null ? "none" : Bytes.toHex(e.getKey(), 16) + "=" + Bytes.toHex(e.getValue(), 16);
  }
}
