package dev.strata.fs;

import java.io.Closeable;
import java.io.IOException;

/**
 * A file opened for positional reads. Thread-safe: positional reads do not share a cursor. The
 * owner (a table reader or log reader) closes it, and only that close ends it.
 *
 * <p>Interrupts: an interrupt never closes the file; the call completes and the flag is restored.
 * A reader interrupted during {@link #readFully} or {@link #size} still gets its bytes (or size),
 * returns with its interrupt status set, and leaves the file readable by every other thread. After
 * {@link #close()}, reads fail with an {@link IOException} naming the file.
 */
public interface ReadableFile extends Closeable {
  /**
   * Reads exactly {@code length} bytes at {@code position}. Requires: does I/O; may block; an
   * interrupt neither fails nor shortens it (the interrupt status is kept).
   *
   * @throws java.io.EOFException if the file ends first
   * @throws IOException if the read fails or the file was closed
   */
  void readFully(long position, byte[] dst, int offset, int length) throws IOException;

  long size() throws IOException;

  /**
   * Whether a read that starts or is still in progress when {@link #close()} runs either completes
   * with the file's bytes or fails with an {@link IOException}, and never touches released memory
   * or another file. True for reads through a channel (a close waits for reads in progress, and
   * later reads find it closed); false for a memory-mapped file, whose unmap would crash a read
   * still copying from it. Point lookups read a table whose file says true without holding a
   * reference to it (see {@code TableCache.unreferencedReader}).
   */
  default boolean readsFailOnceClosed() {
    return false;
  }

  @Override
  void close() throws IOException;
}
