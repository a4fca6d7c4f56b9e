package dev.strata.cli;

import dev.strata.fs.ReadableFile;
import dev.strata.util.Coding;
import dev.strata.util.Crc32c;
import dev.strata.wal.WalFormat;
import java.io.IOException;

/**
 * Tells a torn log tail from a damaged last record. {@code LogReader} ends a log quietly at both
 * ({@code docs/format/wal.md}, "Reading, torn tails and corruption"), which is right for
 * recovery, but {@code verify} must not call a flipped bit in the last record a crash.
 *
 * <p>A crash leaves a tail that was never fully written: a header cut short, a payload running
 * past the end of the file, or zeros where the size reached the disk before the data (from a
 * sector boundary to the end of the file). A tail that is a complete record, its header checksum
 * good and its payload exactly filling the file, but whose payload checksum fails, was written
 * whole and changed since: that is damage, and the write it held may have been acknowledged.
 * The one ambiguity left: a damaged record whose true payload ends in zeros across a sector
 * boundary reads as torn. Stateless.
 */
final class LogTail {
  /** The sector size below which a write is assumed atomic on disk. */
  private static final int SECTOR = 512;

  private LogTail() {}

  /** What the tail at {@code offset} is. */
  enum Kind {
    /** What a crash leaves; recovery drops it, and no write in it was acknowledged as durable. */
    TORN,
    /** A complete last record that fails its payload checksum. */
    DAMAGED
  }

  /**
   * Classifies the tail that {@code LogReader} reported torn at {@code offset}.
   *
   * <p>Requires: {@code offset} is where the reader stopped; the file is not being written.
   */
  static Kind classify(ReadableFile file, long offset) throws IOException {
    long size = file.size();
    if (size - offset < WalFormat.HEADER_SIZE) {
      return Kind.TORN;
    }
    byte[] header = new byte[WalFormat.HEADER_SIZE];
    file.readFully(offset, header, 0, header.length);
    int length = Coding.getInt(header, 0);
    boolean headerOk = Crc32c.compute(header, 0, 9) == Coding.getInt(header, 9);
    if (!headerOk
        || header[4] != WalFormat.TYPE_FULL
        || length < 0
        || offset + WalFormat.HEADER_SIZE + length != size) {
      // A zeroed or cut header, or a payload running past the end: what a crash leaves.
      return Kind.TORN;
    }
    byte[] payload = new byte[length];
    file.readFully(offset + WalFormat.HEADER_SIZE, payload, 0, length);
    if (Crc32c.compute(payload, 0, length) == Coding.getInt(header, 5)) {
      return Kind.TORN;
    }
    return zeroFromASectorBoundary(payload, offset + WalFormat.HEADER_SIZE)
        ? Kind.TORN
        : Kind.DAMAGED;
  }

  /**
   * Whether the payload (at file offset {@code base}) is zero from some sector boundary within it
   * to its end: the shape of data that never reached the disk after its size did.
   */
  private static boolean zeroFromASectorBoundary(byte[] payload, long base) {
    int end = payload.length;
    int firstZeroOfRun = end;
    while (firstZeroOfRun > 0 && payload[firstZeroOfRun - 1] == 0) {
      firstZeroOfRun--;
    }
    if (firstZeroOfRun == end) {
      return false;
    }
    long runStart = base + firstZeroOfRun;
    long boundary = (runStart + SECTOR - 1) / SECTOR * SECTOR;
    return boundary < base + end;
  }
}
