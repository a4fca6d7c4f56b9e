package dev.strata.fs;

import dev.strata.util.DirectBuffers;
import java.io.EOFException;
import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A {@link ReadableFile} whose whole content is memory-mapped once at open: a read copies from the
 * mapping, with no system call, and no interrupt can reach it. For immutable files only (tables):
 * the mapping covers the file as it was at open.
 *
 * <p><b>Why.</b> A table block read from the page cache through {@link FileChannel} costs a system
 * call and a copy through a temporary direct buffer; from a mapping it is one copy. {@code
 * docs/design/interrupts.md} has the per-read figures and {@code docs/benchmarks.md} the effect on
 * point reads from tables.
 *
 * <p><b>Lifetime.</b> {@link #close()} unmaps at once (Java 17 has no public unmap; this uses
 * {@code sun.misc.Unsafe.invokeCleaner}, as Lucene's {@code MMapDirectory} did), so a deleted table
 * gives its disk space and address space back without waiting for a garbage collection. A read
 * after the unmap would touch unmapped memory and crash the process, so the owner must close only
 * when no read can still start or be in progress: the engine's {@code TableCache} closes a reader
 * when its last reference is released, and every read holds a reference. A read that begins after
 * close (a bug in the caller) fails with an {@link IOException} as long as it sees the flag, which
 * is all a volatile check can promise.
 *
 * <p><b>Failures.</b> An I/O error under a mapping (a failing disk, a file truncated behind the
 * engine's back) arrives as {@link InternalError} from the copy; it is rethrown as an {@link
 * IOException} naming the file and offset. Files of 2 GiB and more are not mapped ({@link
 * NioFileSystem#openMapped} reads them through a channel).
 *
 * <p>Thread-safe: reads use absolute positions and share no cursor.
 */
final class MappedReadableFile implements ReadableFile {
  /** The largest file mapped: one {@link MappedByteBuffer} addresses at most this many bytes. */
  static final long MAX_MAPPED = Integer.MAX_VALUE;

  private final Path path;
  private final MappedByteBuffer map;
  private final int size;
  /** Set once by {@link #close()}; read before every copy. */
  private volatile boolean closed;

  private MappedReadableFile(Path path, MappedByteBuffer map, int size) {
    this.path = path;
    this.map = map;
    this.size = size;
  }

  /**
   * Maps {@code path}; null if it is {@link #MAX_MAPPED} bytes or more, which one buffer cannot
   * address. Not interruptible: an interrupt that arrives during the open is kept for the caller.
   */
  static MappedReadableFile open(Path path) throws IOException {
    boolean interrupted = Thread.interrupted();
    try {
      while (true) {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
          long size = ch.size();
          if (size >= MAX_MAPPED) {
            return null;
          }
          // The mapping stays valid after the channel closes.
          MappedByteBuffer map = ch.map(FileChannel.MapMode.READ_ONLY, 0, size);
          return new MappedReadableFile(path, map, (int) size);
        } catch (ClosedByInterruptException e) {
          // Interrupted while opening or mapping: nothing is held; clear the status and try again.
          interrupted = true;
          Thread.interrupted();
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Override
  public void readFully(long position, byte[] dst, int offset, int length) throws IOException {
    if (closed) {
      throw new IOException("read of " + path + " after it was closed");
    }
    if (position < 0 || length < 0 || position + length > size) {
      throw new EOFException(
          "end of file at " + size + " while reading " + length + " bytes at " + position
              + " of " + path);
    }
    try {
      map.get((int) position, dst, offset, length);
    } catch (InternalError e) {
      throw new IOException(
          "I/O error reading " + length + " bytes at " + position + " of mapped " + path, e);
    }
  }

  /** False: a read still copying from the mapping when {@link #close()} unmaps it would crash. */
  @Override
  public boolean readsFailOnceClosed() {
    return false;
  }

  @Override
  public long size() {
    return size;
  }

  /** Unmaps the file; see the class comment for what the caller must ensure. Idempotent. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    DirectBuffers.free(map);
  }

  /** Whether {@link #close()} unmaps at once on this JVM (tests). */
  static boolean unmapsAtClose() {
    return DirectBuffers.freesAtOnce();
  }
}
