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
   * Appends the operations of one commit group as a single record holding one batch, with a
   * single write to the operating system: the group-commit leader's path. Does not sync.
   *
   * <p>The batch starts at {@code firstSequence} and holds every member's operations in order, so
   * member {@code i}'s first operation takes {@code firstSequence} plus the counts of the members
   * before it, which is how the leader numbers them. Encoding here, from the members' keys and
   * values, spares each writer an encoded copy of its own; the group pays 13 + 12 bytes of
   * framing instead of each member. The group is replayed whole or not at all; every member was
   * written by the same call and none was acknowledged before it returned.
   *
   * @throws IllegalArgumentException if the group exceeds one record ({@link
   *     WalFormat#MAX_PAYLOAD} bytes or {@code Integer.MAX_VALUE} operations)
   */
  public void addBatchGroup(long firstSequence, WalOps[] members, int count) throws IOException {
    long length = WalFormat.BATCH_HEADER_SIZE;
    long ops = 0;
    for (int i = 0; i < count; i++) {
      length += members[i].encodedBytes();
      ops += members[i].count();
    }
    if (length > WalFormat.MAX_PAYLOAD || ops > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("commit group of " + length + " bytes and " + ops
          + " operations exceeds one record");
    }
    ensure(WalFormat.HEADER_SIZE + (int) length);
    WriteBatchCodec.putHeader(buffer, WalFormat.HEADER_SIZE, firstSequence, (int) ops);
    int pos = WalFormat.HEADER_SIZE + WalFormat.BATCH_HEADER_SIZE;
    for (int i = 0; i < count; i++) {
      int end = members[i].encode(buffer, pos);
      if (end - pos != members[i].encodedBytes()) {
        throw new IllegalStateException("member " + i + " encoded " + (end - pos)
            + " bytes, declared " + members[i].encodedBytes());
      }
      pos = end;
    }
    header(buffer, 0, (int) length);
    file.append(buffer, 0, pos);
  }

  /**
   * Appends an unlogged marker: an empty batch (count 0) at {@code firstUnlogged}, telling
   * recovery that writes which skipped the WAL may have taken the sequences from there up to the
   * next batch, so that the gap is no lost log tail. Does not sync.
   */
  public void addUnloggedMarker(long firstUnlogged) throws IOException {
    int total = WalFormat.HEADER_SIZE + WalFormat.BATCH_HEADER_SIZE;
    ensure(total);
    WriteBatchCodec.putHeader(buffer, WalFormat.HEADER_SIZE, firstUnlogged, 0);
    header(buffer, 0, WalFormat.BATCH_HEADER_SIZE);
    file.append(buffer, 0, total);
  }

  private static int frame(byte[] dst, int pos, byte[] payload, int offset, int length) {
    System.arraycopy(payload, offset, dst, pos + WalFormat.HEADER_SIZE, length);
    header(dst, pos, length);
    return pos + WalFormat.HEADER_SIZE + length;
  }

  /** Writes the header of the record at {@code pos} whose payload already follows it. */
  private static void header(byte[] dst, int pos, int length) {
    Coding.putInt(dst, pos, length);
    dst[pos + 4] = WalFormat.TYPE_FULL;
    Coding.putInt(dst, pos + 5, Crc32c.compute(dst, pos + WalFormat.HEADER_SIZE, length));
    Coding.putInt(dst, pos + 9, Crc32c.compute(dst, pos, 9));
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
