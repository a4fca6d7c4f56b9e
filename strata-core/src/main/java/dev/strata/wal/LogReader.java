package dev.strata.wal;

import dev.strata.CorruptionException;
import dev.strata.fs.ReadableFile;
import dev.strata.util.Coding;
import dev.strata.util.Crc32c;
import java.io.IOException;

/**
 * Reads the records of a log file written by {@link LogWriter}, in order, checking every checksum.
 * Not thread-safe; the caller closes the file.
 *
 * <h2>Torn tail versus corruption</h2>
 *
 * A crash can leave the last record incomplete: its header cut short, its payload running past
 * the end of the file, or (when the file size reached the disk before the data) its payload or
 * header zeroed. Such a tail ends the log quietly: {@link #next()} returns null and {@link
 * #tornTailOffset()} says where. A record that fails a check with valid data after it cannot be a
 * crash artefact, so it raises {@link CorruptionException} naming the file and offset.
 *
 * <h2>Reads</h2>
 *
 * The file is read through a window of up to {@value #WINDOW_BYTES} bytes, so that a log of small
 * records costs one positional read per window instead of two per record (a 64 MiB log of 100 B
 * writes took 947,000 reads before, and most of a recovery's time). A record larger than the
 * window is read straight into its payload array.
 */
public final class LogReader {
  private final ReadableFile file;
  private final String fileName;
  private final long fileSize;
  private final byte[] header = new byte[WalFormat.HEADER_SIZE];

  /** Largest read-ahead window. */
  static final int WINDOW_BYTES = 256 << 10;

  /** File bytes {@code [windowStart, windowStart + windowLength)}, or none yet. */
  private final byte[] window;

  private long windowStart;
  private int windowLength;
  private long offset;
  private long recordOffset = -1;
  private long tornTailOffset = -1;

  public LogReader(ReadableFile file, String fileName) throws IOException {
    this.file = file;
    this.fileName = fileName;
    this.fileSize = file.size();
    this.window = new byte[(int) Math.min(WINDOW_BYTES, Math.max(0, fileSize))];
  }

  /** Reads {@code length} bytes at {@code pos} (within the file) through the window. */
  private void read(long pos, byte[] dst, int dstOffset, int length) throws IOException {
    if (length > window.length) {
      file.readFully(pos, dst, dstOffset, length);
      return;
    }
    if (pos < windowStart || pos + length > windowStart + windowLength) {
      int n = (int) Math.min(window.length, fileSize - pos);
      windowLength = 0;
      file.readFully(pos, window, 0, n);
      windowStart = pos;
      windowLength = n;
    }
    System.arraycopy(window, (int) (pos - windowStart), dst, dstOffset, length);
  }

  /**
   * The next record's payload, or null at the end of the log (clean end or torn tail).
   *
   * @throws CorruptionException if a record fails a check and is not a torn tail
   * @throws IOException if the file cannot be read
   */
  public byte[] next() throws IOException {
    if (offset >= fileSize) {
      return null;
    }
    long remaining = fileSize - offset;
    if (remaining < WalFormat.HEADER_SIZE) {
      return tornTail();
    }
    read(offset, header, 0, WalFormat.HEADER_SIZE);
    int length = Coding.getInt(header, 0);
    int headerCrc = Coding.getInt(header, 9);
    if (Crc32c.compute(header, 0, 9) != headerCrc) {
      if (zeroFrom(offset)) {
        return tornTail();
      }
      throw new CorruptionException(fileName, offset, "log record header checksum mismatch");
    }
    if (header[4] != WalFormat.TYPE_FULL) {
      throw new CorruptionException(fileName, offset, "unknown log record type " + header[4]);
    }
    if (length < 0 || length > WalFormat.MAX_PAYLOAD) {
      throw new CorruptionException(fileName, offset, "log record length " + length + " invalid");
    }
    long end = offset + WalFormat.HEADER_SIZE + length;
    if (end > fileSize) {
      return tornTail();
    }
    byte[] payload = new byte[length];
    read(offset + WalFormat.HEADER_SIZE, payload, 0, length);
    if (Crc32c.compute(payload, 0, length) != Coding.getInt(header, 5)) {
      if (end == fileSize) {
        return tornTail();
      }
      throw new CorruptionException(fileName, offset, "log record payload checksum mismatch");
    }
    recordOffset = offset;
    offset = end;
    return payload;
  }

  private byte[] tornTail() {
    tornTailOffset = offset;
    offset = fileSize;
    return null;
  }

  /** Whether every byte from {@code from} to the end of the file is zero. */
  private boolean zeroFrom(long from) throws IOException {
    byte[] buf = new byte[8192];
    long pos = from;
    while (pos < fileSize) {
      int n = (int) Math.min(buf.length, fileSize - pos);
      file.readFully(pos, buf, 0, n);
      for (int i = 0; i < n; i++) {
        if (buf[i] != 0) {
          return false;
        }
      }
      pos += n;
    }
    return true;
  }

  /** Offset of the record last returned by {@link #next()}, or -1. */
  public long recordOffset() {
    return recordOffset;
  }

  /** Offset where a torn tail was found, or -1 if the log ended cleanly (so far). */
  public long tornTailOffset() {
    return tornTailOffset;
  }

  /** Offset just past the last good record. */
  public long validLength() {
    return tornTailOffset >= 0 ? tornTailOffset : offset;
  }

  public String fileName() {
    return fileName;
  }
}
