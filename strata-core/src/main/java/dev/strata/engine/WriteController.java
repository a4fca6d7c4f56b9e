package dev.strata.engine;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import dev.strata.EventListener.StallCondition;
import dev.strata.HistogramType;
import dev.strata.MemtableKind;
import dev.strata.Ticker;
import dev.strata.observe.WalSyncEvent;
import dev.strata.stats.LockWaits;
import dev.strata.observe.WriteStallEvent;
import dev.strata.Options;
import dev.strata.StrataException;
import dev.strata.WriteStallException;
import dev.strata.compaction.CompactionStats;
import dev.strata.fs.CrashPoint;
import dev.strata.fs.FileSystem;
import dev.strata.key.ValueKind;
import dev.strata.memtable.Memtable;
import dev.strata.memtable.ShardedMemtable;
import dev.strata.memtable.SkipListMemtable;
import dev.strata.memtable.ValueChunkPool;
import dev.strata.version.FileNames;
import dev.strata.version.VersionSet;
import dev.strata.wal.LogWriter;
import dev.strata.wal.WalOps;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The write side of the engine: the {@link CommitPipeline} and the engine callbacks it makes in
 * the leader role (make room, append to the WAL, publish), the memtable set readers consult, the
 * active WAL, the visible sequence, and the waits of writers and flushes for background progress.
 * This is where a write stalls, where a full memtable becomes immutable and a fresh WAL starts,
 * and where a flush's result leaves the memtable set (LevelDB's {@code MakeRoomForWrite}, Pebble's
 * {@code commit.go}).
 *
 * <p>With column families ({@code docs/design/column-families.md}) each family has its own memtable
 * set ({@link ColumnFamily#mems}); the WAL, the pipeline and the visible sequence are shared. A
 * switch creates one WAL for every family and seals the memtables of the families that asked; a
 * family with an empty memtable moves to the new WAL, so that it needs no older one. Once the live
 * WALs pass {@link Options#maxTotalWalBytes}, the leader also seals the families whose manifest
 * still needs the oldest WAL ({@link #familiesPinningOldestWal}), so that a family written rarely
 * does not keep every WAL the others write.
 *
 * <h2>Invariants</h2>
 *
 * <ol>
 *   <li>Every write at or below the visible sequence is in a memtable of its family's {@code mems}
 *       or in a table of one of that family's levels (after its flush was installed).
 *   <li>A family's {@code mems} is only replaced whole: a switch adds the old active memtable to
 *       the immutables in the same publication that installs the fresh one; a flush's memtable
 *       leaves only after its table is installed in level 0.
 *   <li>A memtable handed to the flush worker never receives another write: a switch first waits
 *       until no group is inserting.
 *   <li>A WAL is deleted only once every live family's manifest records a log number above it.
 * </ol>
 *
 * <h2>Concurrency</h2>
 *
 * {@code stateLock} (rank 3) guards writes of every family's {@code mems}, of {@code targets} and
 * of {@code retiredWals} with {@code retiredWalBytes}, and the {@code progress} condition; all four
 * are volatile and read lock-free. {@code wal} is confined to the commit leader of the
 * moment (handed over through the pipeline's queue lock). {@code visibleSequence} is written by
 * the pipeline once per group, in WAL order. No lock is held across disk I/O: a switch creates
 * the WAL and forces the directory in the leader role, outside {@code stateLock}.
 *
 * <h2>Lifecycle</h2>
 *
 * Built by {@link DbImpl#open}, which installs the recovered state ({@link #start}) before any
 * other thread sees the database; {@link #closeWals()} at close forces the retired WALs and closes
 * the active one in the leader role.
 *
 * <h2>Failure</h2>
 *
 * A failed WAL append, force or switch records the sticky error in {@link DbStatus}; every later
 * write fails, reads go on. No force is ever retried.
 */
final class WriteController implements CommitPipeline.Engine {
  private static final Logger LOG = LoggerFactory.getLogger(WriteController.class);

  /** A stall at least this long is written to the LOG file. */
  private static final long LONG_STALL_MILLIS = 1_000;

  /** A stop after this long without one is the first of a period and logged at WARN. */
  private static final long STALL_WARN_PERIOD_NANOS = TimeUnit.MINUTES.toNanos(1);

  /** A stalled writer asks for a flush and a compaction again this often (see {@link #stall}). */
  private static final long STALL_RESIGNAL_NANOS = TimeUnit.SECONDS.toNanos(1);

  private final Path dir;
  private final Options options;
  private final FileSystem fs;

  /** The default family's versions: where WAL numbers come from. */
  private final VersionSet versions;

  /** The live column families, each with its memtables ({@link ColumnFamily#mems}). */
  private final Families families;
  private final CompactionStats stats;
  private final DbStatus status;
  private final CommitPipeline pipeline;
  private final InfoLog infoLog;
  private final Observability obs;

  /** Where every memtable's shards count writers' lock waits. */
  private final LockWaits shardLockWaits;

  /**
   * The off-heap chunks that hold the memtables' values, and those flushed memtables gave back for
   * the next ones, one memtable's worth at most (see {@link ValueChunkPool}); null when {@link
   * Options#memtableValuesOffHeap} is off.
   */
  private final ValueChunkPool valuePool;

  /** The point reads and iterator creations that may still read a memtable. */
  final MemtableReaders memtableReaders = new MemtableReaders();

  /**
   * How long a flush waits for the reads that might still read the memtable it removed before it
   * gives up reusing that memtable's value chunks (they are then the collector's). The memtable part of
   * a read does no I/O and takes microseconds; only a read descheduled in it takes longer.
   */
  private static final long DRAIN_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

  /**
   * How writes flow now, for listeners and JMX. Written only by the commit leader of the moment
   * in {@link #makeRoomForWrite} (leadership passes through the pipeline's queue lock); volatile
   * for JMX and {@code getProperty}, which may see the condition of a moment ago.
   */
  private volatile StallCondition stallCondition = StallCondition.NORMAL;

  /**
   * When the last stop began ({@link System#nanoTime()}), or {@code Long.MIN_VALUE}; confined to
   * the commit leader of the moment, like {@code wal}.
   */
  private long lastStopNanos = Long.MIN_VALUE;

  /** This database's share of a memtable budget shared with others, or null; see there. */
  private final MemtableBudget.Member budget;

  /** Written by the commit pipeline once per group, in order; read lock-free by readers. */
  private final AtomicLong visibleSequence = new AtomicLong();

  /** Rank 3: memtable switches and the waits on {@code progress}. */
  private final ReentrantLock stateLock = new ReentrantLock();

  /** Signalled under stateLock whenever a flush or compaction installs, or on error or close. */
  private final Condition progress = stateLock.newCondition();

  /**
   * The active memtable of each live family, indexed by family id (null where no live family has
   * the id): what the next commit group inserts into. Rebuilt under stateLock whenever a family's
   * memtables or the families change; volatile for the leader's lock-free read.
   */
  private volatile Memtable[] targets = new Memtable[0];

  /**
   * WALs retired by a switch and not yet deleted, oldest first: each may still need its force
   * ({@link RetiredWal}). Replaced whole under stateLock; volatile for lock-free readers.
   */
  private volatile List<RetiredWal> retiredWals = List.of();

  /**
   * The bytes of {@code retiredWals}: written under stateLock with the list (a switch adds its
   * retired log, the flush worker's deletion takes its logs off), read lock-free by the commit
   * leader against {@link Options#maxTotalWalBytes}. A stale read sees the bytes of a moment ago:
   * a family sealed one group early or late, never a WAL deleted too soon.
   */
  private volatile long retiredWalBytes;

  /** The number of the active WAL; confined to the commit leader of the moment, like {@code wal}. */
  private long walNumber;

  /** The WAL of the active memtable; confined to the commit leader of the moment. */
  private LogWriter wal;

  /**
   * The last sequence written to a WAL (or recovered at open); below the last allocated one while
   * writes that skipped the WAL ({@code WriteOptions.disableWal}) are newer. Confined to the commit
   * leader of the moment, like {@code wal}.
   */
  private long lastLogged;

  /**
   * Set once by {@link #start} before the database reaches any other thread, never changed; read
   * by the leader to wake the flush and compaction workers.
   */
  private BackgroundJobs jobs;

  WriteController(
      Path dir,
      Options options,
      VersionSet versions,
      CompactionStats stats,
      DbStatus status,
      InfoLog infoLog,
      MemtableBudget budget,
      Observability obs,
      Families families) {
    this.dir = dir;
    this.families = families;
    this.obs = obs;
    this.valuePool =
        options.memtableValuesOffHeap() ? new ValueChunkPool(options.memtableSizeBytes()) : null;
    this.shardLockWaits =
        new LockWaits(
            obs.recorder.adder(Ticker.MEMTABLE_LOCK_WAITS),
            obs.recorder.adder(Ticker.MEMTABLE_LOCK_WAIT_NANOS));
    this.budget = budget == null ? null : budget.join();
    this.infoLog = infoLog;
    this.options = options;
    this.fs = options.fileSystem();
    this.versions = versions;
    this.stats = stats;
    this.status = status;
    this.pipeline = new CommitPipeline(this, 0, obs.recorder);
  }

  /** A fresh memtable of the family's kind, with its pin for this database. */
  private MemtablePin newPinnedMemtable(ColumnFamily f) {
    return pin(newMemtable(f.options), f);
  }

  /** {@code m}'s pin, counted in {@code f}'s pinned bytes once flushed while iterators read it. */
  private static MemtablePin pin(Memtable m, ColumnFamily f) {
    return new MemtablePin(m, f.pinnedMemtableBytes);
  }

  /** A fresh memtable of the kind {@code o} configures. */
  Memtable newMemtable(Options o) {
    return o.memtable() == MemtableKind.SKIPLIST
        ? new SkipListMemtable(o.memtableSizeBytes())
        : new ShardedMemtable(
            o.memtableShards(), o.memtableSizeBytes(), shardLockWaits, valuePool);
  }

  /**
   * Installs what recovery built: the WAL to append to, the last recovered sequence and the
   * memtables recovery kept. Called once by open, before any other thread sees the database.
   */
  void start(Recovery.Result recovered, BackgroundJobs jobs) {
    this.jobs = jobs;
    this.wal = recovered.wal();
    this.visibleSequence.set(recovered.lastSequence());
    this.lastLogged = recovered.lastSequence();
    this.walNumber = recovered.walNumber();
    this.pipeline.resetSequence(recovered.lastSequence());
    stateLock.lock();
    try {
      for (ColumnFamily f : families.live()) {
        // A read-only open keeps the memtables replayed from the WALs (and takes no writes).
        List<MemtableSet.Immutable> replayed = new java.util.ArrayList<>();
        for (Memtable m : recovered.replayed().getOrDefault(f.id, List.of())) {
          replayed.add(0, new MemtableSet.Immutable(pin(m, f), 0, null));
        }
        // A writable open that reused the replayed WAL keeps each family's replayed writes as
        // its active memtable, flushed when full like any other.
        Memtable reused = recovered.reusedActive().get(f.id);
        MemtablePin active = reused != null ? pin(reused, f) : newPinnedMemtable(f);
        // One that left its replayed memtable to the flush worker holds it as immutable, with
        // the replayed log as its retired WAL (durable once that memtable's table is installed).
        Memtable deferred = recovered.deferred().get(f.id);
        if (deferred != null) {
          RetiredWal log = recovered.deferredWal();
          replayed.add(new MemtableSet.Immutable(pin(deferred, f), log.number(), log));
        }
        f.mems = new MemtableSet(active, recovered.walNumber(), replayed);
      }
      if (recovered.deferredWal() != null) {
        setRetiredWalsLocked(List.of(recovered.deferredWal()));
      }
      rebuildTargetsLocked();
    } finally {
      stateLock.unlock();
    }
  }

  /** Replaces {@code retiredWals}, and {@code retiredWalBytes} with it; under stateLock. */
  @GuardedBy("stateLock")
  private void setRetiredWalsLocked(List<RetiredWal> next) {
    assert stateLock.isHeldByCurrentThread();
    long bytes = 0;
    for (RetiredWal r : next) {
      bytes += r.bytes();
    }
    retiredWals = List.copyOf(next);
    retiredWalBytes = bytes;
  }

  /** Rebuilds {@code targets} from the live families' memtables; under stateLock. */
  @GuardedBy("stateLock")
  private void rebuildTargetsLocked() {
    List<ColumnFamily> live = families.live();
    Memtable[] next = new Memtable[families.maxLiveId() + 1];
    for (int k = 0, liveCount = live.size(); k < liveCount; k++) {
      ColumnFamily f = live.get(k);
      next[f.id] = f.mems.active;
    }
    targets = next;
  }

  /**
   * Makes a family just created take writes: its first memtable starts at the active WAL, then it
   * joins {@code families}. In the leader role, so that no group forms meanwhile.
   */
  void addFamily(ColumnFamily f) {
    stateLock.lock();
    try {
      // Its memtables before it joins the families: whoever finds it there finds them.
      f.mems = new MemtableSet(newPinnedMemtable(f), walNumber, List.of());
      families.add(f);
      rebuildTargetsLocked();
    } finally {
      stateLock.unlock();
    }
  }

  /**
   * Stops writes to a family being dropped, in the leader role after it left {@code families}:
   * the next group cannot insert into it. Its memtables stay readable by open iterators.
   */
  void removeFamily(ColumnFamily f) {
    pipeline.awaitInsertsDrained();
    stateLock.lock();
    try {
      rebuildTargetsLocked();
      progress.signalAll();
    } finally {
      stateLock.unlock();
    }
  }

  /** The number of the active WAL; in the leader role. */
  long activeWalNumber() {
    return walNumber;
  }

  /** The WAL recovery opened, for a failed open to close; null before {@link #start}. */
  LogWriter walForAbort() {
    return wal;
  }

  // ---- what readers and background work consult ----

  long visibleSequence() {
    return visibleSequence.get();
  }

  // ---- the write path ----

  /**
   * Commits one writer's operations: returns once they are in the WAL (forced if {@code sync}), in
   * the memtable and visible.
   */
  void commit(CommitPipeline.Ops ops, boolean sync, boolean noSlowdown, boolean disableWal) {
    pipeline.commit(ops, sync, noSlowdown, disableWal);
  }

  /**
   * Commits one operation of any kind, as {@link #commit}; see {@link
   * CommitPipeline#commitSingle}.
   */
  void commitSingle(
      int family,
      ValueKind kind,
      byte[] key,
      byte[] value,
      boolean sync,
      boolean noSlowdown,
      boolean disableWal) {
    pipeline.commitSingle(family, kind, key, value, sync, noSlowdown, disableWal);
  }

  /**
   * Runs {@code action} in the leader role, after every write queued before it and before any
   * queued after it; see {@link CommitPipeline#runExclusive}.
   */
  void runExclusive(Runnable action) {
    pipeline.runExclusive(action);
  }

  @Override
  public Memtable[] activeMemtables() {
    return targets;
  }

  @Override
  public void appendToWal(long firstSequence, WalOps[] members, int count, boolean sync)
      throws IOException {
    long before = wal.size();
    if (firstSequence > lastLogged + 1) {
      // Writes that skipped the WAL took the sequences between: say so before this batch, or
      // recovery would read the gap as a lost log tail (docs/format/wal.md, unlogged marker).
      wal.addUnloggedMarker(lastLogged + 1);
    }
    wal.addBatchGroup(firstSequence, members, count);
    for (int i = 0; i < count; i++) {
      firstSequence += members[i].count();
    }
    lastLogged = firstSequence - 1;
    fs.crashPoint(CrashPoint.WAL_AFTER_APPEND);
    if (sync) {
      // Earlier logs first: recovery stops at a torn tail, so an acknowledged sync write in this
      // log is only safe once every earlier log is forced.
      for (RetiredWal retired : retiredWals) {
        retired.forceAndClose();
      }
      fs.crashPoint(CrashPoint.WAL_BEFORE_SYNC);
      WalSyncEvent event = new WalSyncEvent();
      event.begin();
      long start = obs.recorder.startTimer();
      wal.sync();
      obs.recorder.stopTimer(HistogramType.WAL_SYNC_NANOS, start);
      event.end();
      if (event.shouldCommit()) {
        event.db = obs.name;
        event.writers = count;
        event.commit();
      }
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
    recordBackgroundError("background work", t);
  }

  /**
   * Records the sticky error of a failed background write ({@code operation}: flush, compaction,
   * wal, ...). The first is logged at ERROR and raised to listeners; the database then refuses
   * writes until reopened.
   */
  void recordBackgroundError(String operation, Throwable t) {
    if (status.recordError(t)) {
      obs.recorder.increment(Ticker.BACKGROUND_ERRORS);
      infoLog.error(
          "background error in {}; the database now refuses writes until reopened", operation, t);
      obs.backgroundError(operation, t, false);
    }
    // No flush runs after a background error: a write waiting for a replayed log's flush fails.
    abandonReplayedWals(t);
    signalProgress();
  }

  /** How writes flow now (a moment ago, for another thread than the leader). */
  StallCondition stallCondition() {
    return stallCondition;
  }

  /** Leader only: moves to {@code next}, raising the change for listeners if it is one. */
  private void setStallCondition(StallCondition next, String cause) {
    StallCondition previous = stallCondition;
    if (previous != next) {
      stallCondition = next;
      obs.stallChanged(previous, next, cause);
    }
  }

  @Override
  public Throwable backgroundError() {
    return status.error();
  }

  /**
   * Leader only. Waits while the immutable memtables (and, with background compaction on, level 0)
   * are over their limits, delays writes a little past the level-0 slowdown trigger, and switches
   * to a fresh memtable when the active one is full. With background compaction off, level 0 has
   * no limit: a bulk load compacts once at the end, as with RocksDB's {@code
   * disable_auto_compactions}.
   *
   * @param noSlowdown fail with {@link WriteStallException} instead of any wait or delay
   * @throws WriteStallException if {@code noSlowdown} and the write would wait, or if it waited
   *     longer than the opt-in {@link Options#writeStallTimeout()}
   */
  @Override
  public void makeRoomForWrite(boolean noSlowdown) throws IOException {
    boolean delayed = false;
    boolean level0Limits = options.backgroundCompaction();
    Duration timeout = options.writeStallTimeout();
    long deadline = timeout == null ? Long.MAX_VALUE : System.nanoTime() + timeout.toNanos();
    while (true) {
      status.checkWritable();
      status.checkOpen();
      List<ColumnFamily> live = families.live();
      ColumnFamily slow = null;
      int slowL0 = 0;
      for (int k = 0, liveCount = live.size(); k < liveCount; k++) {
        ColumnFamily f = live.get(k);
        int n = f.versions.level(0).fileCount();
        if (n >= f.options.level0SlowdownTrigger()) {
          slow = f;
          slowL0 = n;
          break;
        }
      }
      if (!delayed && level0Limits && slow != null) {
        String cause = "level 0" + familySuffix(slow) + " holds " + slowL0
            + " files, at the slowdown trigger";
        if (noSlowdown) {
          throw new WriteStallException("write not made: " + cause);
        }
        // Past the slowdown trigger each write group yields up to 1 ms once, so that compaction
        // gets CPU before the hard stop; any install wakes it early.
        delayed = true;
        stats.slowdowns.increment();
        setStallCondition(StallCondition.DELAYED, cause);
        WriteStallEvent event = new WriteStallEvent();
        event.begin();
        long start = System.nanoTime();
        ColumnFamily slowFamily = slow;
        int l0 = slowL0;
        awaitProgress(
            TimeUnit.MILLISECONDS.toNanos(1),
            () -> slowFamily.versions.level(0).fileCount() < l0);
        long waited = System.nanoTime() - start;
        commitStallEvent(event, StallCondition.DELAYED, cause);
        stats.slowdownNanos.add(waited);
        stats.stallNanos.add(waited);
        continue;
      }
      List<ColumnFamily> full = null;
      for (int k = 0, liveCount = live.size(); k < liveCount; k++) {
        ColumnFamily f = live.get(k);
        if (f.mems.active.isFull()) {
          if (full == null) {
            full = new java.util.ArrayList<>(1);
          }
          full.add(f);
        }
      }
      List<ColumnFamily> pinning = familiesPinningOldestWal(live, level0Limits);
      List<ColumnFamily> toSeal = full;
      if (!pinning.isEmpty()) {
        // One switch for both: one new WAL.
        List<ColumnFamily> both =
            full == null ? new java.util.ArrayList<>() : new java.util.ArrayList<>(full);
        for (ColumnFamily f : pinning) {
          if (!both.contains(f)) {
            both.add(f);
          }
        }
        toSeal = both;
      }
      if (toSeal == null) {
        ColumnFamily asked = budgetAsksSwitch(live);
        if (asked == null || asked.mems.immutables.size() >= options.maxImmutableMemtables()) {
          // The budget's switch is no reason to stall: the flushes under way free memory anyway.
          setStallCondition(delayed ? StallCondition.DELAYED : StallCondition.NORMAL, "");
          return;
        }
        toSeal = List.of(asked);
      }
      String reason = null;
      ColumnFamily stalled = null;
      for (ColumnFamily f : toSeal) {
        MemtableSet m = f.mems;
        int l0 = f.versions.level(0).fileCount();
        if (level0Limits && l0 >= f.options.level0StopTrigger()) {
          reason = "level 0" + familySuffix(f) + " holds " + l0 + " files, at the stop trigger";
        } else if (m.immutables.size() >= options.maxImmutableMemtables()) {
          reason = m.immutables.size() + " immutable memtables" + familySuffix(f)
              + " wait for flush";
        } else {
          continue;
        }
        stalled = f;
        break;
      }
      if (stalled != null) {
        if (noSlowdown) {
          throw new WriteStallException("write not made: " + reason);
        }
        stall(deadline, stalled, reason);
        continue;
      }
      List<ColumnFamily> fullOnes = full == null ? List.of() : full;
      switchMemtable(
          toSeal,
          f ->
              fullOnes.contains(f)
                  ? "full"
                  : pinning.contains(f) ? "wal-bound" : "write-buffer-manager");
      setStallCondition(delayed ? StallCondition.DELAYED : StallCondition.NORMAL, "");
      return;
    }
  }

  /**
   * Leader only: the families to seal because the live WALs passed {@link #maxTotalWalBytes}, or
   * none (RocksDB's {@code SwitchWAL}). Those are the families whose manifest still needs the
   * oldest live WAL and whose unflushed writes are all in the active memtable: sealing it makes
   * their flush record a log number past that WAL. A family with immutable memtables is left alone,
   * as their flushes (oldest log first) move its log number on anyway; so is a family holding
   * nothing in memory, which the next flush pass moves on ({@code advanceIdleFamilies}). The
   * manifest's log number is what counts, not the active memtable's: a family whose memtable was
   * empty at a switch moved to the new WAL, but its manifest may still name an older one, and it
   * keeps that one alive until its next flush. With one family the bound does nothing: its active
   * memtable never needs a retired WAL, since each switch seals it. A family whose switch would
   * stall (level 0 at its stop trigger) is left for a later write: the bound is no reason to stop
   * every writer. Cheap on the write path: the active WAL's length and {@code retiredWalBytes}
   * against the bound (the derived one a sum over the families, like the loops above), and a walk
   * of the families only past it; no directory listing, no lock.
   */
  private List<ColumnFamily> familiesPinningOldestWal(
      List<ColumnFamily> live, boolean level0Limits) {
    if (live.size() < 2 || wal.size() + retiredWalBytes <= maxTotalWalBytes(live)) {
      return List.of();
    }
    List<RetiredWal> retired = retiredWals;
    long oldest = retired.isEmpty() ? walNumber : retired.get(0).number();
    List<ColumnFamily> out = new java.util.ArrayList<>(1);
    for (int k = 0, liveCount = live.size(); k < liveCount; k++) {
      ColumnFamily f = live.get(k);
      MemtableSet m = f.mems;
      if (m.active.isEmpty()
          || !m.immutables.isEmpty()
          || f.versions.logNumber() > oldest
          || level0Limits
              && f.versions.level(0).fileCount() >= f.options.level0StopTrigger()) {
        continue;
      }
      out.add(f);
    }
    return out;
  }

  /**
   * The bound on the live WALs' bytes: {@link Options#maxTotalWalBytes}, or if that is 0, 4 x the
   * memory the live families' memtables may hold (see {@link Options.Builder#maxTotalWalBytes}).
   */
  private long maxTotalWalBytes(List<ColumnFamily> live) {
    long bound = options.maxTotalWalBytes();
    if (bound > 0) {
      return bound;
    }
    long memtables = 0;
    for (int k = 0, liveCount = live.size(); k < liveCount; k++) {
      ColumnFamily f = live.get(k);
      memtables += f.options.memtableSizeBytes() * (1 + options.maxImmutableMemtables());
    }
    return 4 * memtables;
  }

  /** The bytes of the live WALs, the active one and the retired ones; in the leader role. */
  long liveWalBytes() {
    return wal.size() + retiredWalBytes;
  }

  /** The bound {@link #familiesPinningOldestWal} applies now; for tests. */
  long maxTotalWalBytesForTesting() {
    return maxTotalWalBytes(families.live());
  }

  /** " of column family NAME", or nothing for the default family: for messages. */
  private static String familySuffix(ColumnFamily f) {
    return f.id == 0 ? "" : " of column family " + f.name;
  }

  /**
   * Reports this database's memtable bytes to the shared budget, if any, and says whether the
   * budget asks the active memtable to switch now although it is not full. Leader only, no lock.
   */
  private ColumnFamily budgetAsksSwitch(List<ColumnFamily> live) {
    if (budget == null) {
      return null;
    }
    ColumnFamily largest = null;
    long largestActive = -1;
    long total = 0;
    for (int k = 0, liveCount = live.size(); k < liveCount; k++) {
      ColumnFamily f = live.get(k);
      MemtableSet m = f.mems;
      long active = m.active.approximateBytes();
      total += m.approximateBytes();
      if (active > largestActive) {
        largestActive = active;
        largest = f;
      }
    }
    return budget.reportAndCheck(largestActive, total) ? largest : null;
  }

  /** Reports the memtable bytes to the shared budget after a flush dropped a memtable. */
  private void reportToBudget() {
    if (budget != null) {
      long largestActive = 0;
      long total = 0;
      for (ColumnFamily f : families.live()) {
        MemtableSet m = f.mems;
        largestActive = Math.max(largestActive, m.active.approximateBytes());
        total += m.approximateBytes();
      }
      budget.report(largestActive, total);
    }
  }

  /** At close: the database's memtables no longer count against the shared budget. */
  void leaveBudget() {
    if (budget != null) {
      budget.leave();
    }
  }

  /**
   * Waits for the flush or compaction that will end the stall, or until {@code deadline}. Queued
   * no-slowdown writers fail at once meanwhile ({@link CommitPipeline#beginStall}).
   */
  private void stall(long deadline, ColumnFamily family, String reason) {
    MemtableSet seen = family.mems;
    long start = System.nanoTime();
    stats.stalls.increment();
    jobs.signalCompaction();
    jobs.signalFlush();
    long left = deadline == Long.MAX_VALUE ? Long.MAX_VALUE : deadline - start;
    if (left <= 0) {
      throw new WriteStallException(
          "write stalled longer than " + options.writeStallTimeout() + " (" + reason + ")");
    }
    setStallCondition(StallCondition.STOPPED, reason);
    if (lastStopNanos == Long.MIN_VALUE || start - lastStopNanos > STALL_WARN_PERIOD_NANOS) {
      infoLog.warn("writes stopped ({}); further stops within a minute are not logged", reason);
    }
    lastStopNanos = start;
    WriteStallEvent event = new WriteStallEvent();
    event.begin();
    pipeline.beginStall(reason);
    try {
      BooleanSupplier over =
          () ->
              family.mems != seen
                  || family.isDropped()
                  || (!options.backgroundCompaction()
                          || family.versions.level(0).fileCount()
                              < family.options.level0StopTrigger())
                      && family.mems.immutables.size() < options.maxImmutableMemtables();
      // In slices: a flush or compaction waiting out a failure's back-off, on an executor that
      // runs it only when signalled, is asked again each second.
      long end = left == Long.MAX_VALUE ? Long.MAX_VALUE : start + left;
      while (true) {
        long remaining = end == Long.MAX_VALUE ? Long.MAX_VALUE : end - System.nanoTime();
        awaitProgress(Math.min(remaining, STALL_RESIGNAL_NANOS), over);
        if (remaining <= STALL_RESIGNAL_NANOS
            || over.getAsBoolean()
            || status.error() != null
            || status.isClosed()) {
          break;
        }
        jobs.signalFlush();
        jobs.signalCompaction();
      }
    } finally {
      pipeline.endStall();
      commitStallEvent(event, StallCondition.STOPPED, reason);
      long stalled = System.nanoTime() - start;
      stats.stallNanos.add(stalled);
      if (stalled > TimeUnit.MILLISECONDS.toNanos(LONG_STALL_MILLIS)) {
        infoLog.info("writes stalled {} ms ({})", TimeUnit.NANOSECONDS.toMillis(stalled), reason);
      }
    }
  }

  private void commitStallEvent(WriteStallEvent event, StallCondition condition, String cause) {
    event.end();
    if (event.shouldCommit()) {
      event.db = obs.name;
      event.condition = condition.name();
      event.cause = cause;
      event.commit();
    }
  }

  /** Waits on {@code progress} until {@code done} holds, an error or close, or the time passes. */
  void awaitProgress(long nanos, BooleanSupplier done) {
    stateLock.lock();
    try {
      while (nanos > 0 && !done.getAsBoolean() && status.error() == null && !status.isClosed()) {
        nanos = progress.awaitNanos(nanos);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StrataException("interrupted while waiting for background work", e);
    } finally {
      stateLock.unlock();
    }
  }

  /** Wakes every thread waiting for background progress. */
  void signalProgress() {
    stateLock.lock();
    try {
      progress.signalAll();
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
  private void switchMemtable(String reason, List<ColumnFamily> seal) throws IOException {
    switchMemtable(seal, f -> reason);
  }

  /** As {@link #switchMemtable(String, List)}, each sealed family with its own reason. */
  private void switchMemtable(List<ColumnFamily> seal, Function<ColumnFamily, String> reasonOf)
      throws IOException {
    pipeline.awaitInsertsDrained();
    // After a failed WAL write or force, forcing the old WAL again could report success for data
    // the failure lost: the engine never retries an fsync, so no switch (and no flush) happens.
    status.checkWritable();
    if (wal.size() == 0) {
      // The memtable took only writes that skipped the WAL. Recovery reads a retired log with no
      // record as a lost tail, so the log gets an unlogged marker instead.
      wal.addUnloggedMarker(lastLogged + 1);
      stats.walBytesWritten.add(wal.size());
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
    RetiredWal retired = new RetiredWal(wal, walNumber, fs);
    List<long[]> sealedFigures = new java.util.ArrayList<>(seal.size());
    List<String> sealedReasons = new java.util.ArrayList<>(seal.size());
    wal = fresh;
    walNumber = number;
    stateLock.lock();
    try {
      for (ColumnFamily f : families.live()) {
        MemtableSet m = f.mems;
        if (seal.contains(f)) {
          sealedFigures.add(
              new long[] {m.activeLogNumber, m.active.entryCount(), m.active.approximateBytes()});
          sealedReasons.add(reasonOf.apply(f));
          f.mems = m.switchTo(newPinnedMemtable(f), number, retired);
        } else if (m.active.isEmpty()) {
          // Nothing of this family is in an older log: it no longer needs them.
          f.mems = m.withActiveLogNumber(number);
        }
      }
      List<RetiredWal> nextRetired = new java.util.ArrayList<>(retiredWals.size() + 1);
      nextRetired.addAll(retiredWals);
      nextRetired.add(retired);
      setRetiredWalsLocked(nextRetired);
      rebuildTargetsLocked();
    } finally {
      stateLock.unlock();
    }
    for (int i = 0; i < sealedFigures.size(); i++) {
      long[] sealed = sealedFigures.get(i);
      obs.memtableSealed(sealed[0], sealed[1], sealed[2], sealedReasons.get(i));
    }
    jobs.signalFlush();
  }

  /**
   * Checkpoints copying WALs; while above zero no WAL is deleted. Atomic: checkpoints add and
   * take, the flush worker reads.
   */
  private final AtomicInteger walDeletionHolds = new AtomicInteger();

  /** Keeps every WAL until {@link #releaseWalDeletion}: for a checkpoint that copies them. */
  void holdWalDeletion() {
    walDeletionHolds.incrementAndGet();
  }

  void releaseWalDeletion() {
    walDeletionHolds.decrementAndGet();
  }

  /** In the leader role: forces every WAL, oldest first (see {@link #syncWals}). */
  void syncWalsExclusive() {
    pipeline.runExclusive(this::syncWals);
  }

  /**
   * Forces, oldest first, every retired WAL up to and including number {@code upTo}: before a
   * flush installs a table holding writes of that log, every earlier write of any family must be
   * as durable, or a power loss could keep the later write and lose an earlier one.
   */
  void forceRetiredWalsUpTo(long upTo) throws IOException {
    for (RetiredWal r : retiredWals) {
      if (r.number() > upTo) {
        break;
      }
      if (r.isReplayed() && r.number() == upTo) {
        // The flush of the memtable an open replayed from it: that flush is what makes it
        // durable (RetiredWal). Flushes go oldest log first, so a later one finds it flushed.
        continue;
      }
      r.forceAndClose();
    }
  }

  /**
   * Fails whoever waits for a replayed log's memtable to be flushed (a sync write, an ingestion):
   * this process will not flush it. At close, and on a background error.
   */
  void abandonReplayedWals(Throwable cause) {
    for (RetiredWal r : retiredWals) {
      if (r.isReplayed()) {
        r.replayedAbandoned(cause);
      }
    }
  }

  /**
   * Deletes the retired WALs every live family has flushed past (below the smallest log number
   * the families' manifests record). By the flush worker, after an install.
   */
  void deleteObsoleteWals(ObsoleteFiles obsolete) {
    if (walDeletionHolds.get() > 0) {
      // A checkpoint copies the WALs its pinned families need; the next pass deletes them.
      return;
    }
    long min = Long.MAX_VALUE;
    for (ColumnFamily f : families.live()) {
      min = Math.min(min, f.versions.logNumber());
    }
    List<RetiredWal> gone = new java.util.ArrayList<>();
    stateLock.lock();
    try {
      List<RetiredWal> keep = new java.util.ArrayList<>(retiredWals.size());
      for (RetiredWal r : retiredWals) {
        (r.number() < min ? gone : keep).add(r);
      }
      if (gone.isEmpty()) {
        return;
      }
      setRetiredWalsLocked(keep);
    } finally {
      stateLock.unlock();
    }
    for (RetiredWal r : gone) {
      try {
        // Already forced by the flushes that made it obsolete; this closes it if not.
        r.forceAndClose();
      } catch (IOException e) {
        LOG.warn("closing the obsolete WAL {} of {}", r.fileName(), dir, e);
      }
      obsolete.deleteWal(r.number());
    }
  }

  // ---- ingestion ----

  /**
   * Leader only (inside {@link #runExclusive}): if a memtable holds an entry or range tombstone
   * that {@code overlaps} accepts, makes the active memtable immutable when it is one of them and
   * waits until every memtable made before is flushed, writers waiting meanwhile; an ingested
   * table must not lie below older versions of its keys that are still in memory.
   *
   * @return whether it flushed
   * @throws StrataException if a memtable overlaps and {@code mayFlush} is false, or the flush
   *     fails, the database closes or the thread is interrupted while waiting
   */
  boolean flushIfOverlapping(ColumnFamily family, Predicate<Memtable> overlaps, boolean mayFlush) {
    boolean activeOverlaps;
    boolean any;
    // Read as a point read is (MemtableReaders): a flush that removes one of these memtables
    // meanwhile does not hand its memory on before the tests are done.
    int stripe = memtableReaders.enter();
    try {
      MemtableSet m = family.mems;
      activeOverlaps = overlaps.test(m.active);
      any = activeOverlaps;
      for (MemtableSet.Immutable imm : m.immutables) {
        any = any || overlaps.test(imm.memtable());
      }
    } finally {
      memtableReaders.exit(stripe);
    }
    if (!any) {
      return false;
    }
    if (!mayFlush) {
      throw new StrataException(
          "the files overlap keys still in a memtable and the ingest options forbid a flush"
              + " (IngestOptions.allowBlockingFlush)");
    }
    if (activeOverlaps) {
      try {
        switchMemtable("ingest", List.of(family));
      } catch (IOException e) {
        throw new StrataException("ingestion's flush failed: " + e.getMessage(), e);
      }
    }
    // The leader waits here, every writer behind it: a flush waiting out a back-off runs now.
    long failuresBefore = status.flushFailures();
    jobs.requestFlush();
    while (!awaitFlushed(family, family.mems.activeLogNumber, Long.MAX_VALUE, failuresBefore)) {
      // Only a close or a drop ends the wait early: say which.
      status.checkOpen();
      family.checkLive();
    }
    return true;
  }

  /**
   * Leader only (inside {@link #runExclusive}): forces every WAL, oldest first, so that each write
   * made before is as durable as an ingestion about to be installed: recovery then never finds the
   * ingestion without a write that preceded it.
   *
   * @throws StrataException if a force fails (the error is then sticky, as for a sync write)
   */
  void syncWals() {
    try {
      for (RetiredWal retired : retiredWals) {
        retired.forceAndClose();
      }
      fs.crashPoint(CrashPoint.WAL_BEFORE_SYNC);
      wal.sync();
      fs.crashPoint(CrashPoint.WAL_AFTER_SYNC);
      stats.walSyncs.increment();
    } catch (IOException e) {
      recordBackgroundError(e);
      throw new StrataException("forcing the WAL before an ingestion failed: " + e.getMessage(), e);
    }
  }

  /**
   * Leader only (inside {@link #runExclusive}): the next {@code count} sequences, for tables
   * ingested at them; see {@link CommitPipeline#allocateSequences}. The caller publishes them with
   * {@link #publishSequence} once the tables are installed.
   */
  long allocateSequences(int count) {
    return pipeline.allocateSequences(count);
  }

  // ---- flushes ----

  /**
   * Makes the family's active memtable immutable if it holds anything, in the leader role, and
   * returns the WAL number below which every write of the family made before this call is in an
   * immutable memtable: the number {@link #awaitFlushed} waits for. If it holds nothing and other
   * families exist, forces the WALs instead, so that every earlier write of any family is durable
   * once the flush returns (the flush of a sealed memtable forces every older WAL).
   */
  long switchForFlush(ColumnFamily family) {
    long[] target = new long[1];
    pipeline.runExclusive(
        () -> {
          try {
            if (!family.mems.active.isEmpty()) {
              switchMemtable("flush", List.of(family));
            } else if (families.live().size() > 1) {
              // Nothing of this family to flush, but other families' writes may sit in an
              // unforced WAL: a flush returns with every earlier write durable, so force them.
              syncWals();
            }
            target[0] = family.mems.activeLogNumber;
          } catch (IOException e) {
            throw new StrataException("flush failed: " + e.getMessage(), e);
          }
        });
    return target[0];
  }

  /**
   * Waits until every memtable whose WAL number is below {@code logNumber} is flushed, at most
   * {@code nanos}: whether every such memtable is flushed. Returns false, not waiting, once the
   * database is closed or the family dropped.
   *
   * @param failuresBefore {@link DbStatus#flushFailures()} as read before the flush was asked for,
   *     so that an attempt that fails before this call begins to wait is reported too
   * @throws StrataException after a background error, if a flush attempt failed since {@code
   *     failuresBefore} (the flush worker tries again later; nothing is lost), or if the thread is
   *     interrupted (its interrupt status is kept)
   */
  boolean awaitFlushed(ColumnFamily family, long logNumber, long nanos, long failuresBefore) {
    stateLock.lock();
    try {
      while (oldestUnflushedLog(family) < logNumber) {
        Throwable bg = status.error();
        if (bg != null) {
          throw new StrataException("flush failed", bg);
        }
        long failures = status.flushFailures();
        if (failures != failuresBefore) {
          // An attempt made while this caller waited failed; the flush worker tries again later.
          Throwable last = status.lastFlushFailure();
          if (last != null) {
            throw new StrataException(
                "flush failed, nothing lost (the memtable stays, and is flushed again later): "
                    + last.getMessage(),
                last);
          }
          failuresBefore = failures; // a later attempt succeeded meanwhile
        }
        if (nanos <= 0 || status.isClosed() || family.isDropped()) {
          return false;
        }
        nanos = progress.awaitNanos(nanos);
      }
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StrataException("interrupted while flushing", e);
    } finally {
      stateLock.unlock();
    }
  }

  private static long oldestUnflushedLog(ColumnFamily family) {
    MemtableSet.Immutable oldest = family.mems.oldest();
    return oldest == null ? Long.MAX_VALUE : oldest.logNumber();
  }

  /** Removes a flushed memtable, whose table is installed, and wakes the waiters. */
  void removeFlushed(ColumnFamily family, MemtableSet.Immutable flushed) {
    stateLock.lock();
    try {
      family.mems = family.mems.without(flushed);
      // After the new set is published: an iterator that still finds the memtable in the old set
      // and retains it now is counted as pinned, which it is. Before the waiters wake: a flush()
      // that returns finds the memtable counted (a lock-free compare-and-set, no I/O).
      flushed.pin().leftSet();
      progress.signalAll();
    } finally {
      stateLock.unlock();
    }
    // After the lock: the budget is shared with other databases' threads (lock-free, no waits).
    reportToBudget();
    // The memtable's chunks go to the next memtables once no read can reach it: every read that
    // might have loaded the old set has ended (a wait of microseconds, holding no lock), and the
    // last iterator holding it, if any, has closed (MemtablePin).
    if (memtableReaders.awaitDrained(DRAIN_WAIT_NANOS)) {
      flushed.pin().drained();
    }
  }

  /** At close: drops the pooled value chunks (and those given back later) to the collector. */
  void closeValuePool() {
    if (valuePool != null) {
      valuePool.close();
    }
  }

  /** Bytes of memtable chunks waiting for the next memtables; for the memory figures. */
  long pooledChunkBytes() {
    return valuePool == null ? 0 : valuePool.pooledBytes();
  }

  /** Chunks the memtables took from the pool instead of allocating; for tests. */
  long reusedChunks() {
    return valuePool == null ? 0 : valuePool.reusedChunks();
  }

  // ---- close ----

  /** The active WAL as a clean close forced it: its number and length in bytes. */
  record ForcedWal(long number, long length) {}

  /**
   * At close, in the leader role: every write queued before has completed, and writes queued after
   * see the closed flag in {@link #makeRoomForWrite} and fail. Retired WALs whose memtables were
   * not flushed are forced and closed (a no-op for those already forced); with {@code
   * forceActive} the active WAL is forced too, then it is closed. Failures are logged: the WALs
   * are replayed at the next open either way.
   *
   * @return the active WAL's number and length when {@code forceActive} and every force
   *     succeeded with no sticky error before or during them; else null
   */
  ForcedWal closeWals(boolean forceActive) {
    if (wal == null) {
      return null;
    }
    ForcedWal[] forced = {null};
    try {
      pipeline.runExclusive(
          () -> {
            boolean allForced = status.error() == null;
            for (RetiredWal retired : retiredWals) {
              if (retired.isReplayed()) {
                // Never forced (RetiredWal): durable only if its memtable was flushed; if not,
                // the next open replays it again, as this one did.
                allForced &= retired.replayedFlushedOk();
                continue;
              }
              try {
                retired.forceAndClose();
              } catch (IOException | RuntimeException e) {
                allForced = false;
                LOG.warn("forcing the retired WAL {} of {}", retired.fileName(), dir, e);
              }
            }
            if (forceActive && allForced) {
              try {
                wal.sync();
                if (status.error() == null) {
                  forced[0] = new ForcedWal(walNumber, wal.size());
                }
              } catch (IOException | RuntimeException e) {
                LOG.warn("forcing the WAL {} of {} at close", wal.fileName(), dir, e);
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
    return forced[0];
  }
}
