package dev.strata.stats;

import java.util.concurrent.atomic.LongAdder;

/**
 * Counts the waits for one kind of lock (memtable shard write locks, level read locks): how many
 * acquisitions found the lock taken, and the nanoseconds they waited. A lock site tries first
 * without waiting and reads the clock only when that fails, so an uncontended acquisition costs
 * nothing extra. Thread-safe (striped counters).
 */
public final class LockWaits {
  /** Counts into adders nobody reads, for code outside a database. */
  public static final LockWaits NONE = new LockWaits(new LongAdder(), new LongAdder());

  private final LongAdder count;
  private final LongAdder nanos;

  public LockWaits(LongAdder count, LongAdder nanos) {
    this.count = count;
    this.nanos = nanos;
  }

  /** One acquisition that waited {@code waitedNanos}. */
  public void record(long waitedNanos) {
    count.increment();
    nanos.add(waitedNanos);
  }
}
