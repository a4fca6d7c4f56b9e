package dev.strata.testing;

import dev.strata.CompactionFilter;
import dev.strata.util.Bytes;
import java.util.Arrays;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * A compaction filter whose decisions are a pure function of the value, and the rules a model test
 * uses to judge reads under it. A value whose last byte is {@code '!'} is removed; one whose last
 * byte is {@code '~'} becomes the same value ending in {@code '='}; every other value is kept. The
 * filter is idempotent ({@code filtered(filtered(v)) == filtered(v)}), and for 8-byte counters of
 * {@code MergeOperators.uint64Add()} the marker is the most significant byte.
 *
 * <p>When a compaction reaches a key is the engine's business, so where the model holds a marked
 * value a read may return it or what the filter makes of it ({@link #allowed}), and nothing else.
 * Workloads never merge onto a marked value (they write a put instead): the operands would then
 * fold onto either the value or its filtered form, and the model would have to follow both. After
 * a full compaction with no snapshot live, every value is filtered ({@link #filteredView}).
 * Thread-safe (stateless).
 */
public final class MarkedValues implements CompactionFilter {
  public static final byte REMOVE = '!';
  public static final byte CHANGE = '~';
  public static final byte CHANGED = '=';

  @Override
  public Decision filter(int level, byte[] key, byte[] value) {
    if (value.length == 0) {
      return Decision.KEEP;
    }
    byte last = value[value.length - 1];
    if (last == REMOVE) {
      return Decision.REMOVE;
    }
    if (last == CHANGE) {
      byte[] v = value.clone();
      v[v.length - 1] = CHANGED;
      return Decision.change(v);
    }
    return Decision.KEEP;
  }

  @Override
  public String name() {
    return "marked-values";
  }

  /** Whether the filter removes or changes {@code v}. */
  public static boolean isMarked(byte[] v) {
    return v != null && v.length > 0 && (v[v.length - 1] == REMOVE || v[v.length - 1] == CHANGE);
  }

  /** {@code v} with its last byte set to {@code marker}, a copy. */
  public static byte[] mark(byte[] v, byte marker) {
    byte[] out = v.length == 0 ? new byte[1] : v.clone();
    out[out.length - 1] = marker;
    return out;
  }

  /** What the filter makes of {@code v}: null if it removes it (or {@code v} is null). */
  public static byte[] filtered(byte[] v) {
    if (v == null || v.length == 0) {
      return v;
    }
    if (v[v.length - 1] == REMOVE) {
      return null;
    }
    if (v[v.length - 1] == CHANGE) {
      byte[] out = v.clone();
      out[out.length - 1] = CHANGED;
      return out;
    }
    return v;
  }

  /** Whether a read may return {@code got} where the model holds {@code want}. */
  public static boolean allowed(byte[] want, byte[] got) {
    return want == null
        ? got == null
        : Arrays.equals(want, got) || (isMarked(want) && Arrays.equals(filtered(want), got));
  }

  /** Whether the model's {@code want} may read as absent (the filter removes it). */
  public static boolean mayBeAbsent(byte[] want) {
    return want != null && filtered(want) == null;
  }

  /** The view with the filter applied to every value: what a full compaction leaves. */
  public static NavigableMap<byte[], byte[]> filteredView(Map<byte[], byte[]> view) {
    TreeMap<byte[], byte[]> out = new TreeMap<>(Bytes.COMPARATOR);
    view.forEach(
        (k, v) -> {
          byte[] f = filtered(v);
          if (f != null) {
            out.put(k, f);
          }
        });
    return out;
  }
}
