package dev.strata.version;

import dev.strata.stats.LockWaits;
import com.google.errorprone.annotations.concurrent.GuardedBy;
import dev.strata.key.InternalIterator;
import dev.strata.key.MergingIterator;
import dev.strata.sstable.TableCache;
import dev.strata.sstable.TableHandle;
import dev.strata.sstable.TableReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * One on-disk level behind its own read-write lock: thread-safe point lookups, iteration,
 * overlap queries and sizes, and {@link #replace} which swaps the whole level atomically. Flush
 * and compaction install their results only through {@code replace}.
 *
 * <h2>Invariants</h2>
 *
 * <ol>
 *   <li>{@code current} always lists files that are complete, synced and recorded in the manifest.
 *   <li>Every file in {@code current} holds one reference owned by this level (see {@link
 *       FileMetadata}); {@code replace} drops the references of the files it removes.
 *   <li>Data only moves downward (memtable, level 0, level 1, ...), and {@code VersionSet}
 *       installs a change that touches two levels bottom level first: the new home of the data is
 *       visible before the old one is removed. A reader that consults levels top-down therefore
 *       finds every key: at the moment it reads level i, each version it has not yet seen is in
 *       level i or below, and it stays in some level >= i from then on.
 * </ol>
 *
 * <h2>Concurrency</h2>
 *
 * Readers take the read lock only long enough to choose files and take a reference on each; they
 * read the tables with no lock held, so no lock is held across disk I/O and a replacement never
 * waits for a slow read. {@code replace} takes the write lock for a pointer swap. Lock rank 6
 * (levels, ascending by level number) in {@code docs/design/locking.md}; no other lock is taken
 * while holding it.
 *
 * <h2>Lifecycle</h2>
 *
 * Owned by {@link VersionSet}; lives as long as the database. Removed files are deleted by the
 * obsolete-file callback when their last reader lets go.
 *
 * <h2>Failure</h2>
 *
 * A damaged table raises {@code CorruptionException} from the read that met it; a missing table
 * raises it from the table cache. The level itself is unchanged by read failures.
 */
public final class ConcurrentLevel {
  private final int number;
  private final TableCache tables;

  /** The database's count of reads that waited for a level's read lock. */
  private final LockWaits lockWaits;

  /** Rank 6. Guards {@code current}. */
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();

  @GuardedBy("lock")
  private Level current;

  /**
   * Files in {@code current}: written under the write lock in {@link #replace}, read lock-free by
   * point lookups to skip an empty level without touching the lock's shared state (most levels
   * are empty under dynamic level sizing). A stale read is harmless: a lookup that sees 0 just
   * before a file arrives treats the level as it was an instant earlier, which the top-down order
   * already allows (the file's data is still in the level it moved from, or in a memtable).
   */
  private volatile int fileCount;

  public ConcurrentLevel(int number, TableCache tables) {
    this(number, tables, LockWaits.NONE);
  }

  /** As above, counting reads' waits for the level's read lock in {@code lockWaits}. */
  public ConcurrentLevel(int number, TableCache tables, LockWaits lockWaits) {
    this.lockWaits = lockWaits;
    this.number = number;
    this.tables = tables;
    this.current = Level.empty(number);
  }

  public int number() {
    return number;
  }

  /** The level as it is now: an immutable view that may be replaced right after. */
  public Level level() {
    lock.readLock().lock();
    try {
      return current;
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * Swaps in {@code next} atomically and drops the level's reference on each file that left.
   *
   * <p>Requires: the caller holds the version lock (installs are serialised by {@link
   * VersionSet}) and every file of {@code next} is durable and recorded in the manifest.
   *
   * @return the level replaced
   */
  public Level replace(Level next) {
    if (next.number() != number) {
      throw new IllegalArgumentException("level " + next.number() + " installed in " + number);
    }
    for (FileMetadata f : next.files()) {
      if (!contains(f)) {
        f.ref();
      }
    }
    Level previous;
    lock.writeLock().lock();
    try {
      previous = current;
      current = next;
      fileCount = next.fileCount();
    } finally {
      lock.writeLock().unlock();
    }
    for (FileMetadata f : previous.files()) {
      if (!containsNumber(next, f.number())) {
        f.unref();
      }
    }
    return previous;
  }

  private boolean contains(FileMetadata f) {
    return containsNumber(level(), f.number());
  }

  private static boolean containsNumber(Level level, long fileNumber) {
    for (FileMetadata f : level.files()) {
      if (f.number() == fileNumber) {
        return true;
      }
    }
    return false;
  }

  /**
   * Point lookup: the newest version of {@code userKey} with sequence <= {@code snapshot} in this
   * level: its value, {@code Lookup.DELETED}, or null if the level holds no version.
   *
   * @param detectNewer for a read at an unregistered sequence: return {@code Lookup.NEWER_ONLY} as
   *     soon as a file holds the key only above {@code snapshot} (see {@link
   *     dev.strata.key.Lookup#NEWER_ONLY}); otherwise such a file counts as not holding the key
   */
  public byte[] get(
      byte[] userKey,
      long snapshot,
      boolean verifyChecksums,
      boolean fillCache,
      boolean detectNewer) {
    return get(
        userKey, TableReader.keyHash(userKey), snapshot, verifyChecksums, fillCache, detectNewer);
  }

  /** As {@link #get(byte[], long, boolean, boolean, boolean)} with {@link TableReader#keyHash}. */
  public byte[] get(
      byte[] userKey,
      long keyHash,
      long snapshot,
      boolean verifyChecksums,
      boolean fillCache,
      boolean detectNewer) {
    if (fileCount == 0) {
      return null;
    }
    List<FileMetadata> candidates = pinFilesForKey(userKey);
    try {
      for (FileMetadata f : candidates) {
        try (TableHandle t = tables.acquire(f.number(), f.fileSize())) {
          byte[] result =
              t.reader().get(userKey, keyHash, snapshot, verifyChecksums, fillCache, detectNewer);
          if (result != null) {
            // Level 0 files are consulted newest first, and a newer file holds only newer
            // versions, so the first file with a visible version has the newest one.
            return result;
          }
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
      return null;
    } finally {
      for (FileMetadata f : candidates) {
        f.unref();
      }
    }
  }

  /**
   * Takes the read lock for a read, counting a wait if an install holds the write lock. {@code
   * tryLock} only decides whether to read the clock: the lock is not fair, so it barges exactly
   * as {@code lock()} would.
   */
  private void lockForRead() {
    if (!lock.readLock().tryLock()) {
      long start = System.nanoTime();
      lock.readLock().lock();
      lockWaits.record(System.nanoTime() - start);
    }
  }

  private List<FileMetadata> pinFilesForKey(byte[] userKey) {
    lockForRead();
    try {
      List<FileMetadata> files = current.filesForKey(userKey);
      for (FileMetadata f : files) {
        f.ref();
      }
      return files;
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * An iterator over the whole level as it is now. It pins the level's files until closed, so
   * later replacements do not disturb it.
   */
  public InternalIterator newIterator(boolean verifyChecksums, boolean fillCache) {
    List<FileMetadata> files;
    lockForRead();
    try {
      files = current.files();
      for (FileMetadata f : files) {
        f.ref();
      }
    } finally {
      lock.readLock().unlock();
    }
    if (number == 0) {
      List<InternalIterator> children = new ArrayList<>(files.size());
      for (FileMetadata f : files) {
        children.add(new TableFileIterator(tables, f, verifyChecksums, fillCache, true));
      }
      return new MergingIterator(children);
    }
    return new LevelIterator(tables, files, verifyChecksums, fillCache);
  }

  public int fileCount() {
    return fileCount;
  }

  public long totalBytes() {
    return level().totalBytes();
  }

  /** Files overlapping [begin, end] (null = unbounded) now; not pinned. */
  public List<FileMetadata> overlapping(byte[] begin, byte[] end) {
    return level().overlapping(begin, end);
  }
}
