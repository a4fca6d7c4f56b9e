package dev.strata.wal;

import dev.strata.fs.WritableFile;
import dev.strata.util.Coding;
import dev.strata.util.Crc32c;
import java.io.IOException;

/**
 * Appends framed records ({@link WalFormat}) to a log file: the write-ahead log and the manifest
 * share it. Not thread-safe: the WAL's writer is the group-commit leader of the moment (the commit
 * pipeline hands the role from thread to thread with a happens-before edge), the manifest's is the
 * thread holding the version lock. The owner closes it.
 */
public final class LogWriter implements AutoCloseable {
  private final WritableFile file;
  private final String fileName;
  private byte[] buffer = new byte[4096];

  public LogWriter(WritableFile file, String fileName) {
    this.file = file;
    this.fileName = fileName;
  }

  public String fileName() {
    return fileName;
  }

  /** Appends one record holding {@code payload[offset, offset + length)}; does not sync. */
  public void addRecord(byte[] payload, int offset, int length) throws IOException {
    int total = WalFormat.HEADER_SIZE + length;
    ensure(total);
    int end = frame(buffer, 0, payload, offset, length);
    file.append(buffer, 0, end);
  }

  /**
   * Appends one record per payload with a single write to the operating system: the group-commit
   * leader's path. Does not sync.
   */
  public void addRecords(byte[][] payloads, int count) throws IOException {
    int total = 0;
    for (int i = 0; i < count; i++) {
      total += WalFormat.HEADER_SIZE + payloads[i].length;
    }
    ensure(total);
    int pos = 0;
    for (int i = 0; i < count; i++) {
      pos = frame(buffer, pos, payloads[i], 0, payloads[i].length);
    }
    file.append(buffer, 0, pos);
  }

  private static int frame(byte[] dst, int pos, byte[] payload, int offset, int length) {
    Coding.putInt(dst, pos, length);
    dst[pos + 4] = WalFormat.TYPE_FULL;
    Coding.putInt(dst, pos + 5, Crc32c.compute(payload, offset, length));
    Coding.putInt(dst, pos + 9, Crc32c.compute(dst, pos, 9));
    System.arraycopy(payload, offset, dst, pos + WalFormat.HEADER_SIZE, length);
    return pos + WalFormat.HEADER_SIZE + length;
  }

  private void ensure(int total) {
    if (buffer.length < total) {
      buffer = new byte[Math.max(total, buffer.length * 2)];
    } else if (buffer.length > (1 << 20) && total < (1 << 16)) {
      // Drop a buffer grown by one huge batch rather than pin it for the log's lifetime.
      buffer = new byte[4096];
    }
  }

  /** Forces every appended record to stable storage. */
  public void sync() throws IOException {
    file.sync();
  }

  /** Bytes appended so far. */
  public long size() {
    return file.size();
  }

  @Override
  public void close() throws IOException {
    file.close();
  }
}
