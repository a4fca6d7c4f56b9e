package dev.strata.compaction;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of one database's writes, flushes, compactions and stalls, for {@code strata.stats}
 * and write-amplification figures. Thread-safe: every field is a {@link LongAdder} or an atomic,
 * bumped by the thread doing the work and read racily by stats readers (a stale read shows a
 * slightly older figure).
 */
public final class CompactionStats {
  public static final int LEVELS = 7;

  public final LongAdder userBytesWritten = new LongAdder();
  public final LongAdder userWrites = new LongAdder();
  public final LongAdder walBytesWritten = new LongAdder();
  public final LongAdder walSyncs = new LongAdder();
  public final LongAdder flushBytesWritten = new LongAdder();
  public final LongAdder flushes = new LongAdder();
  /** Write groups that stopped: level 0 at its stop trigger, or every immutable slot taken. */
  public final LongAdder stalls = new LongAdder();

  /** Time write groups waited, stopped or delayed past the slowdown trigger. */
  public final LongAdder stallNanos = new LongAdder();

  /** Write groups delayed (at most 1 ms each) past the level-0 slowdown trigger. */
  public final LongAdder slowdowns = new LongAdder();

  /** The part of {@link #stallNanos} spent in slowdown delays. */
  public final LongAdder slowdownNanos = new LongAdder();
  public final LongAdder gets = new LongAdder();

  /** Point reads a memtable answered (a value or a tombstone), retries included. */
  public final LongAdder memtableHits = new LongAdder();
  /** Largest level-0 file count seen. */
  public final AtomicLong maxLevel0Files = new AtomicLong();

  /** Per output level: bytes read and written by compactions into it, and their count. */
  public final LongAdder[] compactionBytesRead = adders();

  public final LongAdder[] compactionBytesWritten = adders();
  public final LongAdder[] compactions = adders();
  public final LongAdder trivialMoves = new LongAdder();

  /** Time spent in compactions that rewrote data (trivial moves excluded), in nanoseconds. */
  public final LongAdder compactionNanos = new LongAdder();

  /** Compactions (trivial moves included) that read samples asked for. */
  public final LongAdder readTriggeredCompactions = new LongAdder();

  /**
   * Heap bytes of the table builders of the flush and compaction running now: each builder keeps
   * its buffers' size added here while it writes (see {@code TableBuilder}) and takes it off when
   * it finishes or is abandoned, so the figure is 0 between jobs. An atomic rather than a
   * LongAdder: a builder updates it only when its buffers grow, about once per doubling.
   */
  public final AtomicLong tableBuilderBytes = new AtomicLong();

  private static LongAdder[] adders() {
    LongAdder[] a = new LongAdder[LEVELS];
    for (int i = 0; i < LEVELS; i++) {
      a[i] = new LongAdder();
    }
    return a;
  }

  public long tableBytesWritten() {
    long n = flushBytesWritten.sum();
    for (LongAdder a : compactionBytesWritten) {
      n += a.sum();
    }
    return n;
  }

  /** (WAL + table bytes written) / user bytes written; 0 before any write. */
  public double writeAmplification() {
    long user = userBytesWritten.sum();
    return user == 0 ? 0 : (double) (walBytesWritten.sum() + tableBytesWritten()) / user;
  }
}
