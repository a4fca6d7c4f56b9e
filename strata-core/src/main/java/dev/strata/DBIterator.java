package dev.strata;

/**
 * A cursor over the database's keys in unsigned lexicographic order, at the point in time it was
 * created (or its {@link ReadOptions#snapshot()}): later writes are not seen. Bounds from {@link
 * ReadOptions} limit it, and so does {@link ReadOptions.Builder#prefixSameAsStart}, which keeps it
 * within the prefix of the key it was positioned at (see there for each seek). Not thread-safe: confine each iterator to one thread at a time. Close it:
 * an open iterator keeps the table files it reads alive.
 *
 * <p>Every method throws {@link StrataException} after {@link #close()} or after its database
 * closed, and {@link CorruptionException} if a damaged block is met.
 */
public interface DBIterator extends AutoCloseable {
  void seekToFirst();

  void seekToLast();

  /** Positions at the first key at or after {@code target}. */
  void seek(byte[] target);

  /** Positions at the last key at or before {@code target}. */
  void seekForPrev(byte[] target);

  boolean isValid();

  /** Requires: {@link #isValid()}. Returns a copy owned by the caller. */
  byte[] key();

  /** Requires: {@link #isValid()}. Returns a copy owned by the caller. */
  byte[] value();

  /** Requires: {@link #isValid()}. */
  void next();

  /** Requires: {@link #isValid()}. */
  void prev();

  /** Releases what the iterator pins; idempotent. */
  @Override
  void close();
}
