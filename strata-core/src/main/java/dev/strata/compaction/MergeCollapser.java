package dev.strata.compaction;

import dev.strata.MergeOperator;
import dev.strata.key.BorrowedValue;
import dev.strata.key.InternalIterator;
import dev.strata.key.Trailer;
import dev.strata.key.ValueKind;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Folds the merge operands a flush or compaction keeps (after {@link ShadowFilter} and the range
 * tombstones have dropped what no reader needs), as RocksDB's {@code MergeHelper} does. Entries
 * arrive in internal-key order; a key's run from its first merge operand on is held until the key
 * ends, then cut into snapshot stripes (no snapshot separates the versions of one stripe, so every
 * reader sees a stripe whole or not at all), and each stripe that starts with operands becomes:
 *
 * <ul>
 *   <li>one value, the full merge of the operands onto the stripe's value or deletion below them
 *       (the deletion counts as no value), at the newest operand's sequence;
 *   <li>if the stripe has no such version: one value, the full merge onto nothing, when it is the
 *       key's oldest stripe and no level below the output holds the key; otherwise one operand,
 *       the operands folded by {@link MergeOperator#partialMerge} if it combines every pair, else
 *       the operands as they were.
 * </ul>
 *
 * <p>An operator that throws leaves that stripe as written (nothing is lost; the read that meets
 * it reports the failure), counted in {@code failures}. Without an operator every entry passes
 * through. Not thread-safe: one per job.
 */
final class MergeCollapser {
  private static final Logger LOG = LoggerFactory.getLogger(MergeCollapser.class);

  /**
   * Where kept entries go: the job's table output, through the compaction filter if one is set.
   * The value is {@code value[offset, offset + length)}, possibly lent by an input (valid only
   * during the call): the sink copies what it keeps.
   */
  interface Sink {
    void add(byte[] userKey, long trailer, byte[] value, int offset, int length)
        throws IOException;
  }

  private final MergeOperator operator;
  private final long[] snapshots;
  private final Predicate<byte[]> bottommostForKey;
  private final Sink sink;

  /** The key whose run is held, or null. */
  private byte[] pendingKey;

  private final List<Long> trailers = new ArrayList<>();
  private final List<byte[]> values = new ArrayList<>();
  private long failures;
  private long merged;

  /**
   * @param snapshots live snapshot sequences, ascending
   * @param bottommostForKey whether no level below the output can hold a key; null: never assume
   *     so (a flush)
   */
  MergeCollapser(
      MergeOperator operator, long[] snapshots, Predicate<byte[]> bottommostForKey, Sink sink) {
    this.operator = operator;
    this.snapshots = snapshots;
    this.bottommostForKey = bottommostForKey;
    this.sink = sink;
  }

  /**
   * Takes the next kept entry, {@code source}'s current one. An entry that passes straight
   * through (most: no operand run is held for its key and it is no operand) goes to the sink with
   * the value {@code source} lends ({@link InternalIterator#borrowValue}), so that it is copied
   * once, into the output block; an entry held for folding is copied ({@link
   * InternalIterator#value}).
   */
  void add(byte[] userKey, long trailer, InternalIterator source) throws IOException {
    if (pendingKey != null && !Arrays.equals(pendingKey, userKey)) {
      drain();
    }
    if (pendingKey == null) {
      if (operator == null || !Trailer.isMerge(trailer)) {
        BorrowedValue v = source.borrowValue();
        sink.add(userKey, trailer, v.array(), v.offset(), v.length());
        return;
      }
      pendingKey = userKey;
    }
    trailers.add(trailer);
    values.add(source.value());
  }

  /** Writes what is held; call once after the last entry. */
  void finish() throws IOException {
    if (pendingKey != null) {
      drain();
    }
  }

  /** Keys whose stripe the operator failed on. */
  long failures() {
    return failures;
  }

  /** Stripes of operands folded into one entry. */
  long merged() {
    return merged;
  }

  private void drain() throws IOException {
    byte[] key = pendingKey;
    int n = trailers.size();
    int start = 0;
    while (start < n) {
      int stripe = stripeOf(Trailer.sequence(trailers.get(start)));
      int end = start + 1;
      while (end < n && stripeOf(Trailer.sequence(trailers.get(end))) == stripe) {
        end++;
      }
      writeStripe(key, start, end, end == n);
      start = end;
    }
    pendingKey = null;
    trailers.clear();
    values.clear();
  }

  /** Entries [from, to) of the held run: one stripe; {@code oldest} if nothing older follows. */
  private void writeStripe(byte[] key, int from, int to, boolean oldest) throws IOException {
    int ops = from;
    while (ops < to && Trailer.isMerge(trailers.get(ops))) {
      ops++;
    }
    if (ops == from) {
      // The stripe starts with a value or a deletion: nothing to fold.
      writeAsIs(key, from, to);
      return;
    }
    long newest = Trailer.sequence(trailers.get(from));
    List<byte[]> operands = new ArrayList<>(ops - from);
    for (int i = ops - 1; i >= from; i--) {
      operands.add(values.get(i));
    }
    // Only the operator's calls are guarded: a failure of the sink must propagate.
    byte[] result = null;
    boolean isValue = false;
    try {
      if (ops < to) {
        // A value or deletion below the operands, in the same stripe: the readers of the stripe
        // all see the merge of the two.
        byte[] base = Trailer.isDelete(trailers.get(ops)) ? null : values.get(ops);
        result = operator.fullMerge(key, base, operands);
        isValue = true;
      } else if (oldest && bottommostForKey != null && bottommostForKey.test(key)) {
        result = operator.fullMerge(key, null, operands);
        isValue = true;
      } else if (operands.size() > 1) {
        byte[] folded = operands.get(0);
        for (int i = 1; i < operands.size() && folded != null; i++) {
          folded = operator.partialMerge(key, folded, operands.get(i));
        }
        result = folded;
      }
    } catch (RuntimeException e) {
      failures++;
      result = null;
      LOG.warn(
          "merge operator {} failed on a key of {} operands; they are kept as written: {}",
          operator.name(),
          operands.size(),
          e.toString());
    }
    if (result == null) {
      writeAsIs(key, from, to);
      return;
    }
    merged++;
    if (isValue) {
      emit(key, Trailer.pack(newest, ValueKind.VALUE), result);
      // Nothing of the stripe lies below its value or deletion (ShadowFilter dropped it).
      writeAsIs(key, Math.min(ops + 1, to), to);
    } else {
      emit(key, Trailer.pack(newest, ValueKind.MERGE), result);
    }
  }

  private void writeAsIs(byte[] key, int from, int to) throws IOException {
    for (int i = from; i < to; i++) {
      emit(key, trailers.get(i), values.get(i));
    }
  }

  private void emit(byte[] key, long trailer, byte[] value) throws IOException {
    sink.add(key, trailer, value, 0, value.length);
  }

  private int stripeOf(long seq) {
    return Stripes.of(snapshots, seq);
  }
}
