package dev.strata.sstable;

import dev.strata.key.InternalIterator;
import dev.strata.key.Trailer;
import java.util.Arrays;

/**
 * The entries of an ingested table as the database sees them: each stored at sequence 0, read at
 * the table's global sequence with its own kind. Such a table holds one entry per user key, so
 * seeks are by user key, then a step past the key's entry when its effective trailer puts it on
 * the other side of the target. Not thread-safe, as every {@link InternalIterator}.
 */
final class GlobalSequenceIterator implements InternalIterator {
  private final InternalIterator inner;
  private final long globalSequence;

  GlobalSequenceIterator(InternalIterator inner, long globalSequence) {
    this.inner = inner;
    this.globalSequence = globalSequence;
  }

  @Override
  public boolean isValid() {
    return inner.isValid();
  }

  @Override
  public void seekToFirst() {
    inner.seekToFirst();
  }

  @Override
  public void seekToLast() {
    inner.seekToLast();
  }

  /** First entry at or after (userKey, trailer): the key's entry only if its trailer <= target. */
  @Override
  public void seek(byte[] userKey, long trailer) {
    inner.seek(userKey, Trailer.seekTrailer(Trailer.MAX_SEQUENCE));
    if (inner.isValid() && trailer() > trailer && Arrays.equals(inner.userKey(), userKey)) {
      inner.next();
    }
  }

  /** Last entry at or before (userKey, trailer): the key's entry only if its trailer >= target. */
  @Override
  public void seekForPrev(byte[] userKey, long trailer) {
    inner.seekForPrev(userKey, 0);
    if (inner.isValid() && trailer() < trailer && Arrays.equals(inner.userKey(), userKey)) {
      inner.prev();
    }
  }

  @Override
  public void next() {
    inner.next();
  }

  @Override
  public void prev() {
    inner.prev();
  }

  @Override
  public byte[] userKey() {
    return inner.userKey();
  }

  @Override
  public long trailer() {
    return Trailer.withSequence(inner.trailer(), globalSequence);
  }

  @Override
  public byte[] value() {
    return inner.value();
  }

  @Override
  public void close() {
    inner.close();
  }
}
