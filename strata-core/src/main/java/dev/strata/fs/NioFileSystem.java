package dev.strata.fs;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * The production {@link FileSystem} on {@code java.nio}: the only code in Strata that touches
 * {@code java.nio.file}. Thread-safe and stateless but for the set of lock files this process
 * holds.
 *
 * <p><b>Interrupts.</b> An interrupt never closes the file; the call completes and the flag is
 * restored. No operation fails or stops short because its caller was interrupted, none affects
 * another thread's use of a file, and each returns with the caller's interrupt status as it found
 * it (or set, if an interrupt arrived during the call). The JDK closes a {@link FileChannel} for every user when one caller is interrupted inside
 * it, so each operation here either avoids interruptible channel calls or owns a channel it can
 * replace (design and measurements: {@code docs/design/interrupts.md}):
 *
 * <ul>
 *   <li>{@link WritableFile} ({@link NioWritableFile}) writes and forces through a {@link
 *       java.io.FileOutputStream}, which interrupts do not affect.
 *   <li>{@link ReadableFile} ({@link NioReadableFile}) reads through a shared channel and replaces
 *       it when an interrupt closed it, then retries.
 *   <li>{@link #syncDirectory} forces through a channel private to the call, opened again if an
 *       interrupt closed it.
 *   <li>{@link #lock}: {@link FileChannel#tryLock()} and {@link FileLock#release()} are not
 *       interruptible, and the lock's channel does no other I/O.
 *   <li>The rest ({@link Files} metadata calls, listing, rename, delete, link) are system calls
 *       that interrupts do not affect.
 * </ul>
 *
 * <p>Rule for future code: no engine code uses an interruptible channel outside {@code
 * dev.strata.fs}, and a channel call added here must keep the contract above (a test in {@code
 * NioFileSystemInterruptTest} per operation).
 */
final class NioFileSystem implements FileSystem {
  static final NioFileSystem INSTANCE = new NioFileSystem();

  /**
   * Canonical paths of the lock files this JVM holds. A {@link FileChannel#tryLock()} alone
   * reports a second lock in the same JVM only as an {@link OverlappingFileLockException}; this
   * set makes that case explicit. Thread-safe by being a concurrent set.
   */
  private static final Set<Path> HELD_LOCKS = ConcurrentHashMap.newKeySet();

  private NioFileSystem() {}

  @Override
  public WritableFile create(Path path) throws IOException {
    return NioWritableFile.create(path);
  }

  @Override
  public WritableFile openAppend(Path path) throws IOException {
    return NioWritableFile.openAppend(path);
  }

  @Override
  public ReadableFile openRead(Path path) throws IOException {
    return NioReadableFile.open(path);
  }

  /**
   * A {@link MappedReadableFile}, unless the file is 2 GiB or more or this JVM offers no way to
   * unmap at close (a mapping left to the garbage collector would hold a deleted table's disk
   * space): then as {@link #openRead}.
   */
  @Override
  public ReadableFile openMapped(Path path) throws IOException {
    ReadableFile mapped = MappedReadableFile.unmapsAtClose() ? MappedReadableFile.open(path) : null;
    return mapped != null ? mapped : openRead(path);
  }

  @Override
  public boolean exists(Path path) {
    return Files.exists(path);
  }

  @Override
  public long size(Path path) throws IOException {
    return Files.size(path);
  }

  @Override
  public List<String> list(Path dir) throws IOException {
    List<String> names = new ArrayList<>();
    try (Stream<Path> s = Files.list(dir)) {
      s.forEach(p -> names.add(p.getFileName().toString()));
    }
    return names;
  }

  @Override
  public void rename(Path from, Path to) throws IOException {
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      throw new IOException("atomic rename not supported from " + from + " to " + to, e);
    }
  }

  @Override
  public void delete(Path path) throws IOException {
    Files.deleteIfExists(path);
  }

  /** {@link Files#createLink}: a link system call, which interrupts do not affect. */
  @Override
  public void link(Path existing, Path link) throws IOException {
    Files.createLink(link, existing);
  }

  @Override
  public void createDirectories(Path dir) throws IOException {
    Files.createDirectories(dir);
  }

  @Override
  public void syncDirectory(Path dir) throws IOException {
    // Cleared so that a caller arriving interrupted does not close the channel before forcing.
    boolean interrupted = Thread.interrupted();
    try {
      while (true) {
        try {
          forceDirectory(dir);
          return;
        } catch (ClosedChannelException e) {
          // An interrupt arrived during the force and closed the channel, which is private to
          // this call: nothing shared is lost. Force again through a fresh one (forcing twice is
          // harmless).
          interrupted |= Thread.interrupted();
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * Forces a directory's entries once. Only a channel can force a directory: java.io cannot open
   * one ("Is a directory").
   *
   * @throws ClosedChannelException if an interrupt closed the channel during the force
   */
  private static void forceDirectory(Path dir) throws IOException {
    // On Linux a directory opened for reading can be forced; this makes creations, renames and
    // deletions within it durable.
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (NoSuchFileException | ClosedChannelException e) {
      throw e;
    } catch (IOException e) {
      // Some platforms (Windows) cannot open a directory; there the rename itself is durable.
      if (!System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("win")) {
        throw e;
      }
    }
  }

  /**
   * {@inheritDoc}
   *
   * <p>Interrupt-safe as it is: none of the calls used here ({@link FileChannel#open}, {@link
   * FileChannel#tryLock()}, {@link FileLock#release()}, {@link FileChannel#close()}) runs inside
   * the channel's interruptible section, unlike read, write, force, size and the blocking {@code
   * lock()}; and the lock's channel does nothing else, so an interrupt of the holder cannot close
   * it and release the lock.
   */
  @Override
  public FileLockHandle lock(Path path) throws IOException {
    Path key = path.toAbsolutePath().normalize();
    if (!HELD_LOCKS.add(key)) {
      throw new IOException("lock " + path + " is already held by this process");
    }
    FileChannel ch = null;
    try {
      ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      FileLock lock;
      try {
        lock = ch.tryLock();
      } catch (OverlappingFileLockException e) {
        lock = null;
      }
      if (lock == null) {
        throw new IOException("lock " + path + " is held by another process");
      }
      FileChannel held = ch;
      FileLock heldLock = lock;
      return () -> {
        try {
          heldLock.release();
          held.close();
        } finally {
          HELD_LOCKS.remove(key);
        }
      };
    } catch (IOException | RuntimeException e) {
      HELD_LOCKS.remove(key);
      if (ch != null) {
        ch.close();
      }
      throw e;
    }
  }
}
