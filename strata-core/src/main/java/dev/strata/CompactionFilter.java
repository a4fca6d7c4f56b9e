package dev.strata;

import java.util.Objects;

/**
 * Decides, during compaction, whether a value is kept, removed or replaced, as RocksDB's {@code
 * CompactionFilter} does: expiry (see {@link CompactionFilters#ttl}), garbage collection of keys
 * the application no longer needs, or rewriting values in the background. Set with {@code
 * Options.builder().compactionFilter(...)}.
 *
 * <p><b>What is offered.</b> Strata offers an entry only when a compaction (not a flush: as in
 * RocksDB, a flushed table is filtered at its first compaction) rewrites it, and only if:
 *
 * <ul>
 *   <li>it is a full value (never a deletion, a range deletion or a merge operand: merge operands
 *       are not offered, unlike RocksDB's {@code FilterMergeOperand});
 *   <li>it is the newest version of its key among the compaction's inputs; and
 *   <li>no live snapshot can see it: a version a snapshot reads is never filtered, so a snapshot
 *       reads the same before and after any compaction. Once the snapshot is released, the next
 *       compaction of the key offers it.
 * </ul>
 *
 * A snapshot taken while a compaction runs sees every version the compaction reads; so a
 * compaction whose filter removed or changed anything installs its outputs only if no snapshot
 * was taken since it began (else it writes them again, respecting the new snapshot; after three
 * such passes, once more without the filter), and a snapshot asked for during that install waits for it to
 * end (one manifest write). Reads without a snapshot have no such promise: a {@code multiGet} that
 * runs across an install may see one key before the filter's decision and another after it.
 *
 * A newer version of the key may live outside the compaction (in a memtable or a higher level);
 * what the filter decides for the older one is then invisible to readers, unless that newer
 * version is a merge operand (below).
 *
 * <p><b>Merge operands.</b> The filter sees full values only. A compaction first folds each key's
 * merge operands ({@link MergeOperator}) and then offers the result: when the operands of a key's
 * newest versions collapse onto the value or deletion below them (or onto nothing, where no level
 * below can hold the key), the filter is offered that full value, at the newest operand's
 * sequence, in the same compaction. When they cannot collapse (the value they apply to lies
 * outside the compaction, or a snapshot separates them from it), the key's newest entry is an
 * operand and nothing of the key is offered: neither the operands nor a partial merge of them,
 * nor the value below them. A value whose newer operands live outside the compaction is offered
 * as any value is, and those operands then apply to what the filter leaves: after {@link
 * Decision#REMOVE} they merge onto no value, after {@link Decision#change(byte[])} onto the new
 * one, exactly as if the application had deleted or rewritten the value before writing them.
 *
 * <p><b>Decisions.</b> {@link Decision#KEEP} writes the entry as it was. {@link Decision#REMOVE}
 * removes the key: the entry is replaced by a deletion at the same sequence number, so that an
 * older version in a level below the compaction cannot reappear, or is dropped outright when no
 * level below can hold the key and no snapshot is live. {@link
 * Decision#change(byte[])} replaces the value, at the same sequence number.
 *
 * <p><b>Threads and locks.</b> The filter runs on the compaction's thread (the background
 * compaction worker, or the caller of {@link StrataDB#compactRange}). That thread holds only the
 * compaction run lock, which no read or write ever waits for; so a slow filter slows compaction,
 * never a read or write directly. The filter must not call back into the database that runs it (a
 * write may wait for this very compaction to make room). Implementations must be thread-safe,
 * deterministic enough to be safe to call again on the same entry (a compaction aborted by close
 * runs again later), and must not keep or change the arrays they are given.
 *
 * <p><b>Failure.</b> A filter that throws (or returns null) keeps the entry as it was: nothing is
 * lost or corrupted. The compaction goes on, counts the failure in {@link
 * Ticker#COMPACTION_FILTER_FAILURES} and logs the first failure of each compaction.
 */
public interface CompactionFilter {
  /**
   * What to do with one value.
   *
   * @param level the level the compaction reads from (its upper input level), as RocksDB passes
   * @param key the user key
   * @param value the stored value (for a database opened with {@link CompactionFilters#ttl}, the
   *     user's value followed by its write time; see {@link CompactionFilters})
   * @return the decision, not null
   */
  Decision filter(int level, byte[] key, byte[] value);

  /** A name for logs and {@link Options#toString()}. */
  default String name() {
    return getClass().getName();
  }

  /**
   * A filter's decision about one entry: {@link #KEEP}, {@link #REMOVE} or {@link
   * #change(byte[])}. Immutable.
   */
  final class Decision {
    /** What a decision does. */
    public enum Kind {
      /** Write the entry as it was. */
      KEEP,
      /** Remove the key (see {@link CompactionFilter}). */
      REMOVE,
      /** Replace the value. */
      CHANGE
    }

    /** Keep the entry as it was. */
    public static final Decision KEEP = new Decision(Kind.KEEP, null);

    /** Remove the key; an older version in a lower level does not reappear. */
    public static final Decision REMOVE = new Decision(Kind.REMOVE, null);

    private final Kind kind;
    private final byte[] newValue;

    private Decision(Kind kind, byte[] newValue) {
      this.kind = kind;
      this.newValue = newValue;
    }

    /**
     * Replace the value with {@code newValue} (copied), at the same sequence number.
     *
     * @throws NullPointerException if {@code newValue} is null
     * @throws IllegalArgumentException if it is longer than {@link StrataDB#MAX_VALUE_BYTES}
     */
    public static Decision change(byte[] newValue) {
      Objects.requireNonNull(newValue, "newValue");
      StrataDB.checkValue(newValue);
      return new Decision(Kind.CHANGE, newValue.clone());
    }

    public Kind kind() {
      return kind;
    }

    /** The replacement value (a copy) for {@link Kind#CHANGE}, else null. */
    public byte[] newValue() {
      return newValue == null ? null : newValue.clone();
    }

    @Override
    public String toString() {
      return kind == Kind.CHANGE ? "CHANGE(" + newValue.length + " bytes)" : kind.name();
    }
  }
}
