package dev.strata.sstable;

import dev.strata.CorruptionException;
import dev.strata.fs.ReadableFile;
import dev.strata.fs.WritableFile;
import dev.strata.util.Coding;
import dev.strata.util.Crc32c;
import java.io.EOFException;
import java.io.IOException;
import java.util.Arrays;

/**
 * A block as it lies on disk: stored bytes (raw or compressed) followed by the 5-byte trailer of
 * compression code and CRC32C over the stored bytes plus the code. Owns both directions of that
 * framing: {@link #write} for {@link TableBuilder}, {@link #read} for {@link TableReader}.
 * Stateless and thread-safe.
 */
final class StoredBlock {
  /** Largest scratch array kept per thread; larger blocks (rare) get a one-off array. */
  private static final int MAX_SCRATCH_BYTES = 256 << 10;

  /**
   * Read buffers, each grown on demand up to {@link #MAX_SCRATCH_BYTES}: {@code stored} receives
   * a block as it lies on disk, {@code contents} a transient block's decompressed bytes ({@link
   * #readTransient}). A thread's own ({@link #SCRATCH}) serve point lookups; an iterator that reads
   * block after block without the cache (a compaction's inputs) has its own, so that its blocks
   * cost no array each. Confined to their thread or iterator. Not in {@code
   * strata.estimate-heap-bytes}: {@code docs/design/memory.md} bounds them.
   */
  static final class Scratch {
    byte[] stored = new byte[0];
    byte[] contents = new byte[0];

    /**
     * Read-ahead ({@link #readTransientAhead}): {@code windowLength} bytes of {@code windowFile}
     * from {@code windowStart}, in {@code window}; {@code windowFile} null while it holds none.
     */
    byte[] window;

    ReadableFile windowFile;
    long windowStart;
    int windowLength;

    /** The point lookups' cursor over {@link #contents} or {@link #stored}; made on first use. */
    private LookupCursor lookupCursor;

    LookupCursor lookupCursor() {
      LookupCursor c = lookupCursor;
      if (c == null) {
        c = new LookupCursor();
        lookupCursor = c;
      }
      return c;
    }
  }

  /**
   * Bytes an iterator that reads without the cache reads at once once it steps from a block to the
   * next ({@link #readTransientAhead}): 32 blocks of 4 KiB per read instead of one. A compaction
   * read each input block with a read of its own, 13% of its thread's samples in YCSB's D phase
   * (JFR, 2026-12-07).
   */
  static final int READ_AHEAD_BYTES = 128 << 10;

  private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

  private StoredBlock() {}

  /** {@code current} if it holds {@code length} bytes, else a larger array (see the limit). */
  private static byte[] grown(byte[] current, int length) {
    if (current.length >= length) {
      return current;
    }
    if (length > MAX_SCRATCH_BYTES) {
      return new byte[length];
    }
    int doubled = Math.min(2 * Math.max(current.length, 4096), MAX_SCRATCH_BYTES);
    return new byte[Math.max(length, doubled)];
  }

  /** The stored-block scratch of {@code s}, at least {@code length} bytes. */
  private static byte[] storedScratch(Scratch s, int length) {
    byte[] b = grown(s.stored, length);
    if (b.length <= MAX_SCRATCH_BYTES) {
      s.stored = b;
    }
    return b;
  }

  /** The calling thread's scratch, for a point lookup's cache hit (see {@link #readTransient}). */
  static Scratch threadScratch() {
    return SCRATCH.get();
  }

  /**
   * The contents scratch of {@code s}, at least {@code length} bytes: where a cache hit's copy
   * goes, as a transient block's decompressed contents do.
   */
  static byte[] contentsScratch(Scratch s, int length) {
    byte[] b = grown(s.contents, length);
    if (b.length <= MAX_SCRATCH_BYTES) {
      s.contents = b;
    }
    return b;
  }

  /** The length of the calling thread's stored-block scratch array. */
  static int scratchLengthForTesting() {
    return SCRATCH.get().stored.length;
  }

  /** The length of the calling thread's transient-contents scratch array. */
  static int contentsScratchLengthForTesting() {
    return SCRATCH.get().contents.length;
  }

  /**
   * Appends {@code stored[0, storedLength)} and its trailer to {@code file}.
   *
   * <p>Requires: the caller owns {@code file}; may block on I/O.
   *
   * @param trailer a 5-byte scratch array
   */
  static void write(WritableFile file, byte[] stored, int storedLength, int code, byte[] trailer)
      throws IOException {
    trailer[0] = (byte) code;
    Coding.putInt(trailer, 1, Crc32c.compute(stored, 0, storedLength, trailer, 0, 1));
    file.append(stored, 0, storedLength);
    file.append(trailer, 0, TableFormat.BLOCK_TRAILER_SIZE);
  }

  /**
   * Reads, optionally verifies, and decompresses the data block at {@code handle}, through the
   * calling thread's scratch array: the stored copy of a block is garbage as soon as it is
   * decompressed or copied out, and it was the largest allocation on the cache-miss path.
   *
   * <p>The scratch grows to the largest data block the thread reads (8 KiB for 4 KiB blocks), up
   * to {@value #MAX_SCRATCH_BYTES} bytes; so it follows {@code blockSizeBytes} and values larger
   * than a block, never the size of a table. Meta blocks go through {@link #readOnce} instead.
   *
   * <p>Requires: the caller has checked that {@code handle} plus its trailer lies within the file
   * and that its size is at most {@link TableFormat#MAX_BLOCK_BYTES}. May block on I/O.
   *
   * @param verifyChecksum whether to check the CRC; code and lengths are checked regardless
   * @throws CorruptionException naming {@code fileName} and the block's offset on a checksum
   *     mismatch, an unknown compression code, damaged compressed data, or a file that ends early
   * @throws IOException if the read fails
   */
  static BlockContents read(
      ReadableFile file, String fileName, BlockHandle handle, boolean verifyChecksum)
      throws IOException {
    byte[] buf =
        storedScratch(SCRATCH.get(), (int) handle.size() + TableFormat.BLOCK_TRAILER_SIZE);
    return readInto(buf, Into.COPY, null, file, fileName, handle, verifyChecksum);
  }

  /**
   * As {@link #read}, but the contents returned live in the calling thread's scratch arrays and
   * stay valid only until the thread's next {@link #read} or {@code readTransient}: for a point
   * lookup that searches one block, copies the value out and drops the block, as it does with
   * every block the cache declines. Such a block used to cost an array of its own (the
   * decompressed contents, or a copy of a raw block), which was 59% of all the bytes allocated by
   * {@code readrandom} in the standard comparison, and the collector's work that grew the heap.
   *
   * <p>Requires: the caller keeps nothing that refers to the contents (nor a {@link Block}
   * decoded from them) past its lookup, and reads no other block on this thread meanwhile.
   */
  static BlockContents readTransient(
      ReadableFile file, String fileName, BlockHandle handle, boolean verifyChecksum)
      throws IOException {
    return readTransient(file, fileName, handle, verifyChecksum, SCRATCH.get());
  }

  /**
   * As {@link #readTransient(ReadableFile, String, BlockHandle, boolean)} into {@code s} instead
   * of the thread's scratch: the contents stay valid until the next read into {@code s}.
   */
  static BlockContents readTransient(
      ReadableFile file, String fileName, BlockHandle handle, boolean verifyChecksum, Scratch s)
      throws IOException {
    byte[] buf = storedScratch(s, (int) handle.size() + TableFormat.BLOCK_TRAILER_SIZE);
    return readInto(buf, Into.TRANSIENT, s, file, fileName, handle, verifyChecksum);
  }

  /**
   * As {@link #read}, into an array of its own rather than the thread's scratch: for the filter,
   * properties and index blocks a table reads once when it opens. These grow with the table (a
   * 64 MiB table of small entries has a filter and an index of half a megabyte each), and the
   * thread opening a table is whichever reader missed in the table cache first, often one of an
   * application's request threads; through the scratch, each such thread would keep an array the
   * size of the largest meta block it ever read. An uncompressed block is returned in the array
   * read, its trailer after {@code length}, with no copy.
   */
  static BlockContents readOnce(
      ReadableFile file, String fileName, BlockHandle handle, boolean verifyChecksum)
      throws IOException {
    byte[] buf = new byte[(int) handle.size() + TableFormat.BLOCK_TRAILER_SIZE];
    return readInto(buf, Into.OWN_ARRAY, null, file, fileName, handle, verifyChecksum);
  }

  /**
   * As {@link #readTransient(ReadableFile, String, BlockHandle, boolean, Scratch)}, through {@code
   * s}'s read-ahead window: when the block lies outside it, the window is refilled with up to
   * {@link #READ_AHEAD_BYTES} from the block's offset, never past {@code limit} (the end of the
   * table's data blocks); the block is then copied out of it. For an iterator that steps through
   * consecutive blocks; a block larger than the window is read on its own.
   *
   * <p>Requires: {@code limit} is within the file, and the block ends at or before it.
   */
  static BlockContents readTransientAhead(
      ReadableFile file,
      String fileName,
      BlockHandle handle,
      boolean verifyChecksum,
      Scratch s,
      long limit)
      throws IOException {
    int length = (int) handle.size() + TableFormat.BLOCK_TRAILER_SIZE;
    long start = handle.offset();
    if (length > READ_AHEAD_BYTES || start + length > limit) {
      return readTransient(file, fileName, handle, verifyChecksum, s);
    }
    if (s.windowFile != file
        || start < s.windowStart
        || start + length > s.windowStart + s.windowLength) {
      if (s.window == null) {
        s.window = new byte[READ_AHEAD_BYTES];
      }
      s.windowFile = null;
      int n = (int) Math.min(READ_AHEAD_BYTES, limit - start);
      try {
        file.readFully(start, s.window, 0, n);
      } catch (EOFException e) {
        throw new CorruptionException(
            fileName, start, "data blocks of " + n + " bytes run past the end of the file", e);
      }
      s.windowFile = file;
      s.windowStart = start;
      s.windowLength = n;
    }
    byte[] buf = storedScratch(s, length);
    System.arraycopy(s.window, (int) (start - s.windowStart), buf, 0, length);
    return decode(buf, Into.TRANSIENT, s, fileName, handle, verifyChecksum);
  }

  /** Where {@link #readInto} leaves a block's contents. */
  private enum Into {
    /** {@code buf} is the thread's scratch: contents in an array of their own. */
    COPY,
    /** {@code buf} is the caller's own: a raw block stays in it, a compressed one gets an array. */
    OWN_ARRAY,
    /** Scratch contents: a raw block stays in {@code buf}, LZ4 goes to the contents scratch. */
    TRANSIENT
  }

  /**
   * Reads the block at {@code handle} into {@code buf} and returns its contents where {@code into}
   * says; {@code scratch} is the thread's, for {@link Into#TRANSIENT}.
   */
  private static BlockContents readInto(
      byte[] buf,
      Into into,
      Scratch scratch,
      ReadableFile file,
      String fileName,
      BlockHandle handle,
      boolean verifyChecksum)
      throws IOException {
    int size = (int) handle.size();
    try {
      file.readFully(handle.offset(), buf, 0, size + TableFormat.BLOCK_TRAILER_SIZE);
    } catch (EOFException e) {
      throw new CorruptionException(
          fileName,
          handle.offset(),
          "block of " + size + " bytes runs past the end of the file",
          e);
    }
    return decode(buf, into, scratch, fileName, handle, verifyChecksum);
  }

  /**
   * The contents of the stored block in {@code buf[0, size + trailer)} (read from {@code handle}),
   * checked and decompressed, where {@code into} says.
   */
  private static BlockContents decode(
      byte[] buf,
      Into into,
      Scratch scratch,
      String fileName,
      BlockHandle handle,
      boolean verifyChecksum) {
    int size = (int) handle.size();
    int code = buf[size] & 0xFF;
    if (verifyChecksum) {
      int expected = Coding.getInt(buf, size + 1);
      int actual = Crc32c.compute(buf, 0, size + 1);
      if (expected != actual) {
        throw new CorruptionException(
            fileName,
            handle.offset(),
            String.format("block checksum mismatch: stored %08x, computed %08x", expected, actual));
      }
    }
    return switch (code) {
      case TableFormat.COMPRESSION_NONE ->
          new BlockContents(into == Into.COPY ? Arrays.copyOf(buf, size) : buf, size);
      case TableFormat.COMPRESSION_LZ4, TableFormat.COMPRESSION_ZSTD -> {
        if (into == Into.TRANSIENT && code == TableFormat.COMPRESSION_LZ4) {
          long header = BlockCodec.lz4Header(buf, size, fileName, handle.offset());
          int length = BlockCodec.lz4Length(header);
          byte[] dst = contentsScratch(scratch, length);
          BlockCodec.lz4DecompressInto(buf, size, header, dst, fileName, handle.offset());
          yield new BlockContents(dst, length);
        }
        byte[] data = BlockCodec.decompress(code, buf, size, fileName, handle.offset());
        yield new BlockContents(data, data.length);
      }
      default ->
          throw new CorruptionException(
              fileName, handle.offset() + size, "unknown compression code " + code);
    };
  }
}
