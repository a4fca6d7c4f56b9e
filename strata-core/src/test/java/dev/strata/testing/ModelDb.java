package dev.strata.testing;

import dev.strata.PrefixExtractor;
import dev.strata.util.Bytes;
import java.util.Arrays;
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

  /**
   * Applies a merge operand as {@code MergeOperators.stringAppend(delimiter)} does: appended to
   * the value with the delimiter between, or the operand alone if the key is absent.
   */
  public void appendMerge(byte[] k, byte[] operand, byte delimiter) {
    byte[] old = map.get(k);
    if (old == null) {
      map.put(k.clone(), operand.clone());
      return;
    }
    byte[] v = java.util.Arrays.copyOf(old, old.length + 1 + operand.length);
    v[old.length] = delimiter;
    System.arraycopy(operand, 0, v, old.length + 1, operand.length);
    map.put(k.clone(), v);
  }

  /**
   * Applies a merge operand as {@code MergeOperators.uint64Add()} does: the 8-byte little-endian
   * counters added modulo 2^64, a missing value counting as 0. Written out here rather than by
   * calling the operator, so that the model does not share the code it checks.
   */
  public void addUint64(byte[] k, byte[] operand) {
    byte[] old = map.get(k);
    long sum = decodeUint64(operand) + (old == null ? 0 : decodeUint64(old));
    byte[] v = new byte[8];
    for (int i = 0; i < 8; i++) {
      v[i] = (byte) (sum >>> (8 * i));
    }
    map.put(k.clone(), v);
  }

  private static long decodeUint64(byte[] b) {
    if (b.length != 8) {
      throw new IllegalArgumentException("a uint64 counter of " + b.length + " bytes");
    }
    long v = 0;
    for (int i = 0; i < 8; i++) {
      v |= (b[i] & 0xFFL) << (8 * i);
    }
    return v;
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

  /**
   * The entries of {@code view} a prefix-bounded iterator may return once bounded to {@code key}'s
   * prefix: the keys in the extractor's domain whose prefix equals it. {@code view} itself if
   * {@code key} is out of the domain (the iterator is then unbounded). By definition, without
   * assuming that keys of a prefix are contiguous.
   */
  public static NavigableMap<byte[], byte[]> withPrefixOf(
      NavigableMap<byte[], byte[]> view, PrefixExtractor extractor, byte[] key) {
    if (!extractor.inDomain(key)) {
      return view;
    }
    int n = extractor.prefixLength(key);
    byte[] prefix = Arrays.copyOf(key, n);
    TreeMap<byte[], byte[]> out = new TreeMap<>(Bytes.COMPARATOR);
    for (Map.Entry<byte[], byte[]> e = view.ceilingEntry(prefix);
        e != null;
        e = view.higherEntry(e.getKey())) {
      byte[] k = e.getKey();
      if (k.length < n || !Arrays.equals(k, 0, n, prefix, 0, n)) {
        break;
      }
      if (extractor.inDomain(k) && extractor.prefixLength(k) == n) {
        out.put(k, e.getValue());
      }
    }
    return out;
  }

  public static String describe(Map.Entry<byte[], byte[]> e) {
    return e == null ? "none" : Bytes.toHex(e.getKey(), 16) + "=" + Bytes.toHex(e.getValue(), 16);
  }
}
