package dev.strata.engine;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Which point reads may still be reading a memtable, so that a flushed memtable's memory is
 * reused only once none is ({@link MemtablePin#drained}).
 *
 * <p>A point read ({@code get}, {@code multiGet}, {@code keyMayExist}) and an iterator's creation
 * {@link #enter} before they load the family's memtable set and {@link #exit} after their last read
 * of a memtable's bytes (an iterator after it retained its memtables' pins, which then keep them).
 * The counts live in stripes chosen by thread id, each on its own cache line, so that two threads
 * rarely update one counter; a thread exits the stripe it entered.
 *
 * <h2>Why a stripe seen at zero is enough</h2>
 *
 * The flush publishes the set without the memtable (a volatile write) before {@link
 * #awaitDrained} reads the stripes. A read that loaded the old set did so before that write, and
 * entered (an atomic increment) before its load, so its increment precedes the stripe reads in
 * the synchronization order: its stripe reads at least one until it exits. A stripe seen at zero
 * after the publish therefore holds no read of the old set; a read that enters later loads the new
 * set. Each stripe need be seen at zero once, not all at the same moment.
 *
 * <p>Thread-safe and lock-free. Costs a read two uncontended atomic updates.
 */
final class MemtableReaders {
  private static final int STRIPES = 16;

  /** Longs per stripe: 128 bytes apart, so that stripes never share a cache line. */
  private static final int SPACING = 16;

  private final AtomicLongArray counts = new AtomicLongArray(STRIPES * SPACING);

  /** Enters a read; returns the stripe to give to {@link #exit}. */
  int enter() {
    int stripe = ((int) Thread.currentThread().getId() & (STRIPES - 1)) * SPACING;
    counts.getAndIncrement(stripe);
    return stripe;
  }

  /** Ends the read that {@link #enter} returned {@code stripe} to. */
  void exit(int stripe) {
    counts.getAndDecrement(stripe);
  }

  /**
   * Waits until every read that entered before the call has exited: each stripe seen at zero
   * once. Gives up after {@code maxNanos} (a read descheduled in the middle of a memtable, or
   * stripes that reads keep busy) and returns false; the caller then leaves the memtable's memory
   * to the collector.
   */
  boolean awaitDrained(long maxNanos) {
    long deadline = System.nanoTime() + maxNanos;
    for (int s = 0; s < STRIPES; s++) {
      int spins = 0;
      while (counts.get(s * SPACING) != 0) {
        if (System.nanoTime() - deadline > 0) {
          return false;
        }
        if (++spins < 64) {
          Thread.onSpinWait();
        } else {
          Thread.yield();
        }
      }
    }
    return true;
  }
}
