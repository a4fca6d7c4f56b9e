package dev.strata.engine;

import dev.strata.memtable.Memtable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The memtables readers consult, as one immutable value: the active memtable and its WAL number,
 * and the immutable memtables waiting for flush, newest first. The engine publishes a new set with
 * one volatile write, so a reader sees either the old or the new set, each complete. Each memtable
 * travels with its {@link MemtablePin}, which iterators retain.
 */
final class MemtableSet {
  /**
   * An immutable memtable and the WAL that holds its writes, which may still need its force
   * ({@link RetiredWal}); a memtable a read-only open replayed has no WAL of its own (null).
   */
  record Immutable(MemtablePin pin, long logNumber, RetiredWal wal) {
    Memtable memtable() {
      return pin.memtable;
    }
  }

  final Memtable active;
  final MemtablePin activePin;
  final long activeLogNumber;
  /** Newest first. */
  final List<Immutable> immutables;

  MemtableSet(MemtablePin activePin, long activeLogNumber, List<Immutable> immutables) {
    this.active = activePin.memtable;
    this.activePin = activePin;
    this.activeLogNumber = activeLogNumber;
    this.immutables = Collections.unmodifiableList(new ArrayList<>(immutables));
  }

  /**
   * After a switch: {@code fresh} takes writes and the old active joins the immutables with its
   * retired WAL.
   */
  MemtableSet switchTo(MemtablePin fresh, long freshLogNumber, RetiredWal retired) {
    List<Immutable> imms = new ArrayList<>(immutables.size() + 1);
    imms.add(new Immutable(activePin, activeLogNumber, retired));
    imms.addAll(immutables);
    return new MemtableSet(fresh, freshLogNumber, imms);
  }

  /**
   * The same memtables with the active one's WAL number moved to {@code logNumber}: after a switch
   * found the active memtable of this family empty, so that it pins no older log.
   */
  MemtableSet withActiveLogNumber(long logNumber) {
    return new MemtableSet(activePin, logNumber, immutables);
  }

  /** The oldest immutable memtable, or null. */
  Immutable oldest() {
    return immutables.isEmpty() ? null : immutables.get(immutables.size() - 1);
  }

  /** Without the given (flushed) immutable memtable. */
  MemtableSet without(Immutable flushed) {
    List<Immutable> imms = new ArrayList<>(immutables);
    imms.remove(flushed);
    return new MemtableSet(activePin, activeLogNumber, imms);
  }

  /** The WAL number of the memtable made right after {@code imm}: the oldest log still needed. */
  long logNumberAfter(Immutable imm) {
    int i = immutables.indexOf(imm);
    return i > 0 ? immutables.get(i - 1).logNumber() : activeLogNumber;
  }

  /** The immutable memtables' retired WALs, oldest first: the order they were written. */
  List<RetiredWal> retiredWalsOldestFirst() {
    List<RetiredWal> out = new ArrayList<>(immutables.size());
    for (int i = immutables.size() - 1; i >= 0; i--) {
      if (immutables.get(i).wal() != null) {
        out.add(immutables.get(i).wal());
      }
    }
    return out;
  }

  /** Every memtable of the set, the active one first, then the immutables newest first. */
  List<MemtablePin> pins() {
    List<MemtablePin> out = new ArrayList<>(immutables.size() + 1);
    out.add(activePin);
    for (Immutable i : immutables) {
      out.add(i.pin());
    }
    return out;
  }

  /**
   * The newest version of {@code key} at or below {@code seq} in these memtables (the active one,
   * then the immutables newest first): a copy of its value, {@code Lookup.DELETED}, or null if
   * none holds a version.
   */
  byte[] get(byte[] key, long seq) {
    byte[] r = active.get(key, seq);
    for (int i = 0; r == null && i < immutables.size(); i++) {
      r = immutables.get(i).memtable().get(key, seq);
    }
    return r;
  }

  /** Heap bytes of the active memtable and the immutables waiting for flush. */
  long approximateBytes() {
    long n = active.approximateBytes();
    // By index: the commit leader asks once per group for the memtable budget, and the list is
    // an unmodifiable view whose iterator would be an allocation per group.
    for (int i = 0, count = immutables.size(); i < count; i++) {
      n += immutables.get(i).memtable().approximateBytes();
    }
    return n;
  }

  /** Direct memory the active and immutable memtables hold for their values, part of the above. */
  long offHeapBytes() {
    long n = active.offHeapBytes();
    for (Immutable imm : immutables) {
      n += imm.memtable().offHeapBytes();
    }
    return n;
  }
}
