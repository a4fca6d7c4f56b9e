package dev.strata.version;

import dev.strata.key.InternalIterator;
import dev.strata.key.RangeTombstone;
import dev.strata.stats.LockWaits;
import dev.strata.key.MergingIterator;
import dev.strata.sstable.PrefixBound;
import dev.strata.sstable.TableCache;
import dev.strata.sstable.TableHandle;
import dev.strata.sstable.TableReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.StampedLock;

/**
 * One on-disk level behind its own read-write lock: thread-safe point lookups, iteration,
 * overlap queries and sizes, and {@link #replace} which swaps the whole level atomically. Flush
 * and compaction install their results only through {@code replace}.
 *
 * <h2>Invariants</h2>
 *
 * <ol>
 *   <li>{@code current} always lists files that are complete, synced and recorded in the manifest.
 *   <li>Every file in {@code current} holds one reference owned by the installed level (see
 *       {@link FileMetadata} and {@link Installed}); {@code replace} drops the references of the
 *       level it replaced once no point lookup still reads that level.
 *   <li>Data only moves downward (memtable, level 0, level 1, ...), and {@code VersionSet}
 *       installs a change that touches two levels bottom level first: the new home of the data is
 *       visible before the old one is removed. A reader that consults levels top-down therefore
 *       finds every key: at the moment it reads level i, each version it has not yet seen is in
 *       level i or below, and it stays in some level >= i from then on.
 * </ol>
 *
 * <h2>Concurrency</h2>
 *
 * Readers take the read lock only long enough to pin what they read: a point lookup pins the
 * installed level as a whole (one atomic increment, whatever the number of files it consults), an
 * iterator takes a reference on each file it will read. They read the tables with no lock held,
 * so no lock is held across disk I/O and a replacement never waits for a slow read. {@code
 * replace} takes the write lock for a pointer swap. Lock rank 6 (levels, ascending by level
 * number) in {@code docs/design/locking.md}; no other lock is taken while holding it.
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

  /**
   * Rank 6. Guards {@code current}. A {@link StampedLock} (not reentrant: no method takes it while
   * holding it), as the memtable's shards use, rather than a {@code ReentrantReadWriteLock}, whose
   * read side keeps a per-thread hold count: a {@code ThreadLocal} lookup on every lookup of every
   * level, and branches on which thread read first that deoptimized the compiled read path when a
   * second thread arrived (JFR {@code jdk.Deoptimization} in YCSB C, {@code docs/benchmarks.md},
   * "Warm-up"). Point lookups first read it optimistically ({@link #pinCurrent}): taking and
   * releasing the read lock are two atomic updates of the lock's state, which every reader of
   * the level shares, per level per lookup.
   */
  private final StampedLock lock = new StampedLock();

  /** The database's count of reads that waited for a level's read lock. */
  private final LockWaits lockWaits;

  /**
   * The level's files as installed. Guarded by {@link #lock}: read under its read lock, replaced
   * under its write lock (Error Prone's {@code @GuardedBy} does not follow a {@code StampedLock}'s
   * stamps).
   */
  private Installed current;

  /**
   * One installed {@link Level} and the point lookups reading it. A lookup pins the whole level
   * instead of a reference on each file it consults: at level 0 a lookup consults every file, and
   * two atomic updates per file on counters every reader shares cost more than the bloom probes
   * (JFR, {@code docs/benchmarks.md}, "One pin per level").
   *
   * <p>Protocol: an instance takes a reference on each of its files when made, before it is
   * installed, and drops them when {@link #holds} reaches 0. {@code holds} starts at 1, the
   * level's own hold while the instance is current; a lookup increments it under the read lock,
   * where the instance is current, so the count is at least 1 there and never rises from 0, or,
   * after an optimistic read of the lock validated, by {@link #tryHold}, which never raises it
   * from 0 either.
   * {@link #replace} swaps in the next instance (which already holds its files, so a file in both
   * never drops to zero) and then drops the level's hold on the previous one. The thread whose
   * decrement reaches 0 (the replacer, or the last lookup of that instance) drops the references,
   * once: zero is terminal. A lookup therefore keeps every file of the level it pinned, including
   * files a later replacement keeps and a still later one removes.
   */
  private static final class Installed {
    final Level level;
    final AtomicInteger holds = new AtomicInteger(1);

    /** Requires: every file of {@code level} is referenced by the caller or is new. */
    Installed(Level level) {
      this.level = level;
      List<FileMetadata> files = level.files();
      for (int i = 0, n = files.size(); i < n; i++) {
        files.get(i).ref();
      }
    }

    /** A point lookup's hold, taken only while the count is positive (zero is terminal). */
    boolean tryHold() {
      for (int h = holds.get(); h > 0; h = holds.get()) {
        if (holds.compareAndSet(h, h + 1)) {
          return true;
        }
      }
      return false;
    }

    void release() {
      if (holds.decrementAndGet() == 0) {
        List<FileMetadata> files = level.files();
        for (int i = 0, n = files.size(); i < n; i++) {
          files.get(i).unref();
        }
      }
    }
  }

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
    this.current = new Installed(Level.empty(number));
  }

  public int number() {
    return number;
  }

  /** The level as it is now: an immutable view that may be replaced right after. */
  public Level level() {
    long stamp = lock.readLock();
    try {
      return current.level;
    } finally {
      lock.unlockRead(stamp);
    }
  }

  /**
   * Swaps in {@code next} atomically and drops the level's reference on each file of the level
   * replaced, at once or, if point lookups are reading it, when the last of them is done: a file
   * that left goes to the obsolete callback then (unless something else holds it).
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
    Installed installed = new Installed(next);
    Installed previous;
    long stamp = lock.writeLock();
    try {
      previous = current;
      current = installed;
      fileCount = next.fileCount();
    } finally {
      lock.unlockWrite(stamp);
    }
    previous.release();
    return previous.level;
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
    Installed pinned = pinCurrent();
    try {
      Level level = pinned.level;
      if (number != 0) {
        // A sorted level: at most one file can hold the key. No list, no iterator per lookup.
        FileMetadata f = level.fileForKey(userKey);
        return f == null
            ? null
            : getFrom(f, userKey, keyHash, snapshot, verifyChecksums, fillCache, detectNewer);
      }
      // Level 0: every file whose range covers the key, newest first, by index (the files are an
      // immutable list): no list of candidates and no iterator per lookup.
      List<FileMetadata> files = level.files();
      for (int i = 0, n = files.size(); i < n; i++) {
        FileMetadata f = files.get(i);
        if (!f.mayContainKey(userKey)) {
          continue;
        }
        byte[] result =
            getFrom(f, userKey, keyHash, snapshot, verifyChecksums, fillCache, detectNewer);
        if (result != null) {
          // Level 0 files are consulted newest first, and a newer file holds only newer
          // versions, so the first file with a visible version has the newest one.
          return result;
        }
      }
      return null;
    } finally {
      pinned.release();
    }
  }

  /**
   * One file's answer to a point lookup, as {@link #get} takes it; the caller pins the file.
   *
   * <p>An open reader is read without a reference: the pinned level keeps the file, and a reader
   * the table cache closes meanwhile fails the read, which then runs again through a reference
   * ({@link TableCache#unreferencedReader}). A reference costs two atomic updates of a count that
   * every reader of the table shares, per file consulted: at level 0, every file.
   */
  private byte[] getFrom(
      FileMetadata f,
      byte[] userKey,
      long keyHash,
      long snapshot,
      boolean verifyChecksums,
      boolean fillCache,
      boolean detectNewer) {
    TableReader open = f.unreferencedReader(tables);
    if (open != null) {
      try {
        return open.get(userKey, keyHash, snapshot, verifyChecksums, fillCache, detectNewer);
      } catch (RuntimeException e) {
        if (!open.isClosed()) {
          throw e;
        }
        // Closed under the lookup (the cache's bound on open files, or the cache's close): read
        // through a reference, which opens the table again or reports the closed cache.
      }
    }
    try (TableHandle t = f.acquireTable(tables)) {
      return t.reader().get(userKey, keyHash, snapshot, verifyChecksums, fillCache, detectNewer);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Looks up several keys at {@code snapshot}, for {@code multiGet}: {@code keys[order[k]]} for
   * {@code k < count}, sorted by user key, skipping those with {@code found[...]} set. A key's
   * result (a value or {@link dev.strata.key.Lookup#DELETED}) goes to {@code results[order[k]]},
   * and {@code found} is set. Level 0 looks each key up as {@link #get} does. A sorted level pins
   * once the files that the keys' range overlaps, opens each file once for the run of keys that
   * falls in it, and reads each data block once for the keys it holds.
   *
   * <p>Requires: {@code snapshot} is registered (no newer-only detection is done).
   *
   * @throws UncheckedIOException if reading fails
   */
  public void multiGet(
      byte[][] keys,
      long[] hashes,
      int[] order,
      int count,
      boolean[] found,
      byte[][] results,
      long snapshot,
      boolean verifyChecksums,
      boolean fillCache) {
    if (fileCount == 0 || count == 0) {
      return;
    }
    if (number == 0) {
      for (int k = 0; k < count; k++) {
        int slot = order[k];
        if (!found[slot]) {
          byte[] r =
              get(keys[slot], hashes[slot], snapshot, verifyChecksums, fillCache, false);
          if (r != null) {
            results[slot] = r;
            found[slot] = true;
          }
        }
      }
      return;
    }
    List<FileMetadata> files = pin(keys[order[0]], keys[order[count - 1]]);
    TableReader.BlockReuse reuse = new TableReader.BlockReuse();
    TableHandle open = null;
    try {
      int file = 0;
      for (int k = 0; k < count && file < files.size(); k++) {
        int slot = order[k];
        if (found[slot]) {
          continue;
        }
        byte[] key = keys[slot];
        while (file < files.size()
            && dev.strata.util.Bytes.compare(files.get(file).largestUserKey(), key) < 0) {
          file++;
          if (open != null) {
            open.close();
            open = null;
          }
        }
        if (file == files.size()) {
          break;
        }
        FileMetadata f = files.get(file);
        if (dev.strata.util.Bytes.compare(f.smallestUserKey(), key) > 0) {
          continue;
        }
        if (open == null) {
          open = f.acquireTable(tables);
        }
        byte[] r =
            open.reader().get(key, hashes[slot], snapshot, verifyChecksums, fillCache, reuse);
        if (r != null) {
          results[slot] = r;
          found[slot] = true;
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      if (open != null) {
        open.close();
      }
      unpin(files);
    }
  }

  /**
   * False only if no table of this level can hold {@code userKey}: each candidate file's bloom
   * filter is asked, no data block is read.
   *
   * @throws UncheckedIOException if opening a table fails
   */
  public boolean mayContain(byte[] userKey, long keyHash) {
    if (fileCount == 0) {
      return false;
    }
    Installed pinned = pinCurrent();
    try {
      for (FileMetadata f : pinned.level.filesForKey(userKey)) {
        try (TableHandle t = f.acquireTable(tables)) {
          if (t.reader().mayContainHash(keyHash)) {
            return true;
          }
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
      return false;
    } finally {
      pinned.release();
    }
  }

  /**
   * About how many bytes of this level's files hold keys in [{@code start}, {@code limit}) (null:
   * unbounded): whole files inside the range count their size, a file the range cuts counts the
   * span between the data blocks the two bounds fall in, from its index. No data block is read;
   * tables not open are opened.
   *
   * @throws UncheckedIOException if opening a table fails
   */
  public long approximateSize(byte[] start, byte[] limit) {
    if (fileCount == 0) {
      return 0;
    }
    List<FileMetadata> files = pin(start, limit);
    long total = 0;
    try {
      for (FileMetadata f : files) {
        boolean startsInside =
            start == null || dev.strata.util.Bytes.compare(start, f.smallestUserKey()) <= 0;
        boolean endsInside =
            limit == null || dev.strata.util.Bytes.compare(f.largestUserKey(), limit) < 0;
        if (startsInside && endsInside) {
          total += f.fileSize();
          continue;
        }
        try (TableHandle t = f.acquireTable(tables)) {
          TableReader r = t.reader();
          long from = startsInside ? 0 : r.approximateOffsetOf(start);
          long to = endsInside ? f.fileSize() : r.approximateOffsetOf(limit);
          total += Math.max(0, to - from);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
      return total;
    } finally {
      unpin(files);
    }
  }

  /**
   * Entries of this level's tables less twice their tombstones (each hides a key and is not one),
   * as {@code strata.estimate-num-keys} counts them; from the tables' properties. Negative when
   * this level's tombstones hide keys of lower levels.
   *
   * @throws UncheckedIOException if opening a table fails
   */
  public long estimateKeys() {
    if (fileCount == 0) {
      return 0;
    }
    List<FileMetadata> files = pin(null, null);
    long total = 0;
    try {
      for (FileMetadata f : files) {
        try (TableHandle t = f.acquireTable(tables)) {
          var p = t.reader().properties();
          total += p.entryCount() - 2 * p.tombstoneCount();
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
      return total;
    } finally {
      unpin(files);
    }
  }

  /**
   * Takes the read lock for a read, counting a wait if an install holds the write lock: {@code
   * tryReadLock} only decides whether to read the clock.
   */
  private long lockForRead() {
    long stamp = lock.tryReadLock();
    if (stamp == 0L) {
      long start = System.nanoTime();
      stamp = lock.readLock();
      lockWaits.record(System.nanoTime() - start);
    }
    return stamp;
  }

  /**
   * The files overlapping [{@code begin}, {@code end}] (null: unbounded; both null: every file),
   * each with a reference taken under the read lock; the caller {@link #unpin}s them.
   */
  private List<FileMetadata> pin(byte[] begin, byte[] end) {
    long stamp = lockForRead();
    try {
      List<FileMetadata> files =
          begin == null && end == null
              ? current.level.files()
              : current.level.overlapping(begin, end);
      for (FileMetadata f : files) {
        f.ref();
      }
      return files;
    } finally {
      lock.unlockRead(stamp);
    }
  }

  /** Drops the references {@link #pin} took. */
  private static void unpin(List<FileMetadata> files) {
    for (int i = 0, n = files.size(); i < n; i++) {
      files.get(i).unref();
    }
  }

  /**
   * The level as installed now, with a hold that keeps its files from being handed to the
   * obsolete callback until {@link Installed#release}; for point lookups.
   */
  private Installed pinCurrent() {
    // Optimistic first, as the memtable's shards read: no write to the lock's shared state. A
    // stamp that validates means the instance read was current at that moment; a hold taken on
    // it from a positive count keeps its files, whether or not a replacement has swapped it out
    // since (as a replacement right after a locked pin would). A count already at zero means it
    // was swapped out and released: read it again under the lock.
    long stamp = lock.tryOptimisticRead();
    if (stamp != 0L) {
      Installed installed = current;
      if (lock.validate(stamp) && installed.tryHold()) {
        return installed;
      }
    }
    stamp = lockForRead();
    try {
      Installed installed = current;
      installed.holds.incrementAndGet();
      return installed;
    } finally {
      lock.unlockRead(stamp);
    }
  }

  /**
   * An iterator over the whole level as it is now. It pins the level's files until closed, so
   * later replacements do not disturb it.
   */
  public InternalIterator newIterator(boolean verifyChecksums, boolean fillCache) {
    return newIterator(verifyChecksums, fillCache, null);
  }

  /**
   * As {@link #newIterator(boolean, boolean)}, adding to {@code rangeTombstones} (unless null) the
   * range tombstones of the same files the iterator reads, so that the iterator and the
   * tombstones are one view of the level.
   *
   * @throws UncheckedIOException if opening a table with range tombstones fails
   */
  public InternalIterator newIterator(
      boolean verifyChecksums, boolean fillCache, List<RangeTombstone> rangeTombstones) {
    return newIterator(verifyChecksums, fillCache, rangeTombstones, null);
  }

  /**
   * As {@link #newIterator(boolean, boolean, List)}, with table iterators that skip a table's point
   * entries while {@code prefix} (unless null) is set and the table's prefix filter rules it out.
   * The range tombstones of every file are still added to {@code rangeTombstones}, skipped or
   * not: a table with no key of the prefix may hold a range deletion that hides keys of it in
   * older tables.
   *
   * @throws UncheckedIOException if opening a table with range tombstones fails
   */
  public InternalIterator newIterator(
      boolean verifyChecksums,
      boolean fillCache,
      List<RangeTombstone> rangeTombstones,
      PrefixBound prefix) {
    List<FileMetadata> files = pin(null, null);
    if (rangeTombstones != null) {
      try {
        for (FileMetadata f : files) {
          if (f.hasRangeTombstones()) {
            try (TableHandle t = f.acquireTable(tables)) {
              rangeTombstones.addAll(t.reader().rangeTombstones().toTombstones());
            }
          }
        }
      } catch (IOException e) {
        unpin(files);
        throw new UncheckedIOException(e);
      } catch (RuntimeException e) {
        unpin(files);
        throw e;
      }
    }
    if (number == 0) {
      List<InternalIterator> children = new ArrayList<>(files.size());
      for (FileMetadata f : files) {
        children.add(new TableFileIterator(tables, f, verifyChecksums, fillCache, true, prefix));
      }
      return new MergingIterator(children);
    }
    return new LevelIterator(tables, files, verifyChecksums, fillCache, prefix);
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
