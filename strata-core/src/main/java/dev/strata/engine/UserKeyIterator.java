package dev.strata.engine;

import dev.strata.DBIterator;
import dev.strata.MergeOperator;
import dev.strata.StrataException;
import dev.strata.key.FragmentedRangeTombstones;
import dev.strata.key.InternalIterator;
import dev.strata.key.Trailer;
import dev.strata.sstable.PrefixBound;
import dev.strata.util.Bytes;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;

/**
 * The user-facing iterator: turns the merged stream of internal entries (every version of every
 * key, tombstones included) into the keys visible at one sequence, within optional bounds, in both
 * directions. Follows LevelDB's {@code DBIter}: moving forward, the internal iterator sits on the
 * current entry; moving backward, it sits just before all entries of the current key, which is
 * saved with its value.
 *
 * <p>It also samples the keys it passes for read-triggered compaction: about once per {@link
 * #SAMPLE_PERIOD} internal entries (a random period, so that regular key patterns cannot dodge
 * it), it hands the current key to the read sampler ({@link BackgroundJobs#recordReadSample}).
 *
 * <p>Prefix-bounded ({@code ReadOptions.prefixSameAsStart}): a seek or seekForPrev sets {@link
 * #prefix} from its target (or clears it for a target out of the extractor's domain) before
 * positioning, so that the table iterators below skip tables that hold no key of it; seekToFirst
 * and seekToLast clear it, position, then set it from the key they landed on. While it is set,
 * the first key without the prefix, in either direction, ends the iteration: keys of one prefix
 * are contiguous ({@link dev.strata.PrefixExtractor}).
 *
 * <p>Not thread-safe. Closing it closes the internal iterator (dropping its table references) and
 * runs the release action (the snapshot registration).
 */
final class UserKeyIterator implements DBIterator {
  /** Mean number of internal entries between two read samples. */
  static final int SAMPLE_PERIOD = 4096;

  private final InternalIterator internal;
  private final long sequence;

  /**
   * Range tombstones visible at {@link #sequence}, one sequence per fragment: an entry below its
   * fragment's sequence is deleted. EMPTY when there are none.
   */
  private final FragmentedRangeTombstones ranges;

  private final byte[] lower;
  private final byte[] upper;

  /** Combines merge operands with the value below them; null if the database has none. */
  private final MergeOperator mergeOperator;

  /**
   * Moving forward, whether the current entry is a merge result held in {@link #savedKey} and
   * {@link #savedValue} (the internal iterator is then past the operands it combined).
   */
  private boolean merged;

  /** Merge operands of the key being scanned; reused. */
  private final List<byte[]> operands = new ArrayList<>();

  /** The prefix bound shared with the table iterators below, or null if not prefix-bounded. */
  private final PrefixBound prefix;
  private final Runnable onClose;
  private final DbStatus status;
  private final Consumer<byte[]> readSampler;

  private boolean valid;
  private boolean forward = true;
  private byte[] savedKey;
  private byte[] savedValue;
  private boolean closed;

  /** Internal entries left before the next read sample. */
  private int untilSample = samplePeriod();

  UserKeyIterator(
      DbStatus status,
      Consumer<byte[]> readSampler,
      InternalIterator internal,
      long sequence,
      FragmentedRangeTombstones ranges,
      byte[] lower,
      byte[] upper,
      MergeOperator mergeOperator,
      PrefixBound prefix,
      Runnable onClose) {
    this.mergeOperator = mergeOperator;
    this.prefix = prefix;
    this.ranges = ranges;
    this.status = status;
    this.readSampler = readSampler;
    this.internal = internal;
    this.sequence = sequence;
    this.lower = lower;
    this.upper = upper;
    this.onClose = onClose;
  }

  /** A table read failed while positioning: callers are promised a {@link StrataException}. */
  private StrataException readFailure(UncheckedIOException e) {
    checkOpen();
    return new StrataException("read failed: " + e.getCause().getMessage(), e.getCause());
  }

  private void checkOpen() {
    if (closed) {
      throw new StrataException("iterator is closed");
    }
    status.checkOpen();
  }

  @Override
  public void seekToFirst() {
    try {
      seekToFirstUnchecked();
    } catch (UncheckedIOException e) {
      throw readFailure(e);
    }
  }

  private void seekToFirstUnchecked() {
    checkOpen();
    if (prefix != null) {
      prefix.clear();
    }
    forward = true;
    merged = false;
    if (lower != null) {
      internal.seek(lower, Trailer.seekTrailer(sequence));
    } else {
      internal.seekToFirst();
    }
    findNextUserEntry(false, null);
    if (prefix != null && valid) {
      // The key landed on: after a merge the internal iterator is already past its operands.
      prefix.setFrom(merged ? savedKey : internal.userKey());
    }
  }

  @Override
  public void seekToLast() {
    try {
      seekToLastUnchecked();
    } catch (UncheckedIOException e) {
      throw readFailure(e);
    }
  }

  private void seekToLastUnchecked() {
    checkOpen();
    if (prefix != null) {
      prefix.clear();
    }
    positionLast();
    if (prefix != null && valid) {
      prefix.setFrom(savedKey);
    }
  }

  /** Positions on the last visible key below the upper bound (and within the prefix, if set). */
  private void positionLast() {
    forward = false;
    merged = false;
    if (upper != null) {
      // (upper, max trailer) sorts before every entry of upper: the last entry at or before it
      // is the last entry with a key below the bound.
      internal.seekForPrev(upper, Long.MAX_VALUE);
    } else {
      internal.seekToLast();
    }
    findPrevUserEntry();
  }

  @Override
  public void seek(byte[] target) {
    try {
      seekUnchecked(target);
    } catch (UncheckedIOException e) {
      throw readFailure(e);
    }
  }

  private void seekUnchecked(byte[] target) {
    checkOpen();
    java.util.Objects.requireNonNull(target, "target");
    forward = true;
    merged = false;
    if (prefix != null) {
      prefix.setFrom(target);
    }
    byte[] t = lower != null && Bytes.compare(target, lower) < 0 ? lower : target;
    internal.seek(t, Trailer.seekTrailer(sequence));
    findNextUserEntry(false, null);
  }

  @Override
  public void seekForPrev(byte[] target) {
    try {
      seekForPrevUnchecked(target);
    } catch (UncheckedIOException e) {
      throw readFailure(e);
    }
  }

  private void seekForPrevUnchecked(byte[] target) {
    checkOpen();
    java.util.Objects.requireNonNull(target, "target");
    if (prefix != null) {
      prefix.setFrom(target);
    }
    if (upper != null && Bytes.compare(target, upper) >= 0) {
      positionLast();
      return;
    }
    forward = false;
    merged = false;
    // (target, trailer 0) sorts after every entry of target.
    internal.seekForPrev(target, 0);
    findPrevUserEntry();
  }

  @Override
  public boolean isValid() {
    checkOpen();
    return valid;
  }

  @Override
  public byte[] key() {
    checkValid();
    return (forward && !merged ? internal.userKey() : savedKey).clone();
  }

  @Override
  public byte[] value() {
    checkValid();
    return (forward && !merged ? internal.value() : savedValue).clone();
  }

  private void checkValid() {
    checkOpen();
    if (!valid) {
      throw new IllegalStateException("iterator is not positioned on an entry");
    }
  }

  @Override
  public void next() {
    try {
      nextUnchecked();
    } catch (UncheckedIOException e) {
      throw readFailure(e);
    }
  }

  private void nextUnchecked() {
    checkValid();
    byte[] skip;
    if (!forward) {
      forward = true;
      // The internal iterator is just before the entries of savedKey: step into them.
      if (!internal.isValid()) {
        internal.seekToFirst();
      } else {
        internal.next();
      }
      if (!internal.isValid()) {
        valid = false;
        return;
      }
      skip = savedKey;
    } else if (merged) {
      // The internal iterator is already past the operands of savedKey.
      skip = savedKey;
      merged = false;
    } else {
      skip = internal.userKey();
      internal.next();
    }
    findNextUserEntry(true, skip);
  }

  @Override
  public void prev() {
    try {
      prevUnchecked();
    } catch (UncheckedIOException e) {
      throw readFailure(e);
    }
  }

  private void prevUnchecked() {
    checkValid();
    if (forward && merged) {
      // (savedKey, max trailer) sorts before every entry of savedKey: the last entry at or
      // before it is just before them.
      merged = false;
      forward = false;
      internal.seekForPrev(savedKey, Long.MAX_VALUE);
      if (!internal.isValid()) {
        valid = false;
        savedKey = null;
        savedValue = null;
        return;
      }
    } else if (forward) {
      // Back up to just before every entry of the current key.
      savedKey = internal.userKey();
      while (true) {
        internal.prev();
        if (!internal.isValid()) {
          valid = false;
          savedKey = null;
          savedValue = null;
          return;
        }
        if (Bytes.compare(internal.userKey(), savedKey) < 0) {
          break;
        }
      }
      forward = false;
    }
    findPrevUserEntry();
  }

  private static int samplePeriod() {
    return ThreadLocalRandom.current().nextInt(2 * SAMPLE_PERIOD);
  }

  /** Counts one internal entry passed; on the sampled one, hands its key to the engine. */
  private void countEntry() {
    if (--untilSample < 0) {
      untilSample = samplePeriod();
      readSampler.accept(internal.userKey());
    }
  }

  /** Forward: stops at the newest visible live entry of the next key not <= {@code skip}. */
  private void findNextUserEntry(boolean skipping, byte[] skip) {
    while (internal.isValid()) {
      countEntry();
      long trailer = internal.trailer();
      if (Trailer.sequence(trailer) <= sequence) {
        byte[] key = internal.userKey();
        if (!(skipping && Bytes.compare(key, skip) <= 0)) {
          if (upper != null && Bytes.compare(key, upper) >= 0) {
            break;
          }
          if (outsidePrefix(key)) {
            break;
          }
          if (Trailer.isDelete(trailer) || hiddenByRange(key, trailer)) {
            skip = key;
            skipping = true;
          } else if (Trailer.isMerge(trailer)) {
            mergeForward(key);
            return;
          } else {
            valid = true;
            return;
          }
        }
      }
      internal.next();
    }
    valid = false;
  }

  /**
   * Backward: scans entries oldest to newest per key, keeping the newest visible version of the
   * current key; stops on reaching a smaller key once it holds a live value.
   */
  private void findPrevUserEntry() {
    boolean haveValue = false;
    savedKey = null;
    savedValue = null;
    byte[] base = null;
    operands.clear();
    byte[] lastKey = null;
    long lastTrailer = -1;
    while (internal.isValid()) {
      countEntry();
      long trailer = internal.trailer();
      if (Trailer.sequence(trailer) <= sequence) {
        byte[] key = internal.userKey();
        if (lower != null && Bytes.compare(key, lower) < 0) {
          break;
        }
        if (outsidePrefix(key)) {
          break;
        }
        if (haveValue && Bytes.compare(key, savedKey) < 0) {
          break;
        }
        if (trailer == lastTrailer && Bytes.compare(key, lastKey) == 0) {
          // The same version from two sources: counted once (see mergeForward).
          internal.prev();
          continue;
        }
        lastKey = key;
        lastTrailer = trailer;
        if (Trailer.isDelete(trailer) || hiddenByRange(key, trailer)) {
          haveValue = false;
          savedKey = null;
          base = null;
          operands.clear();
        } else if (Trailer.isMerge(trailer)) {
          if (!haveValue) {
            base = null;
            operands.clear();
          }
          haveValue = true;
          savedKey = key;
          operands.add(internal.value());
        } else {
          haveValue = true;
          savedKey = key;
          base = internal.value();
          operands.clear();
        }
      }
      internal.prev();
    }
    valid = haveValue;
    if (!valid) {
      savedKey = null;
      savedValue = null;
    } else {
      // Scanned oldest first: the operands are in the order the operator takes them.
      savedValue = operands.isEmpty() ? base : fullMerge(savedKey, base, operands);
    }
    operands.clear();
  }

  /**
   * Forward, on the newest visible version of {@code key}, a merge operand: collects it and the
   * older operands below it down to a value, a deletion, a range deletion or the key's end, and
   * holds the merged value in {@link #savedValue}.
   */
  private void mergeForward(byte[] key) {
    operands.clear();
    operands.add(internal.value());
    long last = internal.trailer();
    byte[] base = null;
    internal.next();
    while (internal.isValid() && Bytes.compare(internal.userKey(), key) == 0) {
      countEntry();
      long trailer = internal.trailer();
      if (trailer == last) {
        // The same version from two sources (a memtable and the table its flush wrote, both
        // pinned by this iterator): counted once.
        internal.next();
        continue;
      }
      last = trailer;
      if (Trailer.isDelete(trailer) || hiddenByRange(key, trailer)) {
        break;
      }
      if (!Trailer.isMerge(trailer)) {
        base = internal.value();
        break;
      }
      operands.add(internal.value());
      internal.next();
    }
    java.util.Collections.reverse(operands);
    savedKey = key;
    savedValue = fullMerge(key, base, operands);
    operands.clear();
    merged = true;
    valid = true;
  }

  private byte[] fullMerge(byte[] key, byte[] base, List<byte[]> ops) {
    return Merging.fullMerge(mergeOperator, key, base, ops);
  }

  /** Whether the iterator is prefix-bounded and {@code key} lacks the prefix. */
  private boolean outsidePrefix(byte[] key) {
    return prefix != null && prefix.isSet() && !prefix.matches(key);
  }

  /** Whether a visible range tombstone deletes the entry {@code key} with {@code trailer}. */
  private boolean hiddenByRange(byte[] key, long trailer) {
    return !ranges.isEmpty()
        && ranges.coveringSequence(key, sequence) > Trailer.sequence(trailer);
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      internal.close();
    } finally {
      onClose.run();
    }
  }
}
