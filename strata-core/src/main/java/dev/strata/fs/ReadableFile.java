package dev.strata.fs;

import java.io.Closeable;
import java.io.IOException;

/**
 * A file opened for positional reads. Thread-safe: positional reads do not share a cursor. The
 * owner (a table reader or log reader) closes it.
 */
public interface ReadableFile extends Closeable {
  /**
   * Reads exactly {@code length} bytes at {@code position}.
   *
   * @throws java.io.EOFException if the file ends first
   */
  void readFully(long position, byte[] dst, int offset, int length) throws IOException;

  long size() throws IOException;

  @Override
  void close() throws IOException;
}
