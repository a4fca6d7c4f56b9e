package dev.strata.sstable;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import dev.strata.CorruptionException;
import dev.strata.fs.FileSystem;
import dev.strata.fs.ReadableFile;
import dev.strata.key.InternalIterator;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ref.WeakReference;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The open {@link TableReader}s of one database, at most about {@code maxOpenFiles} of them kept
 * open while idle, handed out as reference-counted {@link TableHandle}s.
 *
 * <h2>Invariants</h2>
 *
 * <ol>
 *   <li>A reader is closed exactly once, when its reference count reaches zero, and no reference is
 *       taken after that: a thread holding a handle never sees a closed file.
 *   <li>While the cache maps a file number to an {@link OpenTable}, that entry holds one reference
 *       of its own, dropped by the removal listener after Caffeine unmaps it (eviction, {@link
 *       #evict}, {@link #close()}).
 *   <li>A {@link Slot} hands out only a reader this cache still maps: the removal listener clears
 *       {@link OpenTable#mapped} before it drops the entry's reference.
 *   <li>A point lookup may read a reader without a reference ({@link #unreferencedReader}) only if
 *       its file fails reads cleanly once closed (never a memory-mapped one); such a lookup can
 *       see the reader close under it, and then reads again through a handle.
 * </ol>
 *
 * <h2>Concurrency</h2>
 *
 * Thread-safe without locks of its own: the map is Caffeine's (a {@code ConcurrentHashMap}
 * underneath), which opens each file once even when several threads miss on it together, and the
 * reference counts are {@link AtomicInteger}s. See {@link OpenTable#refs} for the protocol and its
 * happens-before argument.
 *
 * <h2>Lifecycle</h2>
 *
 * The database owns the cache and closes it at shutdown. {@link #close()} drops every cached
 * reference: idle readers close at once, readers still held close when their last handle does.
 * {@link #acquire} after close throws.
 *
 * <h2>Failure</h2>
 *
 * A table that fails to open is not cached: the next {@link #acquire} tries again. A missing file
 * raises {@link CorruptionException} with offset -1.
 */
public final class TableCache implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TableCache.class);

  private final FileSystem fs;
  private final LongFunction<Path> pathOfFileNumber;
  private final BlockCache blockCache;
  /** Whether table files are opened memory-mapped. */
  private final boolean mapped;

  /**
   * What the open readers hold: their number, and the sum of their {@link TableReader#heapBytes}.
   * Both count every reader from its open to its close, so readers the cache has dropped but
   * handles still hold are in them. Added to by the thread that opens a table, taken off by the
   * thread whose release closes it; read by {@code getProperty} with no lock. A read racing an
   * open or a close sees the figure just before or just after it.
   */
  private final AtomicInteger openReaders = new AtomicInteger();

  private final AtomicLong openReaderBytes = new AtomicLong();

  /** File number to open table. Thread-safe (Caffeine); removal listener releases the entry. */
  private final Cache<Long, OpenTable> readers;

  /** The database's lookup counters, handed to every reader it opens. */
  private final TableReadStats stats;

  /**
   * Set once by {@link #close()}, before it empties {@link #readers}; read by {@link #acquire}. An
   * acquire that inserts after close's sweep sees {@code true} (see {@link #acquire}).
   */
  private volatile boolean closed;

  /**
   * Requires: {@code maxOpenFiles >= 1}.
   *
   * @param pathOfFileNumber where the table with a given file number lives
   * @param blockCache the cache every reader shares
   * @param maxOpenFiles readers kept open while unused; more stay open while handles hold them
   */
  public TableCache(
      FileSystem fs, LongFunction<Path> pathOfFileNumber, BlockCache blockCache, int maxOpenFiles) {
    this(fs, pathOfFileNumber, blockCache, maxOpenFiles, false);
  }

  /**
   * As above; {@code mapped} opens table files through {@link FileSystem#openMapped}, which is safe
   * here because a reader closes only when its last handle is released (invariant 1).
   */
  public TableCache(
      FileSystem fs,
      LongFunction<Path> pathOfFileNumber,
      BlockCache blockCache,
      int maxOpenFiles,
      boolean mapped) {
    this(fs, pathOfFileNumber, blockCache, maxOpenFiles, mapped, TableReadStats.NONE);
  }

  /** As above; every reader counts its lookups, and the cache its opens, in {@code stats}. */
  public TableCache(
      FileSystem fs,
      LongFunction<Path> pathOfFileNumber,
      BlockCache blockCache,
      int maxOpenFiles,
      boolean mapped,
      TableReadStats stats) {
    this.stats = stats;
    this.mapped = mapped;
    if (maxOpenFiles < 1) {
      throw new IllegalArgumentException("maxOpenFiles must be >= 1, got " + maxOpenFiles);
    }
    this.fs = Objects.requireNonNull(fs, "fs");
    this.pathOfFileNumber = Objects.requireNonNull(pathOfFileNumber, "pathOfFileNumber");
    this.blockCache = Objects.requireNonNull(blockCache, "blockCache");
    // Runnable::run runs eviction and the listener on the thread that caused them, so a reader
    // closes deterministically and no pool thread needs an owner.
    this.readers =
        Caffeine.newBuilder()
            .maximumSize(maxOpenFiles)
            .executor(Runnable::run)
            .removalListener(
                (Long n, OpenTable t, RemovalCause cause) -> {
                  t.mapped = false;
                  t.release();
                })
            .build();
  }

  /**
   * A reference to the reader of table {@code fileNumber}, opening it if needed. The caller closes
   * the handle when done; the reader stays open at least until then.
   *
   * <p>Requires: the cache is open. May block on I/O (opening the table).
   *
   * @param fileSize the table's size as recorded when it was written
   * @param globalSequence the sequence the manifest gives an ingested table, 0 for others; fixed
   *     for the life of a file number (see {@link TableReader#open(dev.strata.fs.ReadableFile,
   *     String, long, BlockCache, TableReadStats, long)})
   * @throws CorruptionException if the file is missing (offset -1) or fails a check on open
   * @throws IOException if reading fails
   * @throws IllegalStateException if the cache is closed
   */
  public TableHandle acquire(long fileNumber, long fileSize, long globalSequence)
      throws IOException {
    requireOpen();
    // Fast path, every lookup of an open table: no allocation beyond the handle.
    OpenTable cached = readers.getIfPresent(fileNumber);
    if (cached != null && cached.tryRetain()) {
      TableHandle handle = new TableHandle(cached);
      if (!closed) {
        return handle;
      }
      readers.invalidate(fileNumber);
      handle.close();
      throw new IllegalStateException("table cache is closed");
    }
    for (; ; ) {
      OpenTable[] created = new OpenTable[1];
      OpenTable table;
      try {
        table =
            readers.get(
                fileNumber,
                n -> {
                  created[0] = open(n, fileSize, globalSequence);
                  return created[0];
                });
      } catch (UncheckedIOException e) {
        throw e.getCause();
      }
      // A table this thread opened comes with the caller's reference already taken, so that an
      // immediate eviction cannot close it first. A table found in the map may be on its way
      // out: its count reached zero after it was unmapped; then it is gone and a retry opens
      // the file again.
      if (table == created[0] || table.tryRetain()) {
        TableHandle handle = new TableHandle(table);
        if (closed) {
          // close() swept the map before this insert, or concurrently with it; undo it here.
          readers.invalidate(fileNumber);
          handle.close();
          throw new IllegalStateException("table cache is closed");
        }
        return handle;
      }
    }
  }

  /**
   * Where a table's metadata remembers the reader this cache last gave for it, so that the lookups
   * of a table already open skip the cache's map: a point read consults a table of every level,
   * and the map's hashing, bookkeeping and atomics per table were a sixth of a read's time.
   *
   * <p>Holds the reader weakly: a reader the cache has dropped (its size bound, {@link #evict})
   * becomes garbage once its last handle closes, whatever the slot says. Thread-safe: the
   * reference is volatile, and a stale or cleared one only sends {@link #acquire(long, long, long,
   * Slot)} the slow way.
   */
  public static final class Slot {
    private volatile WeakReference<OpenTable> remembered;
  }

  /**
   * The reader of table {@code fileNumber} that {@code slot} remembers, for a point lookup that
   * reads it without a reference, or null: then the lookup takes one through {@link
   * #acquire(long, long, long, Slot)}. Non-null only for a reader this cache still maps, open,
   * whose file fails reads cleanly once closed ({@link TableReader#readableUnreferenced}); about
   * one call in 64 also tells the map of the use, as {@code acquire} does.
   *
   * <p>The map may drop the reader and close it at any time after this returns (its bound on open
   * files). So the caller must keep the table's file from being deleted (a pinned level does),
   * and treat any failure of a read through the reader as a possible close: if {@link
   * TableReader#isClosed} then holds, read again through {@code acquire}; a read that completes
   * read the file's own bytes. Two atomic updates of a count every reader of the table shares,
   * and a handle, fewer per table per lookup.
   */
  public TableReader unreferencedReader(long fileNumber, Slot slot) {
    OpenTable known = mappedIn(slot);
    if (known == null
        || closed
        || !known.reader.readableUnreferenced()
        || known.reader.isClosed()) {
      return null;
    }
    countSlotUse(fileNumber);
    return known.reader;
  }

  /** The table {@code slot} remembers if this cache opened it and still maps it, else null. */
  private OpenTable mappedIn(Slot slot) {
    WeakReference<OpenTable> ref = slot.remembered;
    OpenTable known = ref == null ? null : ref.get();
    return known != null && known.owner == this && known.mapped ? known : null;
  }

  /** A lookup through a slot is also counted as a use by the map once in {@code MASK + 1}. */
  private static final int SLOT_TOUCH_MASK = 63;

  /** Tells the map of a lookup through a slot, about once in {@code SLOT_TOUCH_MASK + 1}. */
  private void countSlotUse(long fileNumber) {
    if ((ThreadLocalRandom.current().nextInt() & SLOT_TOUCH_MASK) == 0) {
      var unused = readers.getIfPresent(fileNumber);
    }
  }

  /**
   * As {@link #acquire(long, long, long)}, first trying the reader {@code slot} remembers: used if
   * this cache still maps it and it is open. About one such lookup in 64 also tells the map, so
   * that a table read only through its slot keeps its place among the {@code maxOpenFiles}
   * against tables read rarely.
   */
  public TableHandle acquire(long fileNumber, long fileSize, long globalSequence, Slot slot)
      throws IOException {
    OpenTable known = mappedIn(slot);
    if (known != null && known.tryRetain()) {
      // Retained: the reader stays open until this handle closes, even if the entry is dropped
      // between the check of mapped and the retain (as with the map's own fast path).
      TableHandle handle = new TableHandle(known);
      if (closed) {
        handle.close();
        throw new IllegalStateException("table cache is closed");
      }
      countSlotUse(fileNumber);
      return handle;
    }
    TableHandle handle = acquire(fileNumber, fileSize, globalSequence);
    OpenTable table = handle.table();
    if (known != table) {
      slot.remembered = table.weakSelf;
    }
    return handle;
  }

  /**
   * An iterator over table {@code fileNumber} that holds a reference until it is closed.
   *
   * @throws CorruptionException if the file is missing or fails a check on open
   * @throws IOException if reading fails
   * @throws IllegalStateException if the cache is closed
   */
  public InternalIterator newIterator(
      long fileNumber,
      long fileSize,
      long globalSequence,
      boolean verifyChecksums,
      boolean fillCache)
      throws IOException {
    TableHandle handle = acquire(fileNumber, fileSize, globalSequence);
    try {
      return handle.reader().newIterator(verifyChecksums, fillCache, handle);
    } catch (RuntimeException e) {
      handle.close();
      throw e;
    }
  }

  /**
   * Drops the cache's reference to table {@code fileNumber} (called when the file is deleted); the
   * reader closes once no handle holds it. Safe for a file that is not cached.
   */
  public void evict(long fileNumber) {
    readers.invalidate(fileNumber);
  }

  /** Readers the cache holds now (approximate under concurrency). */
  public long cachedReaderCount() {
    return readers.estimatedSize();
  }

  /** Readers open now: cached ones, and dropped ones that handles still hold. */
  public int openReaderCount() {
    return openReaders.get();
  }

  /** Heap bytes held by the open readers' index, filter and properties blocks. */
  public long openReaderHeapBytes() {
    return openReaderBytes.get();
  }

  /** The file numbers whose readers the cache keeps now (not those only handles hold). */
  public java.util.Set<Long> cachedFileNumbers() {
    return java.util.Set.copyOf(readers.asMap().keySet());
  }

  /** Runs Caffeine's pending maintenance now, so that the size bound holds exactly. */
  void cleanUpForTesting() {
    readers.cleanUp();
  }

  /** Drops every cached reference; held readers close when released. Idempotent. */
  @Override
  public void close() {
    closed = true;
    readers.invalidateAll();
    readers.cleanUp();
  }

  private void requireOpen() {
    if (closed) {
      throw new IllegalStateException("table cache is closed");
    }
  }

  /** Opens a table with two references: the cache's and the acquiring caller's. */
  private OpenTable open(long fileNumber, long fileSize, long globalSequence) {
    Path path = pathOfFileNumber.apply(fileNumber);
    String name = path.toString();
    try {
      ReadableFile file;
      try {
        file = mapped ? fs.openMapped(path) : fs.openRead(path);
      } catch (NoSuchFileException | FileNotFoundException e) {
        throw new CorruptionException(name, -1, "table file missing", e);
      }
      stats.tableOpened();
      return new OpenTable(
          this,
          TableReader.open(file, name, fileSize, blockCache, stats, globalSequence),
          openReaders,
          openReaderBytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** An open reader and its reference count. */
  static final class OpenTable {
    final TableReader reader;

    /** The cache that opened it: a {@link Slot} may be shown to several caches. */
    final TableCache owner;

    /** What {@link Slot}s hold: one weak reference, made once. */
    final WeakReference<OpenTable> weakSelf = new WeakReference<>(this);

    /**
     * Whether the cache's map still holds this entry; cleared by the removal listener before it
     * releases the entry's reference, read by {@link #acquire(long, long, long, Slot)}.
     */
    volatile boolean mapped = true;

    /** The reader's heap bytes, counted in the cache's totals from here until the close. */
    private final long heapBytes;

    /** The owning cache's totals ({@link #openReaders}, {@link #openReaderBytes}). */
    private final AtomicInteger cacheReaders;

    private final AtomicLong cacheReaderBytes;

    /**
     * References: one for the cache while the entry is mapped, one per open {@link TableHandle}.
     * Starts at 2 (cache plus the thread that opened it).
     *
     * <p>Protocol: {@link #tryRetain} increments only from a positive count (CAS loop), {@link
     * #release} decrements, and the thread whose decrement reaches 0 closes the reader. Zero is
     * terminal: no increment succeeds from it, so the close happens once and after every other
     * holder's release. Happens-before: each holder's reads of the file precede its decrement, all
     * decrements are totally ordered on this atomic, and the closing thread's final decrement reads
     * the value written by every earlier one, so every read happens-before the close. The reader's
     * fields are final and published through Caffeine's map.
     */
    private final AtomicInteger refs = new AtomicInteger(2);

    OpenTable(
        TableCache owner,
        TableReader reader,
        AtomicInteger cacheReaders,
        AtomicLong cacheReaderBytes) {
      this.owner = owner;
      this.reader = reader;
      this.heapBytes = reader.heapBytes();
      this.cacheReaders = cacheReaders;
      this.cacheReaderBytes = cacheReaderBytes;
      cacheReaders.incrementAndGet();
      cacheReaderBytes.addAndGet(heapBytes);
    }

    boolean tryRetain() {
      for (; ; ) {
        int r = refs.get();
        if (r == 0) {
          return false;
        }
        if (refs.compareAndSet(r, r + 1)) {
          return true;
        }
      }
    }

    void release() {
      int r = refs.decrementAndGet();
      if (r == 0) {
        cacheReaderBytes.addAndGet(-heapBytes);
        cacheReaders.decrementAndGet();
        try {
          reader.close();
        } catch (RuntimeException e) {
          LOG.warn("closing table {} failed", reader.fileName(), e);
        }
      } else if (r < 0) {
        throw new IllegalStateException("table " + reader.fileName() + " released too often");
      }
    }

    int refCountForTesting() {
      return refs.get();
    }
  }
}
