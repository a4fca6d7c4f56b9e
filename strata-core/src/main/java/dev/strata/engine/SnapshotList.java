package dev.strata.engine;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import dev.strata.Snapshot;
import dev.strata.compaction.CompactionSnapshots;
import java.util.TreeMap;
import java.util.concurrent.locks.Condition;
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
 *
 * <p>As {@link CompactionSnapshots}, it also keeps a compaction filter's decisions away from
 * explicit snapshots ({@link #newSnapshot}) taken while the compaction ran: each such snapshot
 * changes {@code generation}, and one asked for while a filtering compaction installs waits on
 * {@code installEnded} (with {@code lock} released) until the install ends, which is one manifest
 * append and force. Iterators and gets register their sequence without the gate: they pin the
 * files they read, or read each key once.
 */
final class SnapshotList implements CompactionSnapshots {
  /** Rank 7 (leaf): guards {@code counts}, {@code generation} and {@code installing}. */
  private final ReentrantLock lock = new ReentrantLock();

  /** Signalled when a filtering compaction's install ends. */
  private final Condition installEnded = lock.newCondition();

  @GuardedBy("lock")
  private final TreeMap<Long, Integer> counts = new TreeMap<>();

  /** Explicit snapshots taken so far. */
  @GuardedBy("lock")
  private long generation;

  /** Whether a compaction whose filter acted is installing its outputs. */
  @GuardedBy("lock")
  private boolean installing;

  /**
   * A snapshot at the current visible sequence, registered until it is closed. Requires: no
   * engine lock held (it may wait for a compaction's install to end).
   */
  Snapshot newSnapshot(LongSupplier visibleSequence) {
    lock.lock();
    try {
      while (installing) {
        // Bounded by one manifest append and force; uninterruptible like the install itself.
        installEnded.awaitUninterruptibly();
      }
      generation++;
      long seq = visibleSequence.getAsLong();
      counts.merge(seq, 1, Integer::sum);
      return new SnapshotHandle(this, seq);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public long generation() {
    lock.lock();
    try {
      return generation;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public boolean beginInstall(long expectedGeneration) {
    lock.lock();
    try {
      if (generation != expectedGeneration) {
        return false;
      }
      installing = true;
      return true;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void endInstall() {
    lock.lock();
    try {
      installing = false;
      installEnded.signalAll();
    } finally {
      lock.unlock();
    }
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
  @Override
  public long[] sequences() {
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
