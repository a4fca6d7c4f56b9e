package dev.strata.memtable;

import dev.strata.key.InternalIterator;

/**
 * A bidirectional {@link InternalIterator} that copies a bounded chunk of entry references under
 * its source's lock and then releases it, so that an iterator never holds a lock between calls and
 * never blocks writers for longer than one chunk copy. Subclasses say how a chunk is filled and
 * how its entries are read.
 *
 * <p>Consistency comes from sequence numbers rather than from the lock: entries added after the
 * iterator's snapshot may show up in a later chunk, and the reader above skips them. Chunks start
 * at 8 entries and double up to 256, so a seek followed by a few nexts copies little while a long
 * scan amortises each lock acquisition over many entries.
 *
 * <p>Not thread-safe; closing releases nothing but the buffers.
 */
abstract class ChunkedCursor implements InternalIterator {
  static final int FIRST_CHUNK = 8;
  static final int MAX_CHUNK = 256;

  /** Entries in the current chunk, indexed by {@code pos}; {@code count < capacity}: the last. */
  private int count;

  private int pos;
  private int capacity;
  private boolean forward = true;

  /**
   * Copies up to {@code capacity} entry references into the subclass's buffers (grown to at least
   * {@code capacity}), in iteration order, starting next to {@code (fromKey, fromTrailer)}.
   *
   * @param fromKey null for the first entry in that direction
   * @param inclusive whether an entry equal to the start is included
   * @param forward ascending internal-key order if true, descending otherwise
   * @return the number of entries copied; fewer than {@code capacity} means the end was reached
   */
  abstract int fill(
      byte[] fromKey, long fromTrailer, boolean inclusive, boolean forward, int capacity);

  /** The position within the current chunk of the entry the accessors read. */
  final int position() {
    return pos;
  }

  @Override
  public final boolean isValid() {
    return pos < count;
  }

  @Override
  public final void seekToFirst() {
    load(null, 0, true, true, FIRST_CHUNK);
  }

  @Override
  public final void seekToLast() {
    load(null, 0, true, false, FIRST_CHUNK);
  }

  @Override
  public final void seek(byte[] userKey, long trailer) {
    load(userKey, trailer, true, true, FIRST_CHUNK);
  }

  @Override
  public final void seekForPrev(byte[] userKey, long trailer) {
    load(userKey, trailer, true, false, FIRST_CHUNK);
  }

  @Override
  public final void next() {
    step(true);
  }

  @Override
  public final void prev() {
    step(false);
  }

  private void step(boolean wantForward) {
    if (forward != wantForward) {
      load(userKey(), trailer(), false, wantForward, FIRST_CHUNK);
    } else if (pos + 1 == count && count == capacity) {
      // The chunk was full, so more entries may follow: fetch the next, larger chunk.
      load(userKey(), trailer(), false, wantForward, Math.min(capacity * 2, MAX_CHUNK));
    } else {
      pos++;
    }
  }

  private void load(byte[] fromKey, long fromTrailer, boolean inclusive, boolean dir, int cap) {
    capacity = cap;
    forward = dir;
    pos = 0;
    count = fill(fromKey, fromTrailer, inclusive, dir, cap);
  }

  @Override
  public void close() {
    count = 0;
    pos = 0;
  }
}
