package dev.strata.fs;

import java.io.Closeable;
import java.io.IOException;

/**
 * A file being written from its start, append only. Confined to one writer at a time (the WAL's
 * group-commit leader, a flush or compaction job); the owner closes it.
 *
 * <p>Interrupts: an interrupt never closes the file; the call completes and the flag is restored.
 * A writer interrupted during {@link #append} or {@link #sync} (a group-commit leader whose task
 * was cancelled, a pool thread hit by {@code shutdownNow}) has every byte written or forced, and
 * returns with its interrupt status set; the file stays open for the next append.
 */
public interface WritableFile extends Closeable {
  /** Hands the bytes to the operating system: they survive the process dying, not a power loss. */
  void append(byte[] data, int offset, int length) throws IOException;

  /** Forces everything appended so far to stable storage. */
  void sync() throws IOException;

  /** Bytes appended so far. */
  long size();

  @Override
  void close() throws IOException;
}
