package dev.strata.memtable;

import dev.strata.key.FragmentedRangeTombstones;
import dev.strata.key.RangeTombstone;
import java.util.ArrayList;
import java.util.List;

/**
 * The range tombstones of one memtable, beside its point entries (as RocksDB keeps a separate
 * range-deletion memtable): range deletions span shards, so they are kept once per memtable, not
 * per shard. Reads use a fragmented view ({@link FragmentedRangeTombstones}) built on first use
 * after a change.
 *
 * <h2>Concurrency</h2>
 *
 * {@link #lock} (rank 4, beside the shard locks and never held with one; no I/O, no other lock
 * taken under it) guards {@link #added}. {@link #view} is volatile: written under the lock, read
 * without it. A reader that finds it null rebuilds it under the lock. Point reads of a memtable
 * without range tombstones read one volatile field that stays {@link
 * FragmentedRangeTombstones#EMPTY}.
 *
 * <p>Cost: each add after a read makes the next read fragment every tombstone again (n log n), so
 * a memtable taking many range deletions between reads pays for it; reads between adds pay
 * nothing more.
 */
final class MemtableRangeTombstones {
  /** Rank 4, a leaf beside the shard locks: guards {@link #added} and rebuilds {@link #view}. */
  private final Object lock = new Object();

  /** Every tombstone added, in arrival order. Guarded by {@link #lock}. */
  private final List<RangeTombstone> added = new ArrayList<>();

  /** The fragments of {@link #added}, or null when an add made them stale. */
  private volatile FragmentedRangeTombstones view = FragmentedRangeTombstones.EMPTY;

  /** Bytes of heap the tombstones hold, about. Guarded by {@link #lock}. */
  private long bytes;

  /** Adds a tombstone; returns the heap bytes it takes. */
  long add(long sequence, byte[] start, byte[] end) {
    long size = 64 + start.length + end.length;
    synchronized (lock) {
      added.add(new RangeTombstone(start, end, sequence));
      bytes += size;
      view = null;
    }
    return size;
  }

  /** The fragments as of now. */
  FragmentedRangeTombstones fragments() {
    FragmentedRangeTombstones v = view;
    if (v != null) {
      return v;
    }
    synchronized (lock) {
      v = view;
      if (v == null) {
        v = FragmentedRangeTombstones.of(added);
        view = v;
      }
      return v;
    }
  }

  /** Tombstones added; for the entry count. */
  int count() {
    synchronized (lock) {
      return added.size();
    }
  }
}
