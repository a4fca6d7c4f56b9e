package dev.strata.compaction;

import dev.strata.Ticker;
import dev.strata.stats.StatsRecorder;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of one database's writes, flushes, compactions and stalls, for {@code strata.stats}
 * and write-amplification figures. Thread-safe: every field is a {@link LongAdder} or an atomic,
 * bumped by the thread doing the work and read racily by stats readers (a stale read shows a
 * slightly older figure).
 *
 * <p>The counters that are also {@link dev.strata.Statistics} tickers are the recorder's own
 * adders ({@link StatsRecorder#adder}), so each event is counted once for both.
 */
public final class CompactionStats {
  public static final int LEVELS = 7;

  /** The database's statistics; the adders below that name a ticker are its adders. */
  public final StatsRecorder recorder;

  public final LongAdder userBytesWritten;
  public final LongAdder userWrites;
  public final LongAdder walBytesWritten;
  public final LongAdder walSyncs;
  public final LongAdder flushBytesWritten;
  public final LongAdder flushes;
  /** Write groups that stopped: level 0 at its stop trigger, or every immutable slot taken. */
  public final LongAdder stalls;

  /** Time write groups waited, stopped or delayed past the slowdown trigger. */
  public final LongAdder stallNanos;

  /** Write groups delayed (at most 1 ms each) past the level-0 slowdown trigger. */
  public final LongAdder slowdowns;

  /** The part of {@link #stallNanos} spent in slowdown delays. */
  public final LongAdder slowdownNanos = new LongAdder();
  public final LongAdder gets;

  /** Point reads a memtable answered (a value or a tombstone), retries included. */
  public final LongAdder memtableHits;
  /** Largest level-0 file count seen. */
  public final AtomicLong maxLevel0Files = new AtomicLong();

  /** Per output level: bytes read and written by compactions into it, and their count. */
  public final LongAdder[] compactionBytesRead = adders();

  public final LongAdder[] compactionBytesWritten = adders();
  public final LongAdder[] compactions = adders();
  public final LongAdder trivialMoves;

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

  /** Counters of their own, with a recorder at {@code StatisticsLevel.ALL}. */
  public CompactionStats() {
    this(StatsRecorder.all());
  }

  public CompactionStats(StatsRecorder recorder) {
    this.recorder = recorder;
    userBytesWritten = recorder.adder(Ticker.BYTES_WRITTEN);
    userWrites = recorder.adder(Ticker.KEYS_WRITTEN);
    walBytesWritten = recorder.adder(Ticker.WAL_BYTES);
    walSyncs = recorder.adder(Ticker.WAL_SYNCS);
    flushBytesWritten = recorder.adder(Ticker.FLUSH_BYTES_WRITTEN);
    flushes = recorder.adder(Ticker.FLUSHES);
    stalls = recorder.adder(Ticker.STALLS);
    stallNanos = recorder.adder(Ticker.STALL_NANOS);
    slowdowns = recorder.adder(Ticker.SLOWDOWNS);
    gets = recorder.adder(Ticker.KEYS_READ);
    memtableHits = recorder.adder(Ticker.MEMTABLE_HIT);
    trivialMoves = recorder.adder(Ticker.TRIVIAL_MOVES);
  }

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
