package dev.strata.fs;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Every file operation the engine performs. Production uses {@link NioFileSystem}; tests inject
 * faults (dropped unsynced data at a crash, failing writes, fsyncs or renames, a full disk) by
 * supplying another implementation through {@code Options.fileSystem}.
 *
 * <p>Implementations are thread-safe. Durability contract, which the engine relies on and the
 * fault-injecting test file system enforces: bytes appended to a {@link WritableFile} survive a
 * power loss only after {@link WritableFile#sync()}; a created, renamed or deleted directory
 * entry survives only after {@link #syncDirectory(Path)} of its parent.
 *
 * <p>Interrupt contract, for every method here and on the files and lock handles it returns: an
 * interrupt never closes the file; the call completes and the flag is restored. No file is closed
 * and no lock released, for the interrupted thread or any other; the interrupted call completes
 * (or fails for a reason other than the interrupt) and returns with its thread's interrupt status
 * still set. Callers (application threads whose tasks are cancelled, background threads of a pool
 * shut down with {@code shutdownNow}) need not guard file I/O against interrupts. See {@code
 * docs/design/interrupts.md}.
 */
public interface FileSystem {
  /** Creates (or truncates) a file for appending. */
  WritableFile create(Path path) throws IOException;

  /**
   * Opens an existing file for appending after its last byte; {@link WritableFile#size()} starts
   * at its length. The bytes already there are as durable as they were; the next {@link
   * WritableFile#sync()} forces them with the new ones. Used to keep writing to the WAL an open
   * replayed (see {@code Options.Builder#reuseLogs}).
   *
   * @throws java.nio.file.NoSuchFileException if the file does not exist
   */
  WritableFile openAppend(Path path) throws IOException;

  /** Opens an existing file for positional reads. */
  ReadableFile openRead(Path path) throws IOException;

  /**
   * Opens an existing file that nobody will change again (a table) for positional reads, memory
   * mapped where the implementation can: reads need no system call and a file closes only when its
   * owner is sure no read is in progress (see {@code MappedReadableFile}). The default reads as
   * {@link #openRead} does, which is what file systems that inject faults want.
   */
  default ReadableFile openMapped(Path path) throws IOException {
    return openRead(path);
  }

  boolean exists(Path path);

  long size(Path path) throws IOException;

  /** Names (not paths) of the entries of a directory. */
  List<String> list(Path dir) throws IOException;

  /**
   * Atomically renames {@code from} to {@code to}, replacing {@code to} if it exists. A directory
   * may be renamed too; it replaces only an empty directory.
   */
  void rename(Path from, Path to) throws IOException;

  /** Deletes a file, or an empty directory, if it exists. */
  void delete(Path path) throws IOException;

  /**
   * Makes {@code link} a new name of the existing file {@code existing} (a hard link): both names
   * then denote the same bytes, which stay until the last name is deleted. The new entry survives
   * a power loss only after {@link #syncDirectory(Path)} of its parent; the bytes are as durable
   * as {@code existing}'s. Used by checkpoints for table files, which are never changed once
   * written.
   *
   * @throws UnsupportedOperationException if this file system has no hard links (the default)
   * @throws IOException if the link cannot be made, for example because the two names are on
   *     different file stores or the file store does not support links
   */
  default void link(Path existing, Path link) throws IOException {
    throw new UnsupportedOperationException(
        "hard links are not supported by " + getClass().getSimpleName());
  }

  void createDirectories(Path dir) throws IOException;

  /** Forces the directory's entries (creations, renames, deletions) to stable storage. */
  void syncDirectory(Path dir) throws IOException;

  /**
   * Takes an exclusive lock on {@code path} (created if absent) for this process.
   *
   * @throws IOException if another holder, in this process or another, has it
   */
  FileLockHandle lock(Path path) throws IOException;

  /**
   * Test seam: the engine calls this at each named moment of its durability protocol. Production
   * file systems do nothing (the call costs an inlined empty method); a fault-injecting test file
   * system may simulate a crash here. Never call it with a lock held that a reader needs.
   */
  default void crashPoint(CrashPoint point) {}

  /** The shared production instance. */
  static FileSystem nio() {
    return NioFileSystem.INSTANCE;
  }
}
