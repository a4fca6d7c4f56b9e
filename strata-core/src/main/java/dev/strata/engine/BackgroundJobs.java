package dev.strata.engine;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import dev.strata.Options;
import dev.strata.StrataException;
import dev.strata.compaction.BackgroundWorker;
import dev.strata.compaction.Compaction;
import dev.strata.compaction.CompactionJob;
import dev.strata.compaction.CompactionPicker;
import dev.strata.compaction.CompactionStats;
import dev.strata.compaction.FlushJob;
import dev.strata.compaction.IoRateLimiter;
import dev.strata.compaction.OutputFailedException;
import dev.strata.HistogramType;
import dev.strata.Ticker;
import dev.strata.observe.CompactionEvent;
import dev.strata.observe.FlushEvent;
import dev.strata.fs.CrashPoint;
import dev.strata.fs.FileSystem;
import dev.strata.memtable.Memtable;
import dev.strata.sstable.TableCache;
import dev.strata.sstable.TableOptions;
import dev.strata.version.FileMetadata;
import dev.strata.version.Level;
import dev.strata.version.VersionEdit;
import dev.strata.version.VersionSet;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

/**
 * Background work and the calls that wait for it: flushes of immutable memtables, compactions
 * (picked by size, by read samples, or asked for by {@code compactRange}), read samples, and the
 * deletion of obsolete files (LevelDB's {@code BackgroundCompaction}, Pebble's {@code
 * compaction.go} and {@code flush}).
 *
 * <h2>Invariants</h2>
 *
 * <ol>
 *   <li>One compaction runs at a time, background or manual ({@code compactionRunLock}).
 *   <li>A flush forces its memtable's retired WAL before it writes the table, installs the table
 *       and the new log number in one manifest edit, and only then removes the memtable and
 *       deletes the WAL.
 * </ol>
 *
 * <h2>Concurrency</h2>
 *
 * {@code compactionRunLock} (rank 2) is held across a compaction's I/O, on background threads or
 * the thread of a {@code compactRange} caller, never by a reader or a writer. The workers are set
 * once by {@link #start} before the database reaches other threads. The picker's cursor is
 * confined to the holder of {@code compactionRunLock}; its due file is an atomic.
 *
 * <h2>Lifecycle</h2>
 *
 * {@link #start} starts the flush worker and, with background compaction on, the compaction
 * worker; {@link #stop} stops both (a running compaction aborts at a safe point).
 *
 * <h2>Failure</h2>
 *
 * A flush or compaction that could not write its outputs ({@link OutputFailedException}: no space
 * left, an I/O error, the heap running out) changed nothing: it is logged, counted and raised to
 * listeners as an error with writes still accepted, and the job is tried again after a back-off of
 * one second, doubling after the fifth failure in a row up to {@link Backoff#MAX_SECONDS}
 * (RocksDB's automatic recovery from background errors). Meanwhile writes go on until the
 * memtables or level 0 fill, and then stall as they would behind a slow flush; a caller of {@code
 * flush()} gets the failure. Any other failure (a manifest write, a WAL force, a corrupt input, a defect, the flush
 * of a memtable an open replayed, whose log sync writes wait for) records the sticky error
 * (through {@link WriteController}) and leaves the levels unchanged.
 */
final class BackgroundJobs {
  private final Path dir;
  private final Options options;
  private final FileSystem fs;
  private final Families families;
  private final CompactionStats stats;
  private final SnapshotList snapshots;
  private final DbStatus status;
  private final WriteController writes;
  private final InfoLog infoLog;
  private final Observability obs;

  /** Paces flush and compaction writes ({@code Options.backgroundIoBytesPerSecond}), or null. */
  private final IoRateLimiter limiter;

  /** Rank 2: one compaction at a time, background or manual. Held across the job's I/O. */
  private final ReentrantLock compactionRunLock = new ReentrantLock();

  /**
   * Set once in {@link #start} before the database is handed to any other thread, never changed;
   * read by writers (to signal a flush or compaction) and by iterators (read samples). The
   * compaction worker is null with background compaction off.
   */
  private BackgroundWorker flushWorker;

  private BackgroundWorker compactionWorker;

  /** When a failed flush is tried again; written by the flush worker. */
  private final Backoff flushBackoff = new Backoff();

  /** When a failed background compaction is tried again; written by the compaction worker. */
  private final Backoff compactionBackoff = new Backoff();

  /**
   * When a job that failed with an {@link OutputFailedException} may run again: one second after
   * each of its first {@link #STEADY_FAILURES} failures in a row (RocksDB's retry interval: a
   * short spell of a full disk or heap costs a second), then twice as long after each further
   * one, at most {@link #MAX_SECONDS}, so that a disk that stays full is not written every second;
   * at once after a success. One thread at a time writes it (the job's worker); volatile fields, so
   * that another thread that asks for the job ({@link #dueNow}) is seen, and may be overwritten by
   * a failure racing it.
   */
  static final class Backoff {
    static final long MAX_SECONDS = 30;
    static final int STEADY_FAILURES = 5;

    private volatile int failures;
    private volatile long notBeforeNanos;

    boolean due(long nowNanos) {
      return failures == 0 || nowNanos - notBeforeNanos >= 0;
    }

    /** Records a failure at {@code nowNanos}; returns the wait before the next attempt, in ms. */
    long failed(long nowNanos) {
      int n = failures + 1;
      int doublings = Math.max(0, n - STEADY_FAILURES);
      long seconds = Math.min(1L << Math.min(doublings, 30), MAX_SECONDS);
      notBeforeNanos = nowNanos + TimeUnit.SECONDS.toNanos(seconds);
      failures = n;
      return TimeUnit.SECONDS.toMillis(seconds);
    }

    /** Records a success; returns the failures in a row it ended. */
    int succeeded() {
      int n = failures;
      if (n != 0) {
        failures = 0;
      }
      return n;
    }

    /** Failures in a row so far. */
    int failures() {
      return failures;
    }

    /** Lets the next attempt run at once: a caller asked for the job. */
    void dueNow() {
      notBeforeNanos = System.nanoTime();
    }
  }

  /**
   * The family the compaction worker tried first last time, so that each gets its turn; confined
   * to the holder of {@code compactionRunLock}.
   */
  @GuardedBy("compactionRunLock")
  private int nextCompactionFamily;

  BackgroundJobs(
      Path dir,
      Options options,
      Families families,
      CompactionStats stats,
      SnapshotList snapshots,
      DbStatus status,
      WriteController writes,
      InfoLog infoLog,
      Observability obs) {
    this.infoLog = infoLog;
    this.obs = obs;
    this.limiter =
        options.backgroundIoBytesPerSecond() > 0
            ? new IoRateLimiter(
                options.backgroundIoBytesPerSecond(),
                obs.recorder.adder(Ticker.BACKGROUND_IO_WAIT_NANOS))
            : null;
    this.dir = dir;
    this.options = options;
    this.fs = options.fileSystem();
    this.families = families;
    this.stats = stats;
    this.snapshots = snapshots;
    this.status = status;
    this.writes = writes;
  }

  /** The default family's picker, for properties. */
  CompactionPicker picker() {
    return families.defaultFamily().picker;
  }

  /** Starts the workers; once, after recovery, before the database reaches other threads. */
  void start() {
    String name = dir.getFileName() == null ? dir.toString() : dir.getFileName().toString();
    flushWorker =
        new BackgroundWorker(
            "strata-flush-" + name,
            this::flushOne,
            options.backgroundExecutor(),
            TimeUnit.SECONDS.toNanos(1),
            writes::recordBackgroundError);
    flushWorker.start();
    if (options.backgroundCompaction()) {
      compactionWorker =
          new BackgroundWorker(
              "strata-compaction-" + name,
              this::compactOne,
              options.backgroundExecutor(),
              TimeUnit.SECONDS.toNanos(1),
              writes::recordBackgroundError);
      compactionWorker.start();
      compactionWorker.signal();
    }
    for (ColumnFamily f : families.live()) {
      if (!f.mems.immutables.isEmpty()) {
        flushWorker.signal();
      }
    }
  }

  /** Asks the flush worker for a pass; cheap, from any thread. */
  void signalFlush() {
    flushWorker.signal();
  }

  /**
   * Asks the flush worker for a pass that runs even if a failed flush's back-off has not passed: a
   * caller waits for this flush. Cheap, from any thread.
   */
  void requestFlush() {
    flushBackoff.dueNow();
    flushWorker.signal();
  }

  /** Flushes that failed in a row and wait for their retry (0 once one succeeds); for stats. */
  int flushFailuresInARow() {
    return flushBackoff.failures();
  }

  /** Background compactions that failed in a row (0 once one succeeds); for stats. */
  int compactionFailuresInARow() {
    return compactionBackoff.failures();
  }

  /** Asks the compaction worker, if there is one, for a pass; cheap, from any thread. */
  void signalCompaction() {
    BackgroundWorker worker = compactionWorker;
    if (worker != null) {
      worker.signal();
    }
  }

  /** Flushes a memtable replayed at open into a level-0 table; the opening thread only. */
  FileMetadata flushForRecovery(ColumnFamily f, Memtable mem) throws IOException {
    return FlushJob.run(
        mem,
        fs,
        f.dir,
        f.versions::newFileNumber,
        f.tableOptions,
        new long[0],
        stats,
        limiter,
        f.options.mergeOperator());
  }

  // ---- flush ----

  /**
   * Flush passes begun (a memtable picked) and ended (its WALs and tables deleted, or failed), so
   * that {@link #flush} returns only once the pass that flushed its memtable is over. Atomics:
   * written by the flush worker, read by callers of flush.
   */
  private final java.util.concurrent.atomic.AtomicLong flushPassesBegun =
      new java.util.concurrent.atomic.AtomicLong();

  private final java.util.concurrent.atomic.AtomicLong flushPassesEnded =
      new java.util.concurrent.atomic.AtomicLong();

  /** One flush of the oldest immutable memtable; returns whether more may remain. */
  private boolean flushOne() {
    long begun = flushPassesBegun.get();
    try {
      return flushOnePass();
    } finally {
      if (flushPassesBegun.get() != begun) {
        flushPassesEnded.incrementAndGet();
        writes.signalProgress();
      }
    }
  }

  private boolean flushOnePass() {
    if (status.error() != null || !flushBackoff.due(System.nanoTime())) {
      return false;
    }
    // The family whose oldest immutable memtable is oldest: its log pins the most.
    ColumnFamily family = null;
    MemtableSet.Immutable imm = null;
    for (ColumnFamily f : families.live()) {
      MemtableSet.Immutable oldest = f.mems.oldest();
      if (oldest != null && (imm == null || oldest.logNumber() < imm.logNumber())) {
        imm = oldest;
        family = f;
      }
    }
    if (imm == null) {
      return false;
    }
    flushPassesBegun.incrementAndGet();
    // Set before the dropped flag is read again: a drop's cleanup that finds it unset sees the
    // flag set by then, and this pass leaves the family alone (see isFlushing).
    flushing = family;
    try {
      if (family.isDropped()) {
        return true;
      }
      return flushPicked(family, imm);
    } finally {
      flushing = null;
    }
  }

  /**
   * The family a flush pass is working on, or null; volatile, written by the flush worker, read by
   * a dropped family's cleanup, which must not delete the directory a flush writes into.
   */
  private volatile ColumnFamily flushing;

  /** Whether a flush pass is working on {@code f} now; see {@link #flushing}. */
  boolean isFlushing(ColumnFamily f) {
    return flushing == f;
  }

  /** Flushes {@code imm}, the oldest immutable memtable of {@code family}. */
  private boolean flushPicked(ColumnFamily family, MemtableSet.Immutable imm) {
    VersionSet versions = family.versions;
    long entries = imm.memtable().entryCount();
    obs.flushBegin(imm.logNumber(), entries);
    FlushEvent event = new FlushEvent();
    event.begin();
    long start = System.nanoTime();
    FileMetadata f;
    boolean installOpen = false;
    try {
      // As durable as before the switch made it wait, before its table makes it unnecessary.
      writes.forceRetiredWalsUpTo(imm.wal().number());
      f =
          FlushJob.run(
              imm.memtable(),
              fs,
              family.dir,
              versions::newFileNumber,
              family.tableOptions,
              snapshots.sequences(),
              stats,
              limiter,
              family.options.mergeOperator());
      VersionEdit edit = new VersionEdit();
      if (f != null) {
        edit.addFile(0, f);
      }
      edit.setLogNumber(family.mems.logNumberAfter(imm));
      edit.setLastSequence(writes.visibleSequence());
      // The install stays marked until the memtable leaves the set: a reader that needs one
      // version never sees the memtable and its table together (merge operands would count
      // twice once a compaction has folded the table's).
      installOpen = versions.logAndApply(edit, true);
      if (imm.wal().isReplayed()) {
        // The log an open replayed is needed no more: sync writes waiting for it go on.
        imm.wal().replayedFlushed();
      }
    } catch (OutputFailedException e) {
      if (imm.wal().isReplayed()) {
        // Sync writes wait for the log an open replayed until its memtable's table is installed
        // (RetiredWal); a failed flush of it ends their wait for good, so it stays sticky.
        writes.recordBackgroundError("flush", e);
      } else {
        // Nothing changed: the memtable waits for the next attempt after the back-off.
        status.recordFlushFailure(e);
        retryLater("flush", flushBackoff, e);
      }
      return false;
    } catch (IOException e) {
      writes.recordBackgroundError("flush", e);
      return false;
    }
    if (succeeded("flush", flushBackoff) > 0) {
      status.flushSucceeded();
    }
    long nanos = System.nanoTime() - start;
    long bytes = f == null ? 0 : f.fileSize();
    try {
      obs.recorder.record(HistogramType.FLUSH_NANOS, nanos);
      // Logged before the memtable is removed, which completes the flushes waiting for it: a
      // caller of flush() that reads the LOG next finds the line (no engine lock is held here).
      infoLog.info(
          "flushed the memtable of WAL {}: {} ({} entries in, {} out, {} bytes) in {} ms",
          imm.logNumber(),
          f == null ? "nothing to write" : dev.strata.version.FileNames.table(f.number()),
          entries,
          f == null ? 0 : f.entryCount(),
          bytes,
          TimeUnit.NANOSECONDS.toMillis(nanos));
      writes.removeFlushed(family, imm);
    } finally {
      if (installOpen) {
        versions.endInstall();
      }
    }
    event.end();
    if (event.shouldCommit()) {
      event.db = obs.name;
      event.walNumber = imm.logNumber();
      event.entries = entries;
      event.fileNumber = f == null ? -1 : f.number();
      event.bytesWritten = bytes;
      event.commit();
    }
    obs.flushCompleted(imm.logNumber(), entries, f, nanos);
    stats.maxLevel0Files.accumulateAndGet(versions.level(0).fileCount(), Math::max);
    try {
      advanceIdleFamilies(family);
    } catch (IOException e) {
      writes.recordBackgroundError("flush", e);
      return false;
    }
    fs.crashPoint(CrashPoint.FLUSH_BEFORE_WAL_DELETE);
    writes.deleteObsoleteWals(families.defaultFamily().obsolete);
    family.obsolete.deleteTables();
    signalCompaction();
    return true;
  }

  /**
   * A job ({@code flush} or {@code compaction}) could not write its output and changed nothing:
   * counted and raised to listeners as an error with writes still accepted. No lock held.
   */
  private void reportOutputFailed(String job, OutputFailedException e) {
    obs.recorder.increment(Ticker.BACKGROUND_ERRORS);
    obs.backgroundError(job, e, true);
  }

  /**
   * As {@link #reportOutputFailed}, for a background attempt: logged, and the next attempt waits
   * out {@code backoff}. The job's worker, no lock held.
   */
  private void retryLater(String job, Backoff backoff, OutputFailedException e) {
    long waitMillis = backoff.failed(System.nanoTime());
    infoLog.warn(
        "{} failed (attempt {} in a row); writes go on, tried again in {} ms",
        job,
        backoff.failures(),
        waitMillis,
        e);
    reportOutputFailed(job, e);
  }

  /**
   * A background attempt of {@code job} succeeded: logged if failures came before it. Returns
   * the failures in a row it ended.
   */
  private int succeeded(String job, Backoff backoff) {
    int failedBefore = backoff.succeeded();
    if (failedBefore > 0) {
      infoLog.info("{} succeeded after {} failed attempt(s)", job, failedBefore);
    }
    return failedBefore;
  }

  /**
   * Records in the manifest of each family other than {@code flushed} that holds nothing in
   * memory that it needs no log below its active memtable's: so that a family nobody writes to
   * does not keep every WAL alive. By the flush worker only, so that no flush of the same family
   * records a log number meanwhile.
   */
  private void advanceIdleFamilies(ColumnFamily flushed) throws IOException {
    for (ColumnFamily f : families.live()) {
      MemtableSet m = f.mems;
      if (f == flushed || !m.immutables.isEmpty() || !m.active.isEmpty()) {
        continue;
      }
      if (m.activeLogNumber > f.versions.logNumber()) {
        f.versions.logAndApply(
            new VersionEdit()
                .setLogNumber(m.activeLogNumber)
                .setLastSequence(writes.visibleSequence()));
      }
    }
  }

  /** See {@link dev.strata.StrataDB#flush(dev.strata.ColumnFamilyHandle)}. */
  void flush(ColumnFamily family) {
    if (!flush(family, Long.MAX_VALUE)) {
      // Only a close or a drop ends the wait early: say which.
      status.checkOpen();
      family.checkLive();
    }
  }

  /**
   * As {@link #flush(ColumnFamily)}, waiting at most {@code nanos} for the flush worker: whether
   * the family's memtables were flushed in time (false, not waiting, once the database is closed
   * or the family dropped). For a close ({@code Options#flushOnClose}), which must not wait forever
   * on an executor of the application's that no longer runs its tasks.
   */
  boolean flush(ColumnFamily family, long nanos) {
    long deadline = System.nanoTime() + nanos; // may overflow: only differences are read
    long failuresBefore = status.flushFailures();
    long target = writes.switchForFlush(family);
    requestFlush();
    if (!writes.awaitFlushed(family, target, nanos, failuresBefore)) {
      return false;
    }
    // The pass that removed the memtable then deletes the WALs and tables it made obsolete: wait
    // for it to end, so that a flush that returns has left no file it made obsolete behind.
    long begun = flushPassesBegun.get();
    writes.awaitProgress(
        Math.max(0, deadline - System.nanoTime()), () -> flushPassesEnded.get() >= begun);
    return true;
  }

  // ---- compaction ----

  /** One background compaction; returns whether more may remain. */
  private boolean compactOne() {
    if (status.error() != null || !compactionBackoff.due(System.nanoTime())) {
      return false;
    }
    CompactionDone done = null;
    OutputFailedException failed = null;
    compactionRunLock.lock();
    try {
      List<ColumnFamily> live = families.live();
      for (int i = 0; i < live.size() && done == null; i++) {
        ColumnFamily f = live.get((nextCompactionFamily + i) % live.size());
        Level[] levels = f.versions.currentLevels();
        Compaction c = f.picker.pick(levels);
        if (c != null) {
          nextCompactionFamily = (nextCompactionFamily + i + 1) % live.size();
          done = runCompactionLocked(f, c, levels, compactionWorker::isActive);
          // Under the run lock: a compactRange that runs next finds the inputs gone, not going.
          f.obsolete.deleteTables();
        }
      }
      if (done == null) {
        return false;
      }
    } catch (OutputFailedException e) {
      failed = e;
    } catch (IOException e) {
      writes.recordBackgroundError("compaction", e);
      return false;
    } finally {
      compactionRunLock.unlock();
    }
    // Logged with the lock released: a logger is code of the application's.
    if (failed != null) {
      retryLater("compaction", compactionBackoff, failed);
      writes.signalProgress();
      return false;
    }
    succeeded("compaction", compactionBackoff);
    logCompaction(done);
    writes.signalProgress();
    return true;
  }

  /** A compaction that ran, for the log line written once the run lock is released. */
  private record CompactionDone(
      ColumnFamily family, Compaction compaction, CompactionJob.Result result) {}

  /**
   * Runs {@code c}: raises its begin and completed events (queued, no listener runs here) and its
   * JFR event; the caller logs the returned figures after releasing {@code compactionRunLock}.
   */
  @GuardedBy("compactionRunLock")
  private CompactionDone runCompactionLocked(
      ColumnFamily f, Compaction c, Level[] levels, BooleanSupplier keepRunning)
      throws IOException {
    assert compactionRunLock.isHeldByCurrentThread();
    obs.compactionBegin(c);
    CompactionEvent event = new CompactionEvent();
    event.begin();
    CompactionJob.Result r =
        CompactionJob.run(
            c,
            levels,
            f.versions,
            f.tables,
            fs,
            f.dir,
            f.tableOptions,
            f.options.targetFileSizeBytes(),
            f.picker.maxGrandparentOverlap(),
            snapshots,
            stats,
            keepRunning,
            limiter,
            f.options.mergeOperator(),
            f.options.compactionFilter());
    event.end();
    if (event.shouldCommit()) {
      event.db = obs.name;
      event.level = c.level();
      event.outputLevel = c.outputLevel();
      event.reason = Observability.reasonOf(c);
      event.trivialMove = c.isTrivialMove();
      event.inputFiles = c.inputs().size() + c.outputLevelInputs().size();
      event.outputFiles = r.outputs().size();
      event.bytesRead = c.isTrivialMove() ? 0 : c.inputBytes();
      event.bytesWritten = r.bytesWritten();
      event.commit();
    }
    obs.compactionCompleted(c, r);
    return new CompactionDone(f, c, r);
  }

  /**
   * The INFO line of a compaction: inputs, outputs, bytes, duration and write amplification; and a
   * WARN line if its compaction filter failed. Requires: no engine lock held (the filter's
   * exception and the logger are the application's code).
   */
  private void logCompaction(CompactionDone done) {
    Compaction c = done.compaction();
    CompactionJob.Result r = done.result();
    if (r.firstFilterFailure() != null) {
      infoLog.warn(
          "compaction filter {} failed on {} entries compacting level {} into {}; they are kept as"
              + " written. First failure:",
          done.family().options.compactionFilter().name(),
          r.filterFailures(),
          c.level(),
          c.outputLevel(),
          r.firstFilterFailure());
    }
    long in = c.inputBytes();
    long upper = 0;
    for (FileMetadata f : c.inputs()) {
      upper += f.fileSize();
    }
    infoLog.info(
        "compacted level {} into {} ({}, {} + {} input files, {} bytes in, {} output files, {} bytes"
            + " out, write amplification {}) in {} ms",
        c.level(),
        c.outputLevel(),
        c.isTrivialMove() ? "moved" : Observability.reasonOf(c),
        c.inputs().size(),
        c.outputLevelInputs().size(),
        in,
        r.outputs().size(),
        r.bytesWritten(),
        // RocksDB's figure: bytes written over the bytes that came from the upper level.
        upper == 0 || c.isTrivialMove()
            ? "0.00"
            : String.format(java.util.Locale.ROOT, "%.2f", (double) r.bytesWritten() / upper),
        TimeUnit.NANOSECONDS.toMillis(r.nanos()));
  }

  /**
   * See {@link dev.strata.StrataDB#compactRange}: flushes, then compacts each level's part of the
   * range into the level below, top down, in the caller's thread. Writers never wait on this: with
   * background compaction off level 0 has no stall, and with it on the compaction worker ends a
   * level-0 stall that the flush's turn in the commit queue may wait behind.
   */
  void compactRange(ColumnFamily family, byte[] begin, byte[] end) {
    flush(family);
    compactLevels(family, begin, end, VersionSet.NUM_LEVELS - 1);
  }

  /**
   * Runs {@code action} while no compaction runs (under {@code compactionRunLock}): how an
   * ingestion picks its levels and installs its tables without a compaction writing into the same
   * key range meanwhile. Flushes go on. With {@code wait} false it does nothing and returns false
   * if a compaction is running; with {@code wait} true it waits for that compaction to end.
   *
   * @return whether {@code action} ran
   */
  boolean excludingCompactions(Runnable action, boolean wait) {
    if (wait) {
      compactionRunLock.lock();
    } else if (!compactionRunLock.tryLock()) {
      return false;
    }
    try {
      action.run();
      return true;
    } finally {
      compactionRunLock.unlock();
    }
  }

  /** Waits, holding no lock after, until the compaction running now (if any) has ended. */
  void awaitRunningCompaction() {
    compactionRunLock.lock();
    compactionRunLock.unlock();
  }

  /** Whether {@code t} waits for {@code compactionRunLock}; for tests. */
  boolean waitsForCompactionForTesting(Thread t) {
    return compactionRunLock.hasQueuedThread(t);
  }

  /** Manual compaction of levels 0 to {@code untilLevel - 1} into the level below each. */
  private void compactLevels(ColumnFamily f, byte[] begin, byte[] end, int untilLevel) {
    List<CompactionDone> done = new ArrayList<>();
    VersionSet versions = f.versions;
    compactionRunLock.lock();
    try {
      // Tables numbered from here on are this call's outputs.
      long writtenFrom = versions.peekNextFileNumber();
      for (int level = 0; level < untilLevel; level++) {
        status.checkOpen();
        f.checkLive();
        Level[] levels = versions.currentLevels();
        Compaction c = f.picker.manual(levels, level, begin, end);
        if (c != null) {
          done.add(runCompactionLocked(f, c, levels, () -> !status.isClosed()));
          f.obsolete.deleteTables();
        }
      }
      if (untilLevel == VersionSet.NUM_LEVELS - 1) {
        // The last level's files with range tombstones are rewritten, so that tombstones no
        // snapshot needs any more are dropped with what they hid; with a compaction filter, every
        // file in range, so that the filter sees every value.
        Level[] levels = versions.currentLevels();
        long[] live = snapshots.sequences();
        Compaction c =
            f.picker.manualBottommost(
                levels,
                begin,
                end,
                f.options.compactionFilter() != null,
                live.length == 0 ? Long.MAX_VALUE : live[0],
                writtenFrom);
        if (c != null) {
          done.add(runCompactionLocked(f, c, levels, () -> !status.isClosed()));
          f.obsolete.deleteTables();
        }
      }
      // What an iterator or a background compaction before this call left obsolete goes too.
      f.obsolete.deleteTables();
    } catch (OutputFailedException e) {
      // Nothing changed: the caller learns it, the database stays writable.
      reportOutputFailed("compaction", e);
      throw new StrataException(
          "compaction failed, nothing changed (the database still accepts writes): "
              + e.getMessage(),
          e);
    } catch (IOException e) {
      writes.recordBackgroundError("compaction", e);
      throw new StrataException("compaction failed: " + e.getMessage(), e);
    } catch (dev.strata.CorruptionException e) {
      // As in a background compaction: a corrupt input makes the database refuse writes.
      writes.recordBackgroundError("compaction", e);
      throw e;
    } catch (UncheckedIOException e) {
      // A table iterator's read failure surfaces unchecked; the caller is promised a
      // StrataException.
      writes.recordBackgroundError("compaction", e.getCause());
      throw new StrataException("compaction failed: " + e.getCause().getMessage(), e.getCause());
    } finally {
      compactionRunLock.unlock();
      for (CompactionDone d : done) {
        logCompaction(d);
      }
    }
    writes.signalProgress();
  }

  /**
   * Charges a key an iterator passed to the files that may hold it (see {@link CompactionPicker})
   * and wakes the compaction worker if that made a file due. Called by iterators, about once per
   * {@link UserKeyIterator#SAMPLE_PERIOD} entries; does nothing with background compaction off or
   * read-triggered compaction disabled. Takes no version lock: a sample against a view an install
   * changes midway charges one file it need not, and the picker checks a due file is still in
   * place before it compacts it.
   */
  void recordReadSample(ColumnFamily f, byte[] userKey) {
    BackgroundWorker worker = compactionWorker;
    if (worker != null
        && options.readTriggeredCompaction()
        && f.picker.recordReadSample(f.versions.eachLevelNow(), userKey)) {
      worker.signal();
    }
  }

  // ---- close ----

  /**
   * Stops both workers, waiting up to {@code timeoutMillis} each for the unit in progress.
   *
   * @return whether both stopped in time
   */
  boolean stop(long timeoutMillis) {
    boolean stopped = true;
    if (compactionWorker != null) {
      stopped &= compactionWorker.close(timeoutMillis);
    }
    if (flushWorker != null) {
      stopped &= flushWorker.close(timeoutMillis);
    }
    return stopped;
  }

  /**
   * Runs {@code action} once both workers have stopped for good: at once if they have, otherwise
   * on the thread of the last one to end its running unit. Requires: {@link #stop} was called.
   */
  void whenStopped(Runnable action) {
    List<BackgroundWorker> workers = new ArrayList<>(2);
    if (flushWorker != null) {
      workers.add(flushWorker);
    }
    if (compactionWorker != null) {
      workers.add(compactionWorker);
    }
    java.util.concurrent.atomic.AtomicInteger left =
        new java.util.concurrent.atomic.AtomicInteger(workers.size() + 1);
    Runnable countDown =
        () -> {
          if (left.decrementAndGet() == 0) {
            action.run();
          }
        };
    for (BackgroundWorker w : workers) {
      w.whenStopped(countDown);
    }
    countDown.run();
  }

  /** At close, after {@link #stop}: deletes what is obsolete and closes the manifest. */
  void closeVersions() throws IOException {
    compactionRunLock.lock();
    try {
      IOException first = null;
      for (ColumnFamily f : families.live()) {
        try {
          f.obsolete.deleteTables();
          f.versions.close();
        } catch (IOException e) {
          if (first == null) {
            first = e;
          } else {
            first.addSuppressed(e);
          }
        }
      }
      if (first != null) {
        throw first;
      }
    } finally {
      compactionRunLock.unlock();
    }
  }

  /**
   * One manual compaction of {@code level}'s files in [begin, end] into the level below it (level
   * 0: into the base level), in the caller's thread; nothing if the level holds none. For tests
   * that need data in an upper level while an older version stays below.
   */
  void compactLevelForTesting(int level, byte[] begin, byte[] end) {
    List<CompactionDone> done = new ArrayList<>();
    ColumnFamily f = families.defaultFamily();
    compactionRunLock.lock();
    try {
      Level[] levels = f.versions.currentLevels();
      Compaction c = f.picker.manual(levels, level, begin, end);
      if (c != null) {
        done.add(runCompactionLocked(f, c, levels, () -> !status.isClosed()));
        f.obsolete.deleteTables();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      compactionRunLock.unlock();
    }
    done.forEach(this::logCompaction);
  }

  /** Whether the flush worker still accepts work (false once close began stopping it). */
  boolean flushWorkerActiveForTesting() {
    return flushWorker.isActive();
  }

  /** Threads owned by the workers, for tests that check none survives close. */
  List<Thread> threadsForTesting() {
    List<Thread> out = new ArrayList<>();
    if (flushWorker != null && flushWorker.threadForTesting() != null) {
      out.add(flushWorker.threadForTesting());
    }
    if (compactionWorker != null && compactionWorker.threadForTesting() != null) {
      out.add(compactionWorker.threadForTesting());
    }
    return out;
  }
}
