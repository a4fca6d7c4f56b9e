package dev.strata.sstable;

import dev.strata.fs.WritableFile;
import java.io.IOException;

/**
 * A table file being built, written to the operating system in runs of {@value #BUFFER_BYTES}
 * bytes instead of one {@code write(2)} per block and trailer. A flush or compaction appends two
 * small pieces per data block (a 4 KiB block and its 5-byte trailer), so writing each through
 * cost two system calls per block: in a profile of YCSB's load the compaction thread's largest
 * native frame was the file stream's {@code writeBytes} under {@code StoredBlock.write}
 * ({@code docs/benchmarks.md}, "15. Table files written in runs").
 *
 * <p>The contract differs from {@link WritableFile#append} in one way: appended bytes reach the
 * operating system when the buffer fills, at {@link #sync} or at {@link #close}, not before the
 * append returns. That is safe for a table being built, which nobody reads and no manifest names
 * until it has been synced and closed; it must not wrap a log (WAL or manifest), whose appends a
 * process crash must not lose. An append or sync that fails leaves the file in an unknown state,
 * as with the file it wraps; the builder's owner then abandons the file.
 *
 * <p>Confined to the one thread building the table, as the file it wraps.
 */
public final class BufferedTableFile implements WritableFile {
  /** Bytes gathered before a write: 64 blocks of 4 KiB. */
  static final int BUFFER_BYTES = 256 * 1024;

  private final WritableFile file;
  private final byte[] buffer;
  private int buffered;
  private long size;

  public BufferedTableFile(WritableFile file) {
    this(file, BUFFER_BYTES);
  }

  /** With a buffer of {@code bufferBytes}; for tests. */
  BufferedTableFile(WritableFile file, int bufferBytes) {
    if (bufferBytes < 1) {
      throw new IllegalArgumentException("buffer size must be positive: " + bufferBytes);
    }
    this.file = file;
    this.buffer = new byte[bufferBytes];
  }

  @Override
  public void append(byte[] data, int offset, int length) throws IOException {
    if (length > buffer.length - buffered) {
      flushBuffer();
      if (length >= buffer.length) {
        // Larger than the buffer (a big block): straight through, after what came before it.
        file.append(data, offset, length);
        size += length;
        return;
      }
    }
    System.arraycopy(data, offset, buffer, buffered, length);
    buffered += length;
    size += length;
  }

  @Override
  public void sync() throws IOException {
    flushBuffer();
    file.sync();
  }

  @Override
  public long size() {
    return size;
  }

  /** Writes what is buffered, then closes the file; closes it even if that write fails. */
  @Override
  public void close() throws IOException {
    try {
      flushBuffer();
    } finally {
      file.close();
    }
  }

  private void flushBuffer() throws IOException {
    if (buffered > 0) {
      int n = buffered;
      // Emptied first: a failed write is not retried by a later flush (the file is abandoned).
      buffered = 0;
      file.append(buffer, 0, n);
    }
  }
}
