package dev.strata.compaction;

import dev.strata.CompactionFilter;
import dev.strata.CompactionFilter.Decision;
import dev.strata.key.Trailer;
import dev.strata.key.ValueKind;
import java.io.IOException;
import java.util.Arrays;
import java.util.function.Predicate;

/**
 * Offers a compaction's values to the user's {@link CompactionFilter} and writes what it decides,
 * after the shadow and range-tombstone checks and {@link MergeCollapser}, just before the table
 * output. An entry is offered only if it is a value, the first entry of its key the stage is
 * given, and in the latest stripe (above every live snapshot, so that no snapshot can see it; see
 * {@link ShadowFilter}). Everything else passes through unchanged.
 *
 * <p>So the filter sees full values only, never a merge operand: a put's value, or the value a
 * key's operands collapsed to (onto the value or deletion below them, or onto nothing at the
 * bottom), at the newest operand's sequence. A stripe the collapser left as operands (no base in
 * reach, or a failed operator) starts with an operand, and its value below, if any, is not
 * offered: removing it would change what the operands above it merge onto.
 *
 * <p>The first entry given is the first entry read whenever it lies in the latest stripe, so it
 * is the key's newest version among the inputs: the stages before drop an entry of the latest
 * stripe only together with every older one of that stripe (a range tombstone covering it covers
 * them too, and {@link ShadowFilter} drops what a newer entry of the stripe shadows), so an entry
 * given after a dropped one is in an older stripe and is not offered.
 *
 * <p>A removal writes a deletion at the entry's own sequence, so that an older version in a level
 * below the output stays hidden. It writes nothing when that cannot happen: no level below holds
 * the key, and there is no snapshot, so the versions of the key this compaction holds below the
 * value are all in the latest stripe, where {@link ShadowFilter} drops them. With a snapshot, an
 * older version in its stripe is kept, and the deletion keeps it hidden from the latest readers.
 * A change writes the new value at the entry's own sequence.
 *
 * <p>A filter that throws an exception (checked ones thrown sneakily included) or returns null
 * keeps the entry as it was; the first failure of the job is kept for the caller to log once it
 * has released {@code compactionRunLock}. An {@link Error} fails the compaction as an I/O error
 * would (its outputs are deleted). The filter runs on the job's thread, which holds {@code
 * compactionRunLock} only (see {@code docs/design/locking.md}). Not thread-safe: one per job.
 */
final class CompactionFilterStage {
  private static final byte[] NO_VALUE = new byte[0];

  private final CompactionFilter filter;
  private final int level;
  private final long[] snapshots;
  private final Predicate<byte[]> bottommostForKey;
  private final MergeCollapser.Sink next;

  /** The key of the last entry given. */
  private byte[] lastKey;

  private long removed;
  private long changed;
  private long failures;
  private Exception firstFailure;

  /**
   * @param level the compaction's upper input level, passed to the filter
   * @param snapshots live snapshot sequences, ascending
   * @param bottommostForKey whether no level below the output can hold a key
   * @param next where entries go on to
   */
  CompactionFilterStage(
      CompactionFilter filter,
      int level,
      long[] snapshots,
      Predicate<byte[]> bottommostForKey,
      MergeCollapser.Sink next) {
    this.filter = filter;
    this.level = level;
    this.snapshots = snapshots;
    this.bottommostForKey = bottommostForKey;
    this.next = next;
  }

  /**
   * Takes the next entry the compaction keeps, in internal-key order, with the value {@code
   * value[offset, offset + length)} (possibly lent by an input: only the filter gets a copy).
   */
  void add(byte[] userKey, long trailer, byte[] value, int offset, int length)
      throws IOException {
    boolean firstOfKey = lastKey == null || !Arrays.equals(lastKey, userKey);
    lastKey = userKey;
    if (!firstOfKey
        || Trailer.kindCode(trailer) != ValueKind.VALUE.code()
        || stripeOf(Trailer.sequence(trailer)) != snapshots.length) {
      next.add(userKey, trailer, value, offset, length);
      return;
    }
    Decision d = decide(userKey, Arrays.copyOfRange(value, offset, offset + length));
    switch (d.kind()) {
      case KEEP -> next.add(userKey, trailer, value, offset, length);
      case CHANGE -> {
        changed++;
        byte[] changedValue = d.newValue();
        next.add(userKey, trailer, changedValue, 0, changedValue.length);
      }
      case REMOVE -> {
        removed++;
        if (snapshots.length > 0 || !bottommostForKey.test(userKey)) {
          next.add(
              userKey, Trailer.pack(Trailer.sequence(trailer), ValueKind.DELETE), NO_VALUE, 0, 0);
        }
      }
    }
  }

  /** The filter's decision, or {@link Decision#KEEP} if it failed. */
  private Decision decide(byte[] userKey, byte[] value) {
    Decision d;
    try {
      d = filter.filter(level, userKey, value);
      if (d == null) {
        throw new NullPointerException("the filter returned null");
      }
    } catch (Exception e) {
      failed(e);
      return Decision.KEEP;
    }
    // A changed value fits a table entry: Decision.change caps it at StrataDB.MAX_VALUE_BYTES.
    return d;
  }

  private void failed(Exception e) {
    if (failures++ == 0) {
      firstFailure = e;
    }
  }

  private int stripeOf(long seq) {
    return Stripes.of(snapshots, seq);
  }

  long removed() {
    return removed;
  }

  long changed() {
    return changed;
  }

  long failures() {
    return failures;
  }

  /** The first failure of the job, or null. */
  Exception firstFailure() {
    return firstFailure;
  }
}
