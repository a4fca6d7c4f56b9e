package dev.strata.engine;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * One memtable budget shared by several databases (the engine side of {@code
 * dev.strata.WriteBufferManager}): each database reports the bytes of its memtables as its writes
 * grow them and its flushes drop them, and a database's commit leader asks, before each group,
 * whether it should switch its active memtable to make room, as RocksDB's {@code
 * WriteBufferManager::ShouldFlush} does: when the active memtables of all databases together pass
 * 7/8 of the budget, or all memtables (immutables waiting for flush included) reach the budget
 * while the active ones hold at least half of it.
 *
 * <p>The database asked is the one with the largest active memtable: it is flagged, and switches
 * at its next write. A database whose own write finds the active memtables over the whole budget
 * switches itself at once, so an idle largest database cannot hold the others over the budget.
 * Nothing here waits, takes an engine lock or runs a flush: the switch and the flush are the
 * flagged database's own, in its leader role and on its flush worker.
 *
 * <p>Thread-safe, lock-free: totals are {@link AtomicLong}s, each member's last report is swapped
 * atomically, so the totals are exact sums of the last reports. Two reports of one member racing
 * (its leader and its flush worker) may leave the older figure until the member's next report
 * that differs from it (a report equal to the member's figure skips the swap).
 */
public final class MemtableBudget {
  private final long budgetBytes;
  private final AtomicLong activeTotal = new AtomicLong();
  private final AtomicLong allTotal = new AtomicLong();
  private final Set<Member> members = ConcurrentHashMap.newKeySet();
  private final LongAdder switchesAsked = new LongAdder();

  public MemtableBudget(long budgetBytes) {
    if (budgetBytes <= 0) {
      throw new IllegalArgumentException("budgetBytes must be > 0, got " + budgetBytes);
    }
    this.budgetBytes = budgetBytes;
  }

  public long budgetBytes() {
    return budgetBytes;
  }

  /** Bytes of every member's memtables as last reported. */
  public long memtableBytes() {
    return allTotal.get();
  }

  /** Bytes of every member's active memtable as last reported. */
  public long activeMemtableBytes() {
    return activeTotal.get();
  }

  /**
   * Switches the budget asked for since it was made: each time a member was told to switch its
   * own memtable, or flagged to switch at its next write (not again while the flag is set).
   */
  public long switchesAsked() {
    return switchesAsked.sum();
  }

  /** Databases sharing the budget now. */
  public int memberCount() {
    return members.size();
  }

  /** Adds a database; it reports through the returned member and leaves at close. */
  Member join() {
    Member m = new Member();
    members.add(m);
    return m;
  }

  /** One database's share. */
  final class Member {
    /** This member's last reported bytes; swapped by its reports, see the class comment. */
    private final AtomicLong active = new AtomicLong();

    private final AtomicLong all = new AtomicLong();

    /**
     * Set by another member's leader when this member has the largest active memtable; read and
     * cleared by this member's leader. A stale read switches one group later.
     */
    private volatile boolean switchRequested;

    /**
     * Records the member's memtable bytes (its active one, and all of them). A figure equal to the
     * last one reported changes nothing shared: memtables grow by whole slabs, so most groups
     * report what the last one did, and every database of the JVM shares the process's budget.
     */
    void report(long activeBytes, long allBytes) {
      if (active.get() != activeBytes) {
        activeTotal.addAndGet(activeBytes - active.getAndSet(activeBytes));
      }
      if (all.get() != allBytes) {
        allTotal.addAndGet(allBytes - all.getAndSet(allBytes));
      }
    }

    /**
     * Requires: the member's commit leader, holding no lock. Records the bytes and says whether
     * the member should switch its active memtable now (never when it is empty).
     */
    boolean reportAndCheck(long activeBytes, long allBytes) {
      report(activeBytes, allBytes);
      if (activeBytes == 0) {
        return false;
      }
      if (switchRequested) {
        switchRequested = false;
        return true;
      }
      long activeSum = activeTotal.get();
      boolean over =
          activeSum > budgetBytes - budgetBytes / 8
              || (allTotal.get() >= budgetBytes && activeSum >= budgetBytes / 2);
      if (!over) {
        return false;
      }
      Member largest = largestActive();
      if (largest == this || largest == null || activeSum > budgetBytes) {
        switchesAsked.increment();
        return true;
      }
      if (!largest.switchRequested) {
        // Counted once per request: every member's groups find the budget over until it switches.
        largest.switchRequested = true;
        switchesAsked.increment();
      }
      return false;
    }

    /** Takes the member's bytes off the totals; at close. */
    void leave() {
      members.remove(this);
      report(0, 0);
    }
  }

  private Member largestActive() {
    Member best = null;
    long bestBytes = -1;
    for (Member m : members) {
      long b = m.active.get();
      if (b > bestBytes) {
        best = m;
        bestBytes = b;
      }
    }
    return best;
  }
}
