package dev.strata.fs;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;

/**
 * {@link NioFileSystem}'s {@link ReadableFile}: positional reads through a {@link FileChannel}
 * that an interrupt of a reader cannot take away from the other readers. Thread-safe: any number
 * of threads read at once. The owner (a table or log reader) closes it, and only the owner's
 * {@link #close()} ends it.
 *
 * <p><b>Why.</b> {@link FileChannel#read(ByteBuffer, long)} is the only positional read in Java
 * 17, and the JDK closes a channel for everyone when any thread is interrupted inside one of its
 * operations or enters one with its interrupt status set: that thread gets {@code
 * ClosedByInterruptException}, the others {@code AsynchronousCloseException} or {@code
 * ClosedChannelException}. Unguarded, one cancelled {@code get} would make a table unreadable for
 * the life of the process. {@code docs/design/interrupts.md} weighs the alternatives (memory
 * mapping, a locked {@code RandomAccessFile}, the JDK-internal {@code setUninterruptible}) and
 * gives the measured cost of this design.
 *
 * <p><b>How.</b>
 *
 * <ol>
 *   <li>A call first clears its thread's interrupt status and remembers it, so that a thread that
 *       arrives interrupted (a cancelled task still running) does not close the channel at all.
 *   <li>A read that fails with {@link ClosedChannelException} (which covers the two subclasses
 *       above) while the owner has not closed the file replaces the channel with a fresh one,
 *       once per failed channel: under {@link #reopenLock} the first of its victims opens, the
 *       others find it replaced. The read then resumes at the first byte not yet counted.
 *   <li>A thread interrupted again during the retry clears its status and goes round again.
 *   <li>Before returning or throwing, the call sets the thread's interrupt status again if it was
 *       set on entry or arrived during the call.
 * </ol>
 *
 * <p>After {@link #close()} no channel is opened again, and reads fail with an {@link
 * IOException} naming the file. A channel the JDK closed is gone (the interrupter's thread closed
 * its descriptor), and a fresh channel is either installed or closed at once, so no descriptor
 * leaks. Reopening goes by path, so it checks that the path still names the file opened (its
 * {@link BasicFileAttributes#fileKey()}, device and inode on Unix) and fails rather than read
 * another file. The engine never reaches that case: file numbers are not reused and a file is
 * deleted only when no reader pins it.
 */
final class NioReadableFile implements ReadableFile {
  private final Path path;

  /** The file's identity when opened; null on platforms without file keys. */
  private final Object fileKey;

  /**
   * Rank 8 (leaf) in {@code docs/design/locking.md}: serialises reopening with itself and with
   * {@link #close()}; nothing else is taken while it is held. Held across I/O only to open the
   * file again after an interrupt closed its channel.
   */
  private final Object reopenLock = new Object();

  /**
   * The channel every read goes through. Written only under {@link #reopenLock} (by {@link
   * #reopenAfter} and at construction), read without a lock by every read. A stale read sees a
   * channel the JDK already closed: its read throws {@link ClosedChannelException}, which leads
   * to {@link #reopenAfter}, which finds the newer channel under the lock and returns.
   */
  private volatile FileChannel channel;

  // Guarded by reopenLock.
  @GuardedBy("reopenLock")
  private boolean closed;

  @GuardedBy("reopenLock")
  private long reopens;

  private NioReadableFile(Path path, FileChannel channel, Object fileKey) {
    this.path = path;
    this.channel = channel;
    this.fileKey = fileKey;
  }

  /** Opens {@code path} for reading. Requires: may do I/O; not interruptible. */
  static NioReadableFile open(Path path) throws IOException {
    FileChannel ch = FileChannel.open(path, StandardOpenOption.READ);
    try {
      return new NioReadableFile(path, ch, fileKeyOf(path));
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
  }

  @Override
  public void readFully(long position, byte[] dst, int offset, int length) throws IOException {
    // Cleared first so that a caller arriving interrupted does not close the channel on entry.
    boolean interrupted = Thread.interrupted();
    try {
      ByteBuffer buf = ByteBuffer.wrap(dst, offset, length);
      int done = 0;
      while (done < length) {
        FileChannel ch = channel;
        int n;
        try {
          n = ch.read(buf, position + done);
        } catch (ClosedChannelException e) {
          interrupted |= Thread.interrupted();
          reopenAfter(ch, e);
          // A read the JDK failed after it copied bytes has moved the buffer: rewind to the
          // bytes counted, which the retry reads again.
          buf.position(offset + done);
          continue;
        }
        if (n < 0) {
          throw new EOFException(
              "end of file at " + (position + done) + " while reading " + length + " bytes at "
                  + position);
        }
        done += n;
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * True: {@link FileChannel}'s close waits for reads in progress on it and fails those that start
   * later, and a read that fails so after {@link #close()} finds {@code closed} and throws.
   */
  @Override
  public boolean readsFailOnceClosed() {
    return true;
  }

  @Override
  public long size() throws IOException {
    boolean interrupted = Thread.interrupted();
    try {
      while (true) {
        FileChannel ch = channel;
        try {
          return ch.size();
        } catch (ClosedChannelException e) {
          interrupted |= Thread.interrupted();
          reopenAfter(ch, e);
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * Ends the file: later and concurrent reads fail with an {@link IOException} naming it, and no
   * channel is opened again. Idempotent. Requires: called by the owner; not interruptible.
   */
  @Override
  public void close() throws IOException {
    FileChannel ch;
    synchronized (reopenLock) {
      if (closed) {
        return;
      }
      closed = true;
      ch = channel;
    }
    // Outside the lock: closing waits for reads in progress on the channel. With closed set,
    // reopenAfter installs nothing, so this is the last channel.
    ch.close();
  }

  /**
   * Replaces {@code failed}, which was closed under a read, with a fresh channel, unless another
   * reader already replaced it.
   *
   * <p>Requires: {@code reopenLock} not held; opens the file under the lock (only this file's
   * readers wait, and they could not read anyway); not interruptible.
   *
   * @throws IOException naming the file if the owner closed it, if it cannot be opened again, or if
   *     its path now names another file
   */
  private void reopenAfter(FileChannel failed, ClosedChannelException cause) throws IOException {
    synchronized (reopenLock) {
      if (closed) {
        throw new IOException("read of " + path + " after it was closed", cause);
      }
      if (channel != failed) {
        return;
      }
      FileChannel fresh;
      try {
        fresh = FileChannel.open(path, StandardOpenOption.READ);
      } catch (IOException e) {
        e.addSuppressed(cause);
        throw new IOException(
            "cannot reopen " + path + " after an interrupt closed its channel", e);
      }
      try {
        checkSameFile(cause);
      } catch (IOException | RuntimeException e) {
        fresh.close();
        throw e;
      }
      channel = fresh;
      reopens++;
    }
  }

  @GuardedBy("reopenLock")
  private void checkSameFile(ClosedChannelException cause) throws IOException {
    if (fileKey != null && !Objects.equals(fileKey, fileKeyOf(path))) {
      throw new IOException(
          "cannot reopen "
              + path
              + " after an interrupt closed its channel: the path names another file now",
          cause);
    }
  }

  private static Object fileKeyOf(Path path) throws IOException {
    return Files.readAttributes(path, BasicFileAttributes.class).fileKey();
  }

  /** Channels opened to replace one an interrupt closed. */
  long reopensForTesting() {
    synchronized (reopenLock) {
      return reopens;
    }
  }
}
