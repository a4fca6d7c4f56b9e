package dev.strata.key;

import dev.strata.util.Bytes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;

/**
 * Range tombstones cut into fragments, as RocksDB's {@code FragmentedRangeTombstoneList} and
 * Pebble's {@code keyspan} do: fragments are sorted, pairwise disjoint key ranges [start, end), and
 * each carries the sequences of every tombstone that covers it, newest first. Two tombstones that
 * overlap become three fragments; a key is in at most one fragment, found by binary search.
 *
 * <p>Immutable and thread-safe. Built from any tombstones by {@link #of}; read back from a table's
 * range-deletion block, which stores exactly these fragments (one entry per fragment and sequence).
 */
public final class FragmentedRangeTombstones {
  /** No tombstones. */
  public static final FragmentedRangeTombstones EMPTY =
      new FragmentedRangeTombstones(new byte[0][], new byte[0][], new long[0][]);

  private final byte[][] starts;
  private final byte[][] ends;
  /** Per fragment, its sequences strictly descending; never empty. */
  private final long[][] sequences;

  private FragmentedRangeTombstones(byte[][] starts, byte[][] ends, long[][] sequences) {
    this.starts = starts;
    this.ends = ends;
    this.sequences = sequences;
  }

  /**
   * Fragments of {@code tombstones} (any order, overlapping or not; empty ranges ignored). The
   * arrays of the tombstones are shared, not copied.
   */
  public static FragmentedRangeTombstones of(Collection<RangeTombstone> tombstones) {
    List<RangeTombstone> live = new ArrayList<>(tombstones.size());
    for (RangeTombstone t : tombstones) {
      if (!t.isEmpty()) {
        live.add(t);
      }
    }
    if (live.isEmpty()) {
      return EMPTY;
    }
    live.sort(Comparator.comparing(RangeTombstone::start, Bytes::compare));
    // Every start and end is a boundary; between two consecutive boundaries the set of covering
    // tombstones does not change.
    byte[][] bounds = new byte[live.size() * 2][];
    for (int i = 0; i < live.size(); i++) {
      bounds[2 * i] = live.get(i).start();
      bounds[2 * i + 1] = live.get(i).end();
    }
    Arrays.sort(bounds, Bytes::compare);
    int distinct = 0;
    for (byte[] b : bounds) {
      if (distinct == 0 || Bytes.compare(bounds[distinct - 1], b) != 0) {
        bounds[distinct++] = b;
      }
    }
    Builder out = new Builder();
    List<RangeTombstone> active = new ArrayList<>();
    int next = 0;
    for (int i = 0; i + 1 < distinct; i++) {
      byte[] from = bounds[i];
      byte[] to = bounds[i + 1];
      active.removeIf(t -> Bytes.compare(t.end(), from) <= 0);
      while (next < live.size() && Bytes.compare(live.get(next).start(), from) <= 0) {
        active.add(live.get(next++));
      }
      if (active.isEmpty()) {
        continue;
      }
      long[] seqs = new long[active.size()];
      for (int j = 0; j < seqs.length; j++) {
        seqs[j] = active.get(j).sequence();
      }
      out.add(from, to, descendingDistinct(seqs));
    }
    return out.build();
  }

  /** The values sorted descending without repeats. */
  static long[] descendingDistinct(long[] seqs) {
    long[] s = seqs.clone();
    Arrays.sort(s);
    long[] out = new long[s.length];
    int n = 0;
    for (int i = s.length - 1; i >= 0; i--) {
      if (n == 0 || out[n - 1] != s[i]) {
        out[n++] = s[i];
      }
    }
    return Arrays.copyOf(out, n);
  }

  /**
   * Collects fragments in key order; adjacent fragments with the same sequences are joined.
   * Confined to one thread.
   */
  public static final class Builder {
    private final List<byte[]> starts = new ArrayList<>();
    private final List<byte[]> ends = new ArrayList<>();
    private final List<long[]> seqs = new ArrayList<>();

    /**
     * Appends a fragment.
     *
     * @param sequences strictly descending, not empty
     * @throws IllegalArgumentException if the fragment is empty, starts before the previous one
     *     ends, or its sequences are not strictly descending
     */
    public Builder add(byte[] start, byte[] end, long[] sequences) {
      if (Bytes.compare(start, end) >= 0) {
        throw new IllegalArgumentException("empty fragment");
      }
      if (sequences.length == 0) {
        throw new IllegalArgumentException("fragment without sequences");
      }
      for (int i = 1; i < sequences.length; i++) {
        if (sequences[i] >= sequences[i - 1]) {
          throw new IllegalArgumentException("fragment sequences not strictly descending");
        }
      }
      int n = starts.size();
      if (n > 0) {
        int c = Bytes.compare(ends.get(n - 1), start);
        if (c > 0) {
          throw new IllegalArgumentException("fragments overlap");
        }
        if (c == 0 && Arrays.equals(seqs.get(n - 1), sequences)) {
          ends.set(n - 1, end);
          return this;
        }
      }
      starts.add(start);
      ends.add(end);
      seqs.add(sequences);
      return this;
    }

    public boolean isEmpty() {
      return starts.isEmpty();
    }

    public FragmentedRangeTombstones build() {
      if (starts.isEmpty()) {
        return EMPTY;
      }
      return new FragmentedRangeTombstones(
          starts.toArray(new byte[0][]), ends.toArray(new byte[0][]), seqs.toArray(new long[0][]));
    }
  }

  public boolean isEmpty() {
    return starts.length == 0;
  }

  public int fragmentCount() {
    return starts.length;
  }

  /** Tombstones stored: the sum over fragments of their sequences. */
  public int tombstoneCount() {
    int n = 0;
    for (long[] s : sequences) {
      n += s.length;
    }
    return n;
  }

  public byte[] start(int fragment) {
    return starts[fragment];
  }

  public byte[] end(int fragment) {
    return ends[fragment];
  }

  /** The fragment's sequences, strictly descending; the caller must not change the array. */
  public long[] sequences(int fragment) {
    return sequences[fragment];
  }

  /** The smallest key any fragment covers; requires a fragment. */
  public byte[] smallestKey() {
    return starts[0];
  }

  /** The end (exclusive) of the last fragment; requires a fragment. */
  public byte[] largestEnd() {
    return ends[ends.length - 1];
  }

  public long smallestSequence() {
    long min = Long.MAX_VALUE;
    for (long[] s : sequences) {
      min = Math.min(min, s[s.length - 1]);
    }
    return min;
  }

  public long largestSequence() {
    long max = -1;
    for (long[] s : sequences) {
      max = Math.max(max, s[0]);
    }
    return max;
  }

  /** The index of the fragment holding {@code userKey}, or -1. */
  public int find(byte[] userKey) {
    int lo = 0;
    int hi = starts.length - 1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      if (Bytes.compare(starts[mid], userKey) <= 0) {
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    // hi: the last fragment starting at or before the key.
    if (hi < 0 || Bytes.compare(userKey, ends[hi]) >= 0) {
      return -1;
    }
    return hi;
  }

  /**
   * The newest sequence at most {@code snapshot} of a tombstone covering {@code userKey}, or -1 if
   * none: a reader at {@code snapshot} sees every version of the key below it as deleted.
   */
  public long coveringSequence(byte[] userKey, long snapshot) {
    if (starts.length == 0) {
      return -1;
    }
    int f = find(userKey);
    return f < 0 ? -1 : newestAtMost(sequences[f], snapshot);
  }

  /** Whether a tombstone above {@code snapshot} covers {@code userKey}. */
  public boolean coveredAbove(byte[] userKey, long snapshot) {
    if (starts.length == 0) {
      return false;
    }
    int f = find(userKey);
    return f >= 0 && sequences[f][0] > snapshot;
  }

  /** The first of the descending {@code seqs} at most {@code snapshot}, or -1. */
  static long newestAtMost(long[] seqs, long snapshot) {
    for (long s : seqs) {
      if (s <= snapshot) {
        return s;
      }
    }
    return -1;
  }

  /**
   * These fragments as a reader at {@code snapshot} sees them: sequences above it removed, each
   * fragment kept with its newest remaining sequence only (enough to decide what it hides).
   */
  public FragmentedRangeTombstones visibleAt(long snapshot) {
    Builder b = new Builder();
    for (int i = 0; i < starts.length; i++) {
      long s = newestAtMost(sequences[i], snapshot);
      if (s >= 0) {
        b.add(starts[i], ends[i], new long[] {s});
      }
    }
    return b.build();
  }

  /**
   * The fragments clipped to [{@code from}, {@code to}) (null: unbounded), for the table of a
   * flush or compaction that covers that part of the key space.
   */
  public FragmentedRangeTombstones clip(byte[] from, byte[] to) {
    Builder b = new Builder();
    for (int i = 0; i < starts.length; i++) {
      byte[] s = from != null && Bytes.compare(starts[i], from) < 0 ? from : starts[i];
      byte[] e = to != null && Bytes.compare(ends[i], to) > 0 ? to : ends[i];
      if (Bytes.compare(s, e) < 0) {
        b.add(s, e, sequences[i]);
      }
    }
    return b.build();
  }

  /** Every (fragment, sequence) as a tombstone, in key order then newest first. */
  public List<RangeTombstone> toTombstones() {
    List<RangeTombstone> out = new ArrayList<>();
    for (int i = 0; i < starts.length; i++) {
      for (long s : sequences[i]) {
        out.add(new RangeTombstone(starts[i], ends[i], s));
      }
    }
    return out;
  }

  /** Approximate heap bytes of the fragments. */
  public long heapBytes() {
    long n = 64;
    for (int i = 0; i < starts.length; i++) {
      n += 48 + starts[i].length + ends[i].length + 8L * sequences[i].length + 16 * 3;
    }
    return n;
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("RangeTombstones[");
    for (int i = 0; i < starts.length; i++) {
      if (i > 0) {
        sb.append(", ");
      }
      sb.append('[')
          .append(Bytes.toHex(starts[i], 16))
          .append(", ")
          .append(Bytes.toHex(ends[i], 16))
          .append(")@")
          .append(Arrays.toString(sequences[i]));
    }
    return sb.append(']').toString();
  }
}
