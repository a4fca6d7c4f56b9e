package dev.strata.engine;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import dev.strata.Snapshot;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * The sequence numbers that live snapshots and iterators read at, with multiplicity. Flush and
 * compaction keep, for every key, the newest version visible at each of them.
 *
 * <p>Thread-safe. {@code lock} is a leaf (rank 7): nothing else is taken while it is held. A
 * snapshot's sequence is read from the visible sequence inside the lock, so a compaction that
 * takes the list after a snapshot was taken sees it, and one that took it before only has inputs
 * whose sequences are all at most the snapshot's.
 */
final class SnapshotList {
  /** Rank 7 (leaf): guards {@code counts}. */
  private final ReentrantLock lock = new ReentrantLock();

  @GuardedBy("lock")
  private final TreeMap<Long, Integer> counts = new TreeMap<>();

  /** A snapshot at the current visible sequence, registered until it is closed. */
  Snapshot newSnapshot(LongSupplier visibleSequence) {
    return new SnapshotHandle(this, acquire(visibleSequence));
  }

  /**
   * The sequence of a snapshot of this list.
   *
   * @throws IllegalArgumentException if the snapshot belongs to another database
   * @throws dev.strata.StrataException if it was released
   */
  long sequenceOf(Snapshot s) {
    if (!(s instanceof SnapshotHandle handle) || handle.owner != this) {
      throw new IllegalArgumentException("snapshot belongs to another database");
    }
    return handle.sequenceChecked();
  }

  /** Registers the current visible sequence and returns it. */
  long acquire(LongSupplier visibleSequence) {
    lock.lock();
    try {
      long seq = visibleSequence.getAsLong();
      counts.merge(seq, 1, Integer::sum);
      return seq;
    } finally {
      lock.unlock();
    }
  }

  void release(long seq) {
    lock.lock();
    try {
      Integer n = counts.get(seq);
      if (n == null) {
        throw new IllegalStateException("snapshot " + seq + " released twice");
      }
      if (n == 1) {
        counts.remove(seq);
      } else {
        counts.put(seq, n - 1);
      }
    } finally {
      lock.unlock();
    }
  }

  /** The distinct live sequences, ascending. */
  long[] sequences() {
    lock.lock();
    try {
      long[] out = new long[counts.size()];
      int i = 0;
      for (Long s : counts.keySet()) {
        out[i++] = s;
      }
      return out;
    } finally {
      lock.unlock();
    }
  }

  int size() {
    lock.lock();
    try {
      int n = 0;
      for (int c : counts.values()) {
        n += c;
      }
      return n;
    } finally {
      lock.unlock();
    }
  }
}
