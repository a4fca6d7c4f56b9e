package dev.strata.compaction;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * Caps the bytes per second that a database's flushes and compactions write, together (RocksDB's
 * {@code RateLimiter}, the {@code backgroundIoBytesPerSecond} option). Each write reserves its
 * bytes on a timeline: the reservation starts where the previous one ended (or now, if the
 * limiter was idle, less up to {@link #BURST_NANOS} of unused credit) and lasts {@code bytes /
 * rate}; the writer parks until its reservation starts. Writes are one table block at a time
 * (about a block size), so no writer parks much longer than the rate allows.
 *
 * <p>Thread-safe and lock-free: the timeline's end is an {@link AtomicLong} advanced by
 * compare-and-set. Parking here is pacing, not waiting for another thread.
 */
public final class IoRateLimiter {
  /** Unused time a writer may catch up on at once: a 100 ms burst, as RocksDB's refill period. */
  static final long BURST_NANOS = 100_000_000L;

  private final long bytesPerSecond;

  /** The end of the last reservation, in {@link System#nanoTime()} terms. */
  private final AtomicLong reservedUntil;

  /** Nanoseconds writers parked, for statistics. */
  private final LongAdder waitNanos;

  /**
   * @param bytesPerSecond the cap, at least 1
   * @param waitNanos where the time writers park is added
   */
  public IoRateLimiter(long bytesPerSecond, LongAdder waitNanos) {
    if (bytesPerSecond < 1) {
      throw new IllegalArgumentException("bytesPerSecond must be >= 1, got " + bytesPerSecond);
    }
    this.bytesPerSecond = bytesPerSecond;
    this.waitNanos = waitNanos;
    this.reservedUntil = new AtomicLong(System.nanoTime() - BURST_NANOS);
  }

  public long bytesPerSecond() {
    return bytesPerSecond;
  }

  /** Parks the caller until writing {@code bytes} more keeps within the rate. */
  public void acquire(long bytes) {
    if (bytes <= 0) {
      return;
    }
    long cost = (long) Math.ceil(bytes * 1e9 / bytesPerSecond);
    long now = System.nanoTime();
    long start;
    while (true) {
      long end = reservedUntil.get();
      start = Math.max(end, now - BURST_NANOS);
      if (reservedUntil.compareAndSet(end, start + cost)) {
        break;
      }
    }
    // The reservation spans [start, start + cost): the write may begin once its start is due.
    long wait = start - now;
    if (wait <= 0) {
      return;
    }
    long deadline = now + wait;
    for (long left = wait; left > 0; left = deadline - System.nanoTime()) {
      LockSupport.parkNanos(this, left);
    }
    waitNanos.add(System.nanoTime() - now);
  }
}
