package dev.strata;

/**
 * A consistent point-in-time view of the database: reads through it see exactly the writes that
 * were acknowledged before it was taken, whatever happens later. Obtain with {@link
 * StrataDB#getSnapshot()}; close it to let compaction drop the old versions it keeps alive.
 * Thread-safe.
 */
public interface Snapshot extends AutoCloseable {
  /** The sequence number of the last write the snapshot sees. */
  long sequence();

  /** Releases the snapshot; idempotent. Reads through a released snapshot throw. */
  @Override
  void close();
}
