package dev.strata.memtable;

import dev.strata.key.FragmentedRangeTombstones;
import dev.strata.key.InternalIterator;
import dev.strata.key.ValueKind;

/**
 * The in-memory, multi-versioned write buffer: every write lands here (after the WAL) until a
 * flush turns the memtable into a level-0 table. Entries are internal keys (user key, sequence,
 * kind) and values; a read at snapshot S sees, per user key, the newest entry with sequence <= S.
 *
 * <p>Implementations are thread-safe: any number of threads may add, get and iterate at once.
 * Once the engine makes a memtable immutable no more adds arrive; it stays readable until its
 * flushed table is installed and the last reader drops it (the garbage collector reclaims it).
 */
public interface Memtable {
  /**
   * Adds one entry, or with kind {@link ValueKind#RANGE_DELETE} one range tombstone deleting
   * [{@code key}, {@code value}). A given (key, sequence) pair is added at most once.
   *
   * <p>Requires: {@code key} and {@code value} are not modified afterwards (a memtable may keep the
   * arrays). May block briefly on the entry's shard lock; does no I/O.
   */
  void add(long sequence, ValueKind kind, byte[] key, byte[] value);

  /**
   * The newest version of {@code key} with sequence <= {@code snapshot}: its value, {@link
   * dev.strata.key.Lookup#DELETED} if that version is a tombstone or a range tombstone of this
   * memtable at or below {@code snapshot} covers it (or covers the key with no newer version), or
   * null if there is none, or {@link dev.strata.key.Lookup#MERGE} if that version is a merge
   * operand (the reader then collects the operands below it). A value array belongs to the caller.
   */
  byte[] get(byte[] key, long snapshot);

  /** The range tombstones added so far, fragmented; {@code EMPTY} if none. */
  FragmentedRangeTombstones rangeTombstones();

  /**
   * An iterator over every entry in internal-key order. It holds no lock between calls; entries
   * added after its creation may or may not appear, so readers filter by sequence.
   */
  InternalIterator newIterator();

  /** Approximate heap bytes held by the entries, including Java object overhead. */
  long approximateBytes();

  /** Whether {@link #approximateBytes()} has reached the size limit the memtable was made with. */
  boolean isFull();

  /** Number of entries added, range tombstones included. */
  long entryCount();

  /**
   * Hands the memtable's memory back for reuse by later memtables, if it has any to hand back:
   * called once, when the memtable left its database's memtable set, no point read can still
   * reach it and no iterator holds it. Nothing may read or write the memtable afterwards.
   */
  default void reclaim() {}

  /**
   * Bytes of direct memory the memtable holds for its values (counted in {@link
   * #approximateBytes} too); 0 for a memtable wholly on the heap, and once {@link #reclaim}ed.
   */
  default long offHeapBytes() {
    return 0;
  }

  default boolean isEmpty() {
    return entryCount() == 0;
  }
}
