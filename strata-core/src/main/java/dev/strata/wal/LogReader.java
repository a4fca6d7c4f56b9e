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
 */
public final class LogReader {
  private final ReadableFile file;
  private final String fileName;
  private final long fileSize;
  private final byte[] header = new byte[WalFormat.HEADER_SIZE];
  private long offset;
  private long recordOffset = -1;
  private long tornTailOffset = -1;

  public LogReader(ReadableFile file, String fileName) throws IOException {
    this.file = file;
    this.fileName = fileName;
    this.fileSize = file.size();
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
    file.readFully(offset, header, 0, WalFormat.HEADER_SIZE);
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
    file.readFully(offset + WalFormat.HEADER_SIZE, payload, 0, length);
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
