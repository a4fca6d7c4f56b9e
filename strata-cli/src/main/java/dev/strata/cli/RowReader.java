package dev.strata.cli;

import java.io.IOException;

/**
 * Reads {@code load}'s input as key-value rows, one format per implementation ({@link
 * InputFormat}). Confined to one thread; the caller closes it, which closes the file.
 */
interface RowReader extends AutoCloseable {
  /** One row: its key and value bytes and the line it starts on (1-based). */
  @SuppressWarnings("ArrayRecordComponent") // handed on to a batch, never compared or hashed
  record Row(long line, byte[] key, byte[] value) {}

  /**
   * The next row, or null at the end of the input.
   *
   * @throws InputException if the input is malformed, naming the file and line
   * @throws IOException if reading fails
   */
  Row next() throws IOException;

  /** Bytes of the file consumed so far, for progress. */
  long bytesRead();

  @Override
  void close() throws IOException;
}
