package dev.strata.fs;

import java.io.Closeable;
import java.io.IOException;

/** An exclusive lock on a database directory's {@code LOCK} file; closing releases it. */
public interface FileLockHandle extends Closeable {
  /** No lock at all: what a read-only open holds. */
  FileLockHandle NONE = () -> {};

  @Override
  void close() throws IOException;
}
