package dev.strata.bench.engine;

/**
 * A forward cursor over an engine's keys in unsigned byte order. Confined to the thread that made
 * it; closed by that thread.
 */
public interface EngineCursor extends AutoCloseable {
  void seekToFirst();

  /** Positions at the first key at or after {@code key}. */
  void seek(byte[] key);

  boolean isValid();

  /** Requires: {@link #isValid()}. */
  void next();

  /** Requires: {@link #isValid()}. */
  byte[] key();

  /** Requires: {@link #isValid()}. */
  byte[] value();

  @Override
  void close();
}
