package dev.strata.engine;

import dev.strata.memtable.Memtable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One memtable as the memory figures see it: how many open iterators hold it, and whether it has
 * left the memtable set (its flush is installed). A memtable that has left the set but that an
 * iterator still reads stays on the heap, outside {@code maxImmutableMemtables}, until the last
 * such iterator closes; its bytes are then counted in its column family's {@code pinnedBytes} total
 * ({@code strata.estimate-pinned-iterator-mem}), as RocksDB counts pinned memtables in {@code
 * rocksdb.size-all-mem-tables}.
 *
 * <p>Thread-safe and lock-free. One {@link AtomicInteger} holds the whole state: bit 0 is "left
 * the set", the bits above count iterators. The memtable is counted while both hold ({@link
 * #counted}); every change is one compare-and-set, and the thread whose change starts a counted
 * period adds the memtable's bytes before its compare-and-set, the thread whose change ends one
 * takes them off after it. So the total never goes below what the counted memtables hold: a read
 * racing a change may see one memtable twice for a moment, never one too few. The bytes added
 * and taken off are the same: a memtable is counted only after it left the set, and it took no
 * write since it became immutable.
 *
 * <p>An iterator that is never closed keeps its memtables counted until the database closes (and
 * its snapshot registered): the figure then reports memory the collector may already have freed.
 *
 * <p>The pin also decides when a flushed memtable's memory may be reused ({@link #drained}): once
 * it left the set, no point read still reads it, and no iterator holds it.
 */
final class MemtablePin {
  private static final int LEFT_SET = 1;
  private static final int ITERATOR = 2;

  final Memtable memtable;

  /** The family's total of counted memtables' bytes, shared by every pin of the family. */
  private final AtomicLong pinnedBytes;

  /** Bit 0: left the set; bits 1..31: open iterators. See the class comment. */
  private final AtomicInteger state = new AtomicInteger();

  /** Set once by {@link #drained()}. */
  private volatile boolean drained;

  /** Set once, by the thread that hands the memtable's memory back. */
  private final AtomicBoolean reclaimed = new AtomicBoolean();

  MemtablePin(Memtable memtable, AtomicLong pinnedBytes) {
    this.memtable = memtable;
    this.pinnedBytes = pinnedBytes;
  }

  /** An iterator starts reading the memtable. */
  void retain() {
    change(ITERATOR);
  }

  /** An iterator that {@link #retain}ed the memtable closed. */
  void release() {
    change(-ITERATOR);
    if (drained && iterators() == 0) {
      reclaim();
    }
  }

  /**
   * No point read can reach the memtable any more: it left the set and every read that might have
   * loaded a set holding it has finished ({@link MemtableReaders#awaitDrained}). Called at most
   * once, by the flush that removed it, after {@link #leftSet}. From here on the number of
   * iterators can only fall (an iterator retains its memtables before its read ends), and when it
   * is zero the memtable's memory goes back for reuse ({@link Memtable#reclaim}), by this call or
   * by the last iterator's {@link #release}: the volatile {@link #drained} and the atomic state
   * let at least one of the two see both conditions, and {@link #reclaimed} lets one act.
   */
  void drained() {
    drained = true;
    if (iterators() == 0) {
      reclaim();
    }
  }

  private void reclaim() {
    if (reclaimed.compareAndSet(false, true)) {
      memtable.reclaim();
    }
  }

  /**
   * The memtable left the set: its table is installed. Called once, by the flush that removed it.
   */
  void leftSet() {
    change(LEFT_SET);
  }

  /** Open iterators reading the memtable. */
  int iterators() {
    return state.get() >>> 1;
  }

  private static boolean counted(int s) {
    return (s & LEFT_SET) != 0 && s >= ITERATOR;
  }

  private void change(int delta) {
    for (; ; ) {
      int s = state.get();
      int next = s + delta;
      boolean starts = !counted(s) && counted(next);
      boolean ends = counted(s) && !counted(next);
      long bytes = starts || ends ? memtable.approximateBytes() : 0;
      if (starts) {
        pinnedBytes.addAndGet(bytes);
      }
      if (state.compareAndSet(s, next)) {
        if (ends) {
          pinnedBytes.addAndGet(-bytes);
        }
        return;
      }
      if (starts) {
        pinnedBytes.addAndGet(-bytes);
      }
    }
  }
}
