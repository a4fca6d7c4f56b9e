package dev.strata.engine;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import dev.strata.Cache;
import dev.strata.CorruptionException;
import dev.strata.DBIterator;
import dev.strata.MemtableKind;
import dev.strata.Options;
import dev.strata.ReadOptions;
import dev.strata.Snapshot;
import dev.strata.StrataDB;
import dev.strata.StrataException;
import dev.strata.WriteBatch;
import dev.strata.WriteOptions;
import dev.strata.compaction.BackgroundWorker;
import dev.strata.compaction.Compaction;
import dev.strata.compaction.CompactionJob;
import dev.strata.compaction.CompactionPicker;
import dev.strata.compaction.CompactionStats;
import dev.strata.compaction.FlushJob;
import dev.strata.fs.CrashPoint;
import dev.strata.fs.FileLockHandle;
import dev.strata.fs.FileSystem;
import dev.strata.key.InternalIterator;
import dev.strata.key.Lookup;
import dev.strata.key.MergingIterator;
import dev.strata.memtable.Memtable;
import dev.strata.memtable.ShardedMemtable;
import dev.strata.memtable.SkipListMemtable;
import dev.strata.sstable.BlockCache;
import dev.strata.sstable.TableCache;
import dev.strata.sstable.TableOptions;
import dev.strata.version.FileMetadata;
import dev.strata.version.FileNames;
import dev.strata.version.Level;
import dev.strata.version.VersionEdit;
import dev.strata.version.VersionSet;
import dev.strata.wal.LogWriter;
import dev.strata.wal.WalFormat;
import dev.strata.wal.WalOps;
import dev.strata.wal.WriteBatchCodec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The coordinator behind {@link StrataDB}: the write path ({@link CommitPipeline} → WAL →
 * memtable), the read path (memtables → {@code ConcurrentLevel}s), memtable switches, flushes,
 * compactions, snapshots and shutdown.
 *
 * <h2>Invariants</h2>
 *
 * <ol>
 *   <li>Every write in the visible sequence is in the WAL and in a memtable of {@code mems}, or in
 *       a table of a level (after its flush was installed).
 *   <li>{@code mems} is only replaced whole: a switch adds the old active memtable to the
 *       immutables in the same publication that installs the fresh one; a flush removes an
 *       immutable memtable only after its table is installed in level 0.
 *   <li>A WAL is deleted only after the manifest records a log number above it.
 *   <li>Once {@code backgroundError} is set it is never cleared: writes fail, reads go on.
 * </ol>
 *
 * <h2>Concurrency</h2>
 *
 * Lock order (see {@code docs/design/locking.md}): (1) commit queue, (2) compaction run lock, (3)
 * {@code stateLock} (memtable switch and stall waits), (4) memtable shards, (5) version lock, (6)
 * levels, (7) scheduler and snapshot list (leaves). Readers take only shard and level read locks,
 * one at a time, never across I/O. The WAL writer and {@code logNumber} are confined to the commit
 * leader of the moment. {@code mems} is volatile: written under {@code stateLock}, read lock-free.
 * {@code visibleSequence} is an {@link AtomicLong} written by the commit pipeline in group order.
 *
 * <h2>Lifecycle</h2>
 *
 * {@link #open} recovers ({@link Recovery}), then starts the flush worker and, if enabled, the
 * compaction worker. {@link #close()} marks the database closed, stops both workers (a running
 * compaction aborts at a safe point and deletes its partial output), forces the retired WALs no
 * flush forced and closes the WAL in the leader role so no writer races it, deletes obsolete
 * files, closes the table cache and releases the directory lock. Unflushed memtables are
 * recovered from their WALs at the next open.
 *
 * <h2>Failure</h2>
 *
 * A failed WAL append or fsync, manifest write or table write becomes the sticky {@code
 * backgroundError}: the database stays readable and refuses writes until reopened. No fsync is
 * ever retried.
 */
public final class DbImpl implements StrataDB, CommitPipeline.Engine {
  private static final Logger LOG = LoggerFactory.getLogger(DbImpl.class);
  private static final long CLOSE_TIMEOUT_MILLIS = 10_000;

  final Path dir;
  final Options options;
  final FileSystem fs;
  final TableOptions tableOptions;
  final CompactionStats stats = new CompactionStats();
  final SnapshotList snapshots = new SnapshotList();
  private final FileLockHandle dirLock;
  private final BlockCache blockCache;
  private final TableCache tables;
  private final VersionSet versions;
  private final CompactionPicker picker;
  private final CommitPipeline pipeline;

  /** Files whose last reference dropped; deleted by background work and at close. */
  private final ConcurrentLinkedQueue<FileMetadata> obsoleteFiles = new ConcurrentLinkedQueue<>();

  /** Set once by close; read lock-free by every operation. */
  private final AtomicBoolean closed = new AtomicBoolean();

  /** Written by the commit pipeline once per group, in order; read lock-free by readers. */
  private final AtomicLong visibleSequence = new AtomicLong();

  /** The first failure that makes the database refuse writes; written once, read lock-free. */
  private volatile Throwable backgroundError;

  /** Rank 3: memtable switches and stall waits. */
  private final ReentrantLock stateLock = new ReentrantLock();

  /** Signalled under stateLock whenever a flush or compaction installs, or on error/close. */
  private final Condition progress = stateLock.newCondition();

  /** Memtables readers consult. Written under stateLock; volatile for lock-free reads. */
  private volatile MemtableSet mems;

  /** Rank 2: one compaction at a time, background or manual. Held across the job's I/O. */
  private final ReentrantLock compactionRunLock = new ReentrantLock();

  /** The WAL of the active memtable; confined to the commit leader of the moment. */
  private LogWriter wal;

  /**
   * Set once in {@link #open} before the database is handed to any other thread, never changed;
   * read by writers (to signal a flush or compaction) and by iterators (read samples). The
   * compaction worker is null with background compaction off.
   */
  private BackgroundWorker flushWorker;

  private BackgroundWorker compactionWorker;

  private DbImpl(Path dir, Options options, FileLockHandle dirLock) {
    this.dir = dir;
    this.options = options;
    this.fs = options.fileSystem();
    this.dirLock = dirLock;
    Cache shared = options.blockCache();
    this.blockCache =
        shared != null ? shared.blocks() : BlockCache.create(options.blockCacheBytes());
    this.tables =
        new TableCache(
            fs, n -> FileNames.tablePath(dir, n), blockCache, Math.max(16, options.maxOpenFiles()));
    this.versions = new VersionSet(dir, fs, tables, obsoleteFiles::add);
    this.tableOptions =
        new TableOptions(
            options.blockSizeBytes(),
            options.blockRestartInterval(),
            options.compression(),
            options.bloomBitsPerKey());
    this.picker =
        new CompactionPicker(
            options.level0CompactionTrigger(),
            options.levelSizeMultiplier(),
            options.maxBytesForLevelBase(),
            options.targetFileSizeBytes());
    this.pipeline = new CommitPipeline(this, 0);
  }

  /** See {@link StrataDB#open}. */
  public static StrataDB open(Path dir, Options options) {
    FileSystem fs = options.fileSystem();
    FileLockHandle lock;
    try {
      if (!fs.exists(dir)) {
        if (!options.createIfMissing()) {
          throw new StrataException("database directory " + dir + " does not exist");
        }
        fs.createDirectories(dir);
      }
      lock = fs.lock(FileNames.path(dir, FileNames.LOCK));
    } catch (IOException e) {
      throw new StrataException("cannot open " + dir + ": " + e.getMessage(), e);
    }
    DbImpl db = new DbImpl(dir, options, lock);
    try {
      new Recovery(db).run();
      db.startBackgroundWork();
      return db;
    } catch (IOException e) {
      db.abortOpen();
      throw new StrataException("cannot open " + dir + ": " + e.getMessage(), e);
    } catch (RuntimeException | Error e) {
      db.abortOpen();
      throw e;
    }
  }

  private void abortOpen() {
    closed.set(true);
    try {
      if (wal != null) {
        wal.close();
      }
      versions.close();
    } catch (IOException e) {
      LOG.warn("closing after a failed open", e);
    }
    tables.close();
    try {
      dirLock.close();
    } catch (IOException e) {
      LOG.warn("releasing lock after a failed open", e);
    }
  }

  // ---- accessors for Recovery (same package) ----

  VersionSet versions() {
    return versions;
  }

  Memtable newMemtable() {
    return options.memtable() == MemtableKind.SKIPLIST
        ? new SkipListMemtable(options.memtableSizeBytes())
        : new ShardedMemtable(options.memtableShards(), options.memtableSizeBytes());
  }

  /** Called once by Recovery with the fresh WAL and the recovered sequence. */
  void initAfterRecovery(LogWriter freshWal, long walNumber, long lastSequence) {
    this.wal = freshWal;
    this.visibleSequence.set(lastSequence);
    this.pipeline.resetSequence(lastSequence);
    stateLock.lock();
    try {
      mems = new MemtableSet(newMemtable(), walNumber, List.of());
    } finally {
      stateLock.unlock();
    }
  }

  FileMetadata flushMemtableForRecovery(Memtable mem) throws IOException {
    return FlushJob.run(
        mem, fs, dir, versions::newFileNumber, tableOptions, new long[0], stats);
  }

  TableCache tables() {
    return tables;
  }

  private void startBackgroundWork() {
    String name = dir.getFileName() == null ? dir.toString() : dir.getFileName().toString();
    flushWorker =
        new BackgroundWorker(
            "strata-flush-" + name,
            this::flushOne,
            options.backgroundExecutor(),
            TimeUnit.SECONDS.toNanos(1),
            this::recordBackgroundError);
    flushWorker.start();
    if (options.backgroundCompaction()) {
      compactionWorker =
          new BackgroundWorker(
              "strata-compaction-" + name,
              this::compactOne,
              options.backgroundExecutor(),
              TimeUnit.SECONDS.toNanos(1),
              this::recordBackgroundError);
      compactionWorker.start();
      compactionWorker.signal();
    }
    if (!mems.immutables.isEmpty()) {
      flushWorker.signal();
    }
  }

  // ---- public API ----

  void checkOpen() {
    if (closed.get()) {
      throw new StrataException("database " + dir + " is closed");
    }
  }

  @Override
  public void put(byte[] key, byte[] value, WriteOptions wo) {
    StrataDB.checkKey(key);
    StrataDB.checkValue(value);
    java.util.Objects.requireNonNull(wo, "write options must not be null");
    writeSingle(key, value, wo);
  }

  @Override
  public void delete(byte[] key, WriteOptions wo) {
    StrataDB.checkKey(key);
    java.util.Objects.requireNonNull(wo, "write options must not be null");
    writeSingle(key, null, wo);
  }

  private void writeSingle(byte[] key, byte[] value, WriteOptions wo) {
    checkOpen();
    byte[] k = key.clone();
    byte[] v = value == null ? null : value.clone();
    stats.userBytesWritten.add(k.length + (v == null ? 0 : v.length));
    stats.userWrites.increment();
    pipeline.commit(pipeline.newWriter(new CommitPipeline.SingleOp(k, v), wo.sync()));
  }

  @Override
  public void write(WriteBatch batch, WriteOptions wo) {
    java.util.Objects.requireNonNull(batch, "batch must not be null");
    java.util.Objects.requireNonNull(wo, "write options must not be null");
    checkOpen();
    int n = batch.count();
    if (n == 0) {
      return;
    }
    byte[][] keys = new byte[n][];
    byte[][] values = new byte[n][];
    int[] i = {0};
    long[] size = {WalFormat.BATCH_HEADER_SIZE};
    batch.forEach(
        new WriteBatch.Handler() {
          @Override
          public void put(byte[] key, byte[] value) {
            keys[i[0]] = key;
            values[i[0]++] = value;
            size[0] += WriteBatchCodec.opSize(key, value);
          }

          @Override
          public void delete(byte[] key) {
            keys[i[0]++] = key;
            size[0] += WriteBatchCodec.opSize(key, null);
          }
        });
    if (size[0] > Integer.MAX_VALUE - 64) {
      throw new IllegalArgumentException("write batch of " + size[0] + " bytes is too large");
    }
    long userBytes = 0;
    for (int j = 0; j < n; j++) {
      userBytes += keys[j].length + (values[j] == null ? 0 : values[j].length);
    }
    stats.userBytesWritten.add(userBytes);
    stats.userWrites.add(n);
    CommitPipeline.Ops ops = new CommitPipeline.WriteBatchOps(
        keys, values, (int) (size[0] - WalFormat.BATCH_HEADER_SIZE));
    pipeline.commit(pipeline.newWriter(ops, wo.sync()));
  }

  @Override
  public byte[] get(byte[] key, ReadOptions ro) {
    java.util.Objects.requireNonNull(key, "key must not be null");
    java.util.Objects.requireNonNull(ro, "read options must not be null");
    checkOpen();
    stats.gets.increment();
    // The sequence must be read before the memtable set: every write at or below it is then in
    // that set or already installed in a level (see the class invariants).
    long seq = ro.snapshot() != null ? snapshotSequence(ro.snapshot()) : visibleSequence.get();
    MemtableSet m = mems;
    byte[] r = m.active.get(key, seq);
    if (r == null) {
      for (MemtableSet.Immutable imm : m.immutables) {
        r = imm.memtable().get(key, seq);
        if (r != null) {
          break;
        }
      }
    }
    if (r != null) {
      // Memtables return a copy of the value, which the caller may keep.
      return Lookup.isDeleted(r) ? null : r;
    }
    try {
      for (int i = 0; i < VersionSet.NUM_LEVELS && r == null; i++) {
        r = versions.level(i).get(key, seq, ro.verifyChecksums(), ro.fillCache());
      }
    } catch (UncheckedIOException e) {
      throw readFailure(e.getCause());
    } catch (IllegalStateException e) {
      checkOpen();
      throw e;
    }
    // A table returns a fresh array (TableReader#get), which the caller may own.
    return r == null || Lookup.isDeleted(r) ? null : r;
  }

  private RuntimeException readFailure(IOException e) {
    checkOpen();
    return new StrataException("read failed in " + dir + ": " + e.getMessage(), e);
  }

  private long snapshotSequence(Snapshot s) {
    if (!(s instanceof SnapshotHandle) || ((SnapshotHandle) s).db != this) {
      throw new IllegalArgumentException("snapshot belongs to another database");
    }
    return ((SnapshotHandle) s).sequenceChecked();
  }

  @Override
  public Snapshot getSnapshot() {
    checkOpen();
    long seq = snapshots.acquire(visibleSequence::get);
    return new SnapshotHandle(this, seq);
  }

  /** A registered snapshot; released once. */
  static final class SnapshotHandle implements Snapshot {
    final DbImpl db;
    private final long seq;
    private final AtomicBoolean released = new AtomicBoolean();

    SnapshotHandle(DbImpl db, long seq) {
      this.db = db;
      this.seq = seq;
    }

    @Override
    public long sequence() {
      return seq;
    }

    long sequenceChecked() {
      if (released.get()) {
        throw new StrataException("snapshot " + seq + " was released");
      }
      return seq;
    }

    @Override
    public void close() {
      if (released.compareAndSet(false, true)) {
        db.snapshots.release(seq);
      }
    }
  }

  @Override
  public DBIterator newIterator(ReadOptions ro) {
    java.util.Objects.requireNonNull(ro, "read options must not be null");
    checkOpen();
    long seq;
    Runnable release;
    if (ro.snapshot() != null) {
      seq = snapshotSequence(ro.snapshot());
      release = () -> {};
    } else {
      long s = snapshots.acquire(visibleSequence::get);
      seq = s;
      release = () -> snapshots.release(s);
    }
    MemtableSet m = mems;
    List<InternalIterator> children = new ArrayList<>();
    try {
      children.add(m.active.newIterator());
      for (MemtableSet.Immutable imm : m.immutables) {
        children.add(imm.memtable().newIterator());
      }
      for (int i = 0; i < VersionSet.NUM_LEVELS; i++) {
        children.add(versions.level(i).newIterator(ro.verifyChecksums(), ro.fillCache()));
      }
    } catch (RuntimeException e) {
      new MergingIterator(children).close();
      release.run();
      throw e;
    }
    return new UserKeyIterator(
        this, new MergingIterator(children), seq, ro.lowerBound(), ro.upperBound(), release);
  }

  // ---- write path: engine callbacks of the commit pipeline ----

  @Override
  public Memtable activeMemtable() {
    return mems.active;
  }

  @Override
  public void appendToWal(long firstSequence, WalOps[] members, int count, boolean sync)
      throws IOException {
    long before = wal.size();
    wal.addBatchGroup(firstSequence, members, count);
    fs.crashPoint(CrashPoint.WAL_AFTER_APPEND);
    if (sync) {
      // Earlier logs first: recovery stops at a torn tail, so an acknowledged sync write in this
      // log is only safe once every earlier log is forced.
      for (RetiredWal retired : mems.retiredWalsOldestFirst()) {
        retired.forceAndClose();
      }
      fs.crashPoint(CrashPoint.WAL_BEFORE_SYNC);
      wal.sync();
      fs.crashPoint(CrashPoint.WAL_AFTER_SYNC);
      stats.walSyncs.increment();
    }
    stats.walBytesWritten.add(wal.size() - before);
  }

  @Override
  public void publishSequence(long sequence) {
    visibleSequence.set(sequence);
  }

  @Override
  public void recordBackgroundError(Throwable t) {
    if (t instanceof CompactionJob.AbortedException) {
      return;
    }
    if (backgroundError == null) {
      backgroundError = t;
      LOG.error("background error in {}; the database now refuses writes", dir, t);
    }
    stateLock.lock();
    try {
      progress.signalAll();
    } finally {
      stateLock.unlock();
    }
  }

  @Override
  public Throwable backgroundError() {
    return backgroundError;
  }

  long visibleSequence() {
    return visibleSequence.get();
  }

  /**
   * Leader only. Waits while level 0 or the immutable memtables are over their limits, delays
   * writes a little past the slowdown trigger, and switches to a fresh memtable when the active
   * one is full.
   */
  @Override
  public void makeRoomForWrite() throws IOException {
    boolean delayed = false;
    long deadline = System.nanoTime() + options.writeStallTimeout().toNanos();
    while (true) {
      Throwable bg = backgroundError;
      if (bg != null) {
        throw new StrataException("database refuses writes after an earlier failure", bg);
      }
      checkOpen();
      int l0 = versions.level(0).fileCount();
      MemtableSet m = mems;
      if (!delayed && l0 >= options.level0SlowdownTrigger()) {
        // Past the slowdown trigger each write group yields up to 1 ms once, so that compaction
        // gets CPU before the hard stop; any install wakes it early.
        delayed = true;
        stats.slowdowns.increment();
        long start = System.nanoTime();
        awaitProgress(
            TimeUnit.MILLISECONDS.toNanos(1), () -> versions.level(0).fileCount() < l0);
        long waited = System.nanoTime() - start;
        stats.slowdownNanos.add(waited);
        stats.stallNanos.add(waited);
        continue;
      }
      if (!m.active.isFull()) {
        return;
      }
      if (m.immutables.size() >= options.maxImmutableMemtables()
          || l0 >= options.level0StopTrigger()) {
        stall(deadline, m);
        continue;
      }
      switchMemtable();
      return;
    }
  }

  private void stall(long deadline, MemtableSet seen) {
    long start = System.nanoTime();
    stats.stalls.increment();
    if (compactionWorker != null) {
      compactionWorker.signal();
    }
    flushWorker.signal();
    long left = deadline - start;
    if (left <= 0) {
      throw new StrataException(
          "write stalled longer than "
              + options.writeStallTimeout()
              + " (level-0 files: "
              + versions.level(0).fileCount()
              + ", immutable memtables: "
              + seen.immutables.size()
              + ")");
    }
    awaitProgress(
        left,
        () ->
            mems != seen
                || versions.level(0).fileCount() < options.level0StopTrigger()
                    && mems.immutables.size() < options.maxImmutableMemtables());
    stats.stallNanos.add(System.nanoTime() - start);
  }

  /** Waits on {@code progress} until {@code done} holds, an error or close, or the time passes. */
  private void awaitProgress(long nanos, java.util.function.BooleanSupplier done) {
    stateLock.lock();
    try {
      while (nanos > 0 && !done.getAsBoolean() && backgroundError == null && !closed.get()) {
        nanos = progress.awaitNanos(nanos);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StrataException("interrupted while waiting for background work", e);
    } finally {
      stateLock.unlock();
    }
  }

  /**
   * Leader only: makes the active memtable immutable and starts a fresh one with a new WAL, whose
   * directory entry is forced before it takes writes. Groups still inserting into the old
   * memtable finish first: a memtable handed to the flush worker never receives another write.
   *
   * <p>The old WAL is not forced here but retired ({@link RetiredWal}): the flush worker forces it
   * before flushing its memtable, and a sync write forces it before the new WAL, so no writer
   * waits for it unless it asked for durability.
   */
  private void switchMemtable() throws IOException {
    pipeline.awaitInsertsDrained();
    // After a failed WAL write or force, forcing the old WAL again could report success for data
    // the failure lost: the engine never retries an fsync, so no switch (and no flush) happens.
    Throwable bg = backgroundError;
    if (bg != null) {
      throw new StrataException("database refuses writes after an earlier failure", bg);
    }
    long number = versions.newFileNumber();
    String name = FileNames.log(number);
    LogWriter fresh = new LogWriter(fs.create(FileNames.path(dir, name)), name);
    try {
      fs.crashPoint(CrashPoint.WAL_SWITCH_AFTER_CREATE);
      fs.syncDirectory(dir);
    } catch (IOException e) {
      // Record first: a failed cleanup below must not hide the failed force.
      recordBackgroundError(e);
      try {
        fresh.close();
        fs.delete(FileNames.path(dir, name));
      } catch (IOException cleanup) {
        e.addSuppressed(cleanup);
      }
      throw e;
    }
    RetiredWal retired = new RetiredWal(wal, fs);
    wal = fresh;
    stateLock.lock();
    try {
      mems = mems.switchTo(newMemtable(), number, retired);
    } finally {
      stateLock.unlock();
    }
    flushWorker.signal();
  }

  // ---- background work ----

  /** One flush of the oldest immutable memtable; returns whether more may remain. */
  private boolean flushOne() {
    if (backgroundError != null) {
      return false;
    }
    MemtableSet m = mems;
    MemtableSet.Immutable imm = m.oldest();
    if (imm == null) {
      return false;
    }
    try {
      // As durable as before the switch made it wait, before its table makes it unnecessary.
      imm.wal().forceAndClose();
      FileMetadata f =
          FlushJob.run(
              imm.memtable(),
              fs,
              dir,
              versions::newFileNumber,
              tableOptions,
              snapshots.sequences(),
              stats);
      VersionEdit edit = new VersionEdit();
      if (f != null) {
        edit.addFile(0, f);
      }
      edit.setLogNumber(mems.logNumberAfter(imm));
      edit.setLastSequence(visibleSequence.get());
      versions.logAndApply(edit);
    } catch (IOException e) {
      recordBackgroundError(e);
      return false;
    }
    stateLock.lock();
    try {
      mems = mems.without(imm);
      progress.signalAll();
    } finally {
      stateLock.unlock();
    }
    stats.maxLevel0Files.accumulateAndGet(versions.level(0).fileCount(), Math::max);
    fs.crashPoint(CrashPoint.FLUSH_BEFORE_WAL_DELETE);
    deleteQuietly(FileNames.path(dir, FileNames.log(imm.logNumber())));
    deleteObsoleteFiles();
    if (compactionWorker != null) {
      compactionWorker.signal();
    }
    return true;
  }

  /** One background compaction; returns whether more may remain. */
  private boolean compactOne() {
    if (backgroundError != null) {
      return false;
    }
    compactionRunLock.lock();
    try {
      Level[] levels = versions.currentLevels();
      Compaction c = picker.pick(levels);
      if (c == null) {
        return false;
      }
      runCompactionLocked(c, levels, compactionWorker::isActive);
    } catch (IOException e) {
      recordBackgroundError(e);
      return false;
    } finally {
      compactionRunLock.unlock();
    }
    signalProgress();
    deleteObsoleteFiles();
    return true;
  }

  @GuardedBy("compactionRunLock")
  private void runCompactionLocked(
      Compaction c, Level[] levels, java.util.function.BooleanSupplier keepRunning)
      throws IOException {
    assert compactionRunLock.isHeldByCurrentThread();
    CompactionJob.run(
        c,
        levels,
        versions,
        tables,
        fs,
        dir,
        tableOptions,
        options.targetFileSizeBytes(),
        picker.maxGrandparentOverlap(),
        snapshots.sequences(),
        stats,
        keepRunning);
  }

  private void signalProgress() {
    stateLock.lock();
    try {
      progress.signalAll();
    } finally {
      stateLock.unlock();
    }
  }

  /** Deletes table files whose last reference dropped. */
  void deleteObsoleteFiles() {
    FileMetadata f;
    while ((f = obsoleteFiles.poll()) != null) {
      tables.evict(f.number());
      deleteQuietly(FileNames.tablePath(dir, f.number()));
    }
  }

  private void deleteQuietly(Path p) {
    try {
      fs.crashPoint(CrashPoint.OBSOLETE_BEFORE_DELETE);
      fs.delete(p);
      fs.crashPoint(CrashPoint.OBSOLETE_AFTER_DELETE);
    } catch (IOException e) {
      LOG.warn("could not delete obsolete file {}", p, e);
    }
  }

  @Override
  public void flush() {
    checkOpen();
    long[] target = new long[1];
    pipeline.runExclusive(
        () -> {
          try {
            if (!mems.active.isEmpty()) {
              switchMemtable();
            }
            target[0] = mems.activeLogNumber;
          } catch (IOException e) {
            throw new StrataException("flush failed: " + e.getMessage(), e);
          }
        });
    flushWorker.signal();
    stateLock.lock();
    try {
      while (oldestUnflushedLog() < target[0]) {
        if (backgroundError != null) {
          throw new StrataException("flush failed", backgroundError);
        }
        checkOpen();
        progress.await();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StrataException("interrupted while flushing", e);
    } finally {
      stateLock.unlock();
    }
  }

  private long oldestUnflushedLog() {
    MemtableSet.Immutable oldest = mems.oldest();
    return oldest == null ? Long.MAX_VALUE : oldest.logNumber();
  }

  @Override
  public void compactRange(byte[] begin, byte[] end) {
    checkOpen();
    flushWhileUnstallingLevel0(begin, end);
    compactLevels(begin, end, VersionSet.NUM_LEVELS - 1);
  }

  /**
   * Flushes, while compacting level 0 whenever it reaches the slowdown trigger. Writers stalled on
   * level 0 (always so with background compaction off) hold the commit leader role that the flush
   * needs, and each flush they let through can refill level 0: so the flush waits on another
   * thread while this one keeps level 0 below the trigger until the flush gets its turn.
   */
  private void flushWhileUnstallingLevel0(byte[] begin, byte[] end) {
    if (compactionWorker != null && versions.level(0).fileCount() < options.level0StopTrigger()) {
      flush();
      return;
    }
    java.util.concurrent.CompletableFuture<Void> flushed =
        java.util.concurrent.CompletableFuture.runAsync(this::flush);
    while (true) {
      if (versions.level(0).fileCount() >= options.level0SlowdownTrigger()) {
        compactLevels(begin, end, 1);
      }
      try {
        // Not a sleep standing in for synchronisation: the wait ends as soon as the flush does;
        // the bound only lets this thread re-check level 0 while the flush is queued.
        flushed.get(20, TimeUnit.MILLISECONDS);
        return;
      } catch (java.util.concurrent.TimeoutException e) {
        checkOpen();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new StrataException("interrupted while flushing", e);
      } catch (java.util.concurrent.ExecutionException e) {
        Throwable cause = e.getCause();
        throw cause instanceof RuntimeException
            ? (RuntimeException) cause
            : new StrataException("flush failed: " + cause, cause);
      }
    }
  }

  /** Manual compaction of levels 0 to {@code untilLevel - 1} into the level below each. */
  private void compactLevels(byte[] begin, byte[] end, int untilLevel) {
    compactionRunLock.lock();
    try {
      for (int level = 0; level < untilLevel; level++) {
        checkOpen();
        Level[] levels = versions.currentLevels();
        Compaction c = picker.manual(levels, level, begin, end);
        if (c != null) {
          runCompactionLocked(c, levels, () -> !closed.get());
          deleteObsoleteFiles();
        }
      }
    } catch (IOException e) {
      recordBackgroundError(e);
      throw new StrataException("compaction failed: " + e.getMessage(), e);
    } catch (UncheckedIOException e) {
      // A table iterator's read failure surfaces unchecked; the caller is promised a
      // StrataException.
      recordBackgroundError(e.getCause());
      throw new StrataException("compaction failed: " + e.getCause().getMessage(), e.getCause());
    } finally {
      compactionRunLock.unlock();
    }
    signalProgress();
  }

  @Override
  public String getProperty(String name) {
    java.util.Objects.requireNonNull(name, "name");
    checkOpen();
    return new Properties(this).get(name);
  }

  Level[] levelsForProperties() {
    return versions.currentLevels();
  }

  MemtableSet memtablesForProperties() {
    return mems;
  }

  BlockCache blockCache() {
    return blockCache;
  }

  CompactionPicker picker() {
    return picker;
  }

  boolean compactionPending() {
    return picker.needsCompaction(versions.currentLevels());
  }

  /**
   * Charges a key an iterator passed to the files that may hold it (see {@link CompactionPicker})
   * and wakes the compaction worker if that made a file due. Called by iterators, about once per
   * {@link UserKeyIterator#SAMPLE_PERIOD} entries; does nothing with background compaction off or
   * read-triggered compaction disabled. Takes no version lock: a sample against a view an install
   * changes midway charges one file it need not, and the picker checks a due file is still in
   * place before it compacts it.
   */
  void recordReadSample(byte[] userKey) {
    BackgroundWorker worker = compactionWorker;
    if (worker != null
        && options.readTriggeredCompaction()
        && picker.recordReadSample(versions.eachLevelNow(), userKey)) {
      worker.signal();
    }
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    signalProgress();
    boolean stopped = true;
    if (compactionWorker != null) {
      stopped &= compactionWorker.close(CLOSE_TIMEOUT_MILLIS);
    }
    if (flushWorker != null) {
      stopped &= flushWorker.close(CLOSE_TIMEOUT_MILLIS);
    }
    if (!stopped) {
      LOG.warn("background work of {} did not stop within {} ms", dir, CLOSE_TIMEOUT_MILLIS);
    }
    // Close the WAL in the leader role: every write queued before has completed, and writes
    // queued after see the closed flag in makeRoomForWrite and fail. Retired WALs whose memtables
    // were not flushed are forced and closed (a no-op for those already forced).
    try {
      pipeline.runExclusive(
          () -> {
            for (RetiredWal retired : mems.retiredWalsOldestFirst()) {
              try {
                retired.forceAndClose();
              } catch (IOException | RuntimeException e) {
                LOG.warn("forcing the retired WAL {} of {}", retired.fileName(), dir, e);
              }
            }
            try {
              wal.close();
            } catch (IOException e) {
              LOG.warn("closing the WAL of {}", dir, e);
            }
          });
    } catch (RuntimeException e) {
      LOG.warn("closing the WAL of {}", dir, e);
    }
    compactionRunLock.lock();
    try {
      deleteObsoleteFiles();
      versions.close();
    } catch (IOException e) {
      LOG.warn("closing the manifest of {}", dir, e);
    } finally {
      compactionRunLock.unlock();
    }
    tables.close();
    try {
      dirLock.close();
    } catch (IOException e) {
      LOG.warn("releasing the lock of {}", dir, e);
    }
  }

  /** Whether the flush worker still accepts work (false once close began stopping it). */
  boolean flushWorkerActiveForTesting() {
    return flushWorker.isActive();
  }

  /** Threads owned by this database's workers, for tests that check none survives close. */
  List<Thread> backgroundThreadsForTesting() {
    List<Thread> out = new ArrayList<>();
    if (flushWorker != null && flushWorker.threadForTesting() != null) {
      out.add(flushWorker.threadForTesting());
    }
    if (compactionWorker != null && compactionWorker.threadForTesting() != null) {
      out.add(compactionWorker.threadForTesting());
    }
    return out;
  }

  static CorruptionException missingTable(long number) {
    return new CorruptionException(FileNames.table(number), -1, "table file missing");
  }
}
