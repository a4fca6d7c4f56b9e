package dev.strata.engine;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import dev.strata.HistogramType;
import dev.strata.StatisticsLevel;
import dev.strata.StrataException;
import dev.strata.Ticker;
import dev.strata.stats.StatsRecorder;
import dev.strata.WriteStallException;
import dev.strata.key.ValueKind;
import dev.strata.memtable.Memtable;
import dev.strata.wal.WalOps;
import dev.strata.wal.WriteBatchCodec;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Group commit: turns concurrent writes into one WAL append (and one fsync for sync writes),
 * assigns sequence numbers in WAL order, lets every writer insert its own batch into the memtable
 * in parallel, and publishes a group's last sequence only when every insert of that group and of
 * every earlier group is done.
 *
 * <p>The pipeline is two stages deep: once a group is in the WAL, the next leader may append the
 * next group while the previous one is still inserting. Two writers on two cores therefore insert
 * side by side instead of taking turns.
 *
 * <h2>Invariants</h2>
 *
 * <ol>
 *   <li>Sequence numbers are assigned in queue order and appear in the WAL in that order.
 *   <li>The visible sequence ({@link DbImpl#visibleSequence()}) advances only past groups whose
 *       writes, and those of every earlier group, are all in the memtable: groups are published
 *       in WAL order, so a reader never sees a later write without an earlier one, nor part of a
 *       batch. A writer returns only once its group is published.
 *   <li>Every group in flight inserts into the memtable that was active when its leader formed
 *       it. The memtable only changes with no group in flight: a memtable switch and every control
 *       action first wait ({@link #awaitInsertsDrained}) until all inserts of earlier groups are
 *       done and published.
 * </ol>
 *
 * <h2>Concurrency</h2>
 *
 * A writer enqueues under {@code queueLock} (lock rank 1) and waits on its own condition. The
 * writer at the head of the queue is the leader: it releases the lock, makes room (may wait for
 * the groups in flight, switch the memtable or stall), re-locks to take a group from the queue
 * head, and releases the lock again to append and fsync: no lock is held across disk I/O. It then
 * re-locks once to move the group from the queue to {@code inflight}, tell its members to insert
 * and wake the next leader. Each member inserts with no pipeline lock held; the last to finish (an
 * {@link AtomicInteger} count) marks the group inserted and, under {@code queueLock}, publishes
 * every inserted group at the front of {@code inflight} and completes its members. Fields touched
 * only by the leader of the moment ({@code lastAllocated}, the WAL writer inside {@link DbImpl})
 * are handed from leader to leader through {@code queueLock}.
 *
 * <h2>Lifecycle</h2>
 *
 * Created and owned by {@link DbImpl}; nothing to close. After close the engine fails writes
 * before they reach the queue.
 *
 * <h2>Failure</h2>
 *
 * A failed WAL append or fsync fails the whole group (none of it is inserted or made visible),
 * and the engine records a sticky error that fails every later write until reopen; the engine
 * never retries an fsync.
 */
final class CommitPipeline {
  /** Largest group payload in bytes; a bigger leader batch forms a group of its own. */
  private static final int MAX_GROUP_BYTES = 1 << 20;

  /**
   * How long a waiting writer spins before it parks on its condition. A hand-off between two
   * running threads (leader to member, group to next leader) takes a few microseconds; a park
   * and wake-up costs about as much again in system calls and a context switch on each side.
   * RocksDB's write threads spin and yield briefly for the same reason.
   */
  private static final long SPIN_NANOS = 20_000;

  /**
   * One pending write. Fields below are guarded by queueLock unless noted.
   *
   * <h3>Reuse</h3>
   *
   * A writer that made a write is kept for the next one ({@link #spares}): a put then allocates
   * no writer, no condition and no operation of its own. A writer goes back only once its commit
   * saw {@code DONE} under queueLock: by then the leader has taken it out of {@code queue}, its
   * group has left {@code inflight} (or never entered it), and every thread that sets a writer's
   * state does so under queueLock, which the commit acquired after that last change; no thread
   * reads the writer again. The old group's {@code members} array still lists it, but nothing
   * reads a group once it has left {@code inflight}. Its references to the caller's arrays and to
   * the memtables are cleared when it goes back, so a spare holds no user data.
   *
   * <p>Each writer also carries the {@link Group} it forms when it leads ({@link #led}): the
   * leader is a member of its own group, and its commit returns only once that group is
   * published (or failed before it entered {@code inflight}), so a writer leads its next group
   * only after its previous one is done with.
   */
  static final class Writer {
    /**
     * Operations to log and insert; set before enqueue. The leader encodes them into the WAL
     * record; the writer's own thread inserts them.
     */
    Ops ops;

    /** {@code ops.encodedBytes()}, or 0 for a control writer; set before enqueue. */
    int walBytes;

    boolean sync;

    /** The writer's operations skip the WAL ({@code WriteOptions.disableWal}). */
    boolean disableWal;

    /** The writer fails at once instead of waiting in a stall ({@code WriteOptions.noSlowdown}). */
    boolean noSlowdown;

    final Condition cond;

    /** Non-null for a control writer (no payload) that runs an action in the leader role. */
    final Runnable control;

    /** The operation this writer reuses for single writes ({@link #commitSingle}). */
    final SingleOp single = new SingleOp();

    /** The group this writer forms whenever it leads; see "Reuse" above. */
    final Group led = new Group();

    /**
     * WAITING, INSERT or DONE; written only under the pipeline's queueLock. Volatile so that the
     * writer's own thread can spin on it without the lock before it parks; every decision is
     * re-checked under the lock.
     */
    volatile int state;

    /**
     * Set under queueLock when the writer reaches the head of the queue (it may lead); volatile
     * for the same lock-free spin. Only a hint: the queue, under the lock, decides.
     */
    volatile boolean head;

    /*
     * firstSequence and target are written by the leader before it sets INSERT under queueLock,
     * and group under queueLock with it; the member reads them after seeing INSERT under the same
     * lock, so the lock orders the writes before the reads. error is written either by the
     * member itself (a failed insert) or under queueLock before DONE (a failed group), and read by
     * the member after it sees DONE under queueLock.
     */
    long firstSequence;

    /**
     * Nanoseconds this writer spent leading or inserting, to tell its waiting from its work;
     * confined to the writer's own thread.
     */
    long workNanos;

    /**
     * Whether this writer's waiting is timed (one writer in {@code StatsRecorder.LATENCY_SAMPLE},
     * at {@code StatisticsLevel.ALL}); confined to the writer's own thread.
     */
    boolean timed;

    Memtable[] target;
    Group group;
    Throwable error;

    Writer(Condition cond, Runnable control) {
      this.cond = cond;
      this.control = control;
    }

    /** Sets up a fresh or reused writer for one commit of {@code ops}; before enqueue. */
    Writer prepare(Ops ops, boolean sync, boolean noSlowdown, boolean disableWal) {
      this.ops = ops;
      this.walBytes = ops == null ? 0 : ops.encodedBytes();
      this.sync = sync;
      this.disableWal = disableWal;
      this.noSlowdown = noSlowdown;
      this.state = WAITING;
      this.head = false;
      this.firstSequence = 0;
      this.workNanos = 0;
      this.timed = false;
      this.target = null;
      this.group = null;
      this.error = null;
      return this;
    }

    /** Drops the references to the caller's operations and the memtables; before going back. */
    void clear() {
      ops = null;
      single.clear();
      target = null;
      group = null;
      error = null;
    }
  }

  static final int WAITING = 0;
  static final int INSERT = 1;
  static final int DONE = 2;

  /**
   * A group in flight: its members and last sequence, set by its leader before the group enters
   * {@code inflight} (under queueLock) and unchanged while it is there, the pending-insert count,
   * and the inserted flag. Each writer reuses one for the groups it leads ({@link Writer#led}).
   */
  static final class Group {
    private static final AtomicIntegerFieldUpdater<Group> PENDING =
        AtomicIntegerFieldUpdater.newUpdater(Group.class, "pending");

    /** The members, leader first, in {@code members[0, size)}; the array grows as groups do. */
    Writer[] members = new Writer[4];

    int size;
    long lastSequence;

    /**
     * Inserts not yet finished; the thread that brings it to zero completes the group. Changed
     * through {@link #PENDING} only (a field rather than an {@code AtomicInteger}: one object per
     * group fewer).
     */
    private volatile int pending;

    /** Every member's insert is done; written and read under the pipeline's queueLock only. */
    boolean inserted;

    /** Leader only, before the group enters {@code inflight}: its sequences are assigned. */
    void start(long lastSequence) {
      this.lastSequence = lastSequence;
      this.inserted = false;
      this.pending = size;
    }

    /** One member's insert is done; true for the last. */
    boolean insertDone() {
      return PENDING.decrementAndGet(this) == 0;
    }
  }

  /** What the pipeline needs from the engine. */
  interface Engine {
    /**
     * Leader only: stall or switch the memtable until the active one has room.
     *
     * @param noSlowdown the leader's own write asked not to wait: throw {@code
     *     WriteStallException} instead of stalling or slowing down
     */
    void makeRoomForWrite(boolean noSlowdown) throws IOException;

    /**
     * Leader only: the active memtable of each live column family, by family id (null where none
     * lives), that takes the next group.
     */
    Memtable[] activeMemtables();

    /**
     * Leader only: append the group's operations to the WAL as one record whose batch starts at
     * {@code firstSequence}, and force it if {@code sync}. Not called for a group whose writes skip
     * the WAL; their sequences leave a gap the engine marks before the next logged batch.
     */
    void appendToWal(long firstSequence, WalOps[] members, int count, boolean sync)
        throws IOException;

    /** Publishes the visible sequence; called once per group, in order. */
    void publishSequence(long sequence);

    /** Records a failure that must fail every later write. */
    void recordBackgroundError(Throwable t);

    /** The sticky error, or null. */
    Throwable backgroundError();
  }

  private final Engine engine;

  /** Group sizes and the time writers wait for others ({@code Ticker.COMMIT_WAIT_NANOS}). */
  private final StatsRecorder recorder;

  /** Rank 1: the commit queue. */
  private final ReentrantLock queueLock = new ReentrantLock();

  /** Writers not yet in a group, and the group its leader is appending; head first. */
  @GuardedBy("queueLock")
  private final ArrayDeque<Writer> queue = new ArrayDeque<>();

  /** Groups in the WAL and not yet published, in WAL order. */
  @GuardedBy("queueLock")
  private final ArrayDeque<Group> inflight = new ArrayDeque<>();

  /** Signalled under queueLock when {@code inflight} becomes empty. */
  private final Condition drained = queueLock.newCondition();

  /**
   * Why the leader of the moment is stalled, or null: set and cleared by that leader ({@link
   * #beginStall}, {@link #endStall}). A no-slowdown writer that arrives meanwhile fails at once.
   */
  @GuardedBy("queueLock")
  private String stallReason;

  /** Last sequence handed out. Confined to the leader; handed over through queueLock. */
  private long lastAllocated;

  /**
   * The group's operations for the WAL append; confined to the leader of the moment like {@link
   * #lastAllocated}, grown as groups grow, and cleared after each append.
   */
  private WalOps[] leaderOps = new WalOps[8];

  /** Slots of {@link #spares}: a power of two, more than the cores a writer usually runs on. */
  private static final int SPARE_SLOTS = 16;

  /**
   * Writers kept for reuse (see {@link Writer}, "Reuse"), at most one per slot; a thread takes
   * and returns the one of the slot its id names, by compare-and-set, so two threads of one slot
   * never share a writer (the second allocates). A writer in a slot holds nothing of a write.
   */
  private final AtomicReferenceArray<Writer> spares = new AtomicReferenceArray<>(SPARE_SLOTS);

  CommitPipeline(Engine engine, long lastSequence) {
    this(engine, lastSequence, new StatsRecorder(StatisticsLevel.TICKERS_ONLY));
  }

  /** As above, recording group sizes and writers' waits in {@code recorder}. */
  CommitPipeline(Engine engine, long lastSequence, StatsRecorder recorder) {
    this.engine = engine;
    this.lastAllocated = lastSequence;
    this.recorder = recorder;
  }

  /** Sets the last allocated sequence after recovery; before any write. */
  void resetSequence(long lastSequence) {
    queueLock.lock();
    try {
      lastAllocated = lastSequence;
    } finally {
      queueLock.unlock();
    }
  }

  /**
   * Leader only, from a {@link #runExclusive} action: takes the next {@code count} sequences for
   * writes that reach the database without the WAL and the memtable (ingested tables); the caller
   * publishes them once they are readable. The next WAL record then follows a gap, which the WAL
   * marks as unlogged.
   *
   * @return the first of them
   */
  long allocateSequences(int count) {
    long first = lastAllocated + 1;
    lastAllocated += count;
    return first;
  }

  /**
   * Commits {@code ops}: returns once they are in the WAL (forced if sync), in the memtable, and
   * visible.
   *
   * @throws StrataException if the WAL write failed or the database has a sticky error
   * @throws WriteStallException if the writer asked not to wait and the pipeline is stalled
   */
  void commit(Ops ops, boolean sync, boolean noSlowdown, boolean disableWal) {
    int slot = spareSlot();
    Writer w = takeSpare(slot);
    commit(w.prepare(ops, sync, noSlowdown, disableWal));
    giveBack(slot, w);
  }

  /**
   * Commits one put, delete, merge or range deletion ({@link SingleOp}) of column family {@code
   * family}, as {@link #commit(Ops, boolean, boolean, boolean)}, with no operation object of its
   * own.
   */
  void commitSingle(
      int family,
      ValueKind kind,
      byte[] key,
      byte[] value,
      boolean sync,
      boolean noSlowdown,
      boolean disableWal) {
    int slot = spareSlot();
    Writer w = takeSpare(slot);
    commit(w.prepare(w.single.set(family, kind, key, value), sync, noSlowdown, disableWal));
    giveBack(slot, w);
  }

  private static int spareSlot() {
    return (int) Thread.currentThread().getId() & (SPARE_SLOTS - 1);
  }

  /** The spare writer of {@code slot}, or a new one if another thread holds it. */
  private Writer takeSpare(int slot) {
    Writer w = spares.get(slot);
    if (w != null && spares.compareAndSet(slot, w, null)) {
      return w;
    }
    return new Writer(queueLock.newCondition(), null);
  }

  /**
   * Keeps {@code w}, whose commit returned (so it saw {@code DONE} under queueLock), for the next
   * write of {@code slot}. A writer whose commit threw is left to the collector: most such commits
   * also saw {@code DONE}, but one that an {@code Error} ended while it led may still be queued.
   */
  private void giveBack(int slot, Writer w) {
    w.clear();
    if (spares.get(slot) == null) {
      spares.set(slot, w);
    }
  }

  /**
   * Runs {@code action} in the leader role, after every write queued before it completed and
   * before any write queued after it starts: how the engine switches the memtable for a flush and
   * closes the WAL at shutdown without racing a leader or an insert. Exceptions of the action
   * propagate.
   */
  void runExclusive(Runnable action) {
    commit(new Writer(queueLock.newCondition(), action).prepare(null, false, false, false));
  }

  /**
   * Commits one prepared writer's batch: returns once it is in the WAL (forced if sync), in the
   * memtable, and visible.
   *
   * @throws StrataException if the WAL write failed or the database has a sticky error
   * @throws WriteStallException if the writer asked not to wait and the pipeline is stalled
   */
  private void commit(Writer w) {
    // Waiting is the time in here that the writer neither leads (makes room, appends, syncs) nor
    // inserts its own operations: the writer's share of the pipeline's hand-offs.
    // One writer in StatsRecorder.LATENCY_SAMPLE is timed; its wait counts for that many.
    long start = recorder.startSampledTimer();
    w.timed = start != 0;
    queueLock.lock();
    try {
      if (w.noSlowdown && stallReason != null) {
        throw new WriteStallException("write not made: " + stallReason);
      }
      queue.addLast(w);
      if (w.state == WAITING && queue.peekFirst() != w) {
        queueLock.unlock();
        try {
          spinWhile(w, WAITING, true);
        } finally {
          queueLock.lock();
        }
      }
      while (w.state == WAITING && queue.peekFirst() != w) {
        w.cond.awaitUninterruptibly();
      }
      if (w.state == WAITING) {
        // Head of the queue with nothing assigned: lead a group.
        queueLock.unlock();
        long leadStart = start == 0 ? 0 : System.nanoTime();
        try {
          lead(w);
        } finally {
          if (start != 0) {
            w.workNanos += System.nanoTime() - leadStart;
          }
          queueLock.lock();
        }
      }
      awaitInsertOrDone(w);
    } finally {
      queueLock.unlock();
      if (start != 0) {
        recorder.add(
            Ticker.COMMIT_WAIT_NANOS,
            (System.nanoTime() - start - w.workNanos) * recorder.samplePeriod());
      }
    }
  }

  @GuardedBy("queueLock")
  private void awaitInsertOrDone(Writer w) {
    if (w.state == WAITING) {
      queueLock.unlock();
      try {
        spinWhile(w, WAITING, false);
      } finally {
        queueLock.lock();
      }
    }
    while (w.state == WAITING) {
      w.cond.awaitUninterruptibly();
    }
    if (w.state == INSERT) {
      queueLock.unlock();
      try {
        long insertStart = w.timed ? System.nanoTime() : 0;
        insert(w);
        if (w.timed) {
          w.workNanos += System.nanoTime() - insertStart;
        }
        spinWhile(w, INSERT, false);
      } finally {
        queueLock.lock();
      }
      while (w.state != DONE) {
        w.cond.awaitUninterruptibly();
      }
    }
    if (w.error != null) {
      throw asStrataException(w.error);
    }
  }

  /**
   * Spins, holding no lock, while {@code w.state == state} (and, if {@code untilHead}, {@code w}
   * is not at the head of the queue), for at most {@link #SPIN_NANOS}. The caller then re-checks
   * under queueLock and parks if it still has to wait.
   */
  private static void spinWhile(Writer w, int state, boolean untilHead) {
    long deadline = 0;
    for (int i = 1; w.state == state && !(untilHead && w.head); i++) {
      if ((i & 63) == 0) {
        long now = System.nanoTime();
        if (deadline == 0) {
          deadline = now + SPIN_NANOS;
        } else if (now - deadline > 0) {
          return;
        }
      }
      Thread.onSpinWait();
    }
  }

  /**
   * Leader only (including the engine's {@code makeRoomForWrite} and control actions): waits until
   * every group already in the WAL is inserted and published, so that the active memtable and the
   * WAL can change. Holds no lock on return.
   */
  void awaitInsertsDrained() {
    queueLock.lock();
    try {
      while (!inflight.isEmpty()) {
        drained.awaitUninterruptibly();
      }
    } finally {
      queueLock.unlock();
    }
  }

  /**
   * Leader only, from {@code makeRoomForWrite}: the leader is about to wait in a stall. Every
   * queued no-slowdown writer fails now with {@link WriteStallException} (nothing of it was
   * written), and later ones fail as they arrive, until {@link #endStall}.
   */
  void beginStall(String reason) {
    queueLock.lock();
    try {
      stallReason = reason;
      WriteStallException refusal = new WriteStallException("write not made: " + reason);
      for (java.util.Iterator<Writer> it = queue.iterator(); it.hasNext(); ) {
        Writer w = it.next();
        // The head is the stalled leader itself; it never has noSlowdown here.
        if (w.noSlowdown && w != queue.peekFirst() && w.state == WAITING) {
          it.remove();
          w.error = refusal;
          w.state = DONE;
          w.cond.signal();
        }
      }
    } finally {
      queueLock.unlock();
    }
  }

  /** Leader only: the stall {@link #beginStall} announced is over. */
  void endStall() {
    queueLock.lock();
    try {
      stallReason = null;
    } finally {
      queueLock.unlock();
    }
  }

  /** Leader's work, with no lock held on entry. */
  private void lead(Writer leader) {
    if (leader.control != null) {
      Throwable error = null;
      try {
        awaitInsertsDrained();
        leader.control.run();
      } catch (RuntimeException | Error e) {
        error = e;
      }
      finishUninserted(new Writer[] {leader}, 1, error);
      return;
    }
    Group group = leader.led;
    try {
      Throwable bg = engine.backgroundError();
      if (bg != null) {
        throw new StrataException("database refuses writes after an earlier failure", bg);
      }
      engine.makeRoomForWrite(leader.noSlowdown);
    } catch (IOException | RuntimeException e) {
      finishUninserted(new Writer[] {leader}, 1, e);
      return;
    }
    queueLock.lock();
    try {
      takeGroupLocked(leader, group);
    } finally {
      queueLock.unlock();
    }
    Writer[] members = group.members;
    int n = group.size;
    recorder.increment(Ticker.COMMIT_GROUPS);
    recorder.record(HistogramType.COMMIT_GROUP_SIZE, n);
    Memtable[] target = engine.activeMemtables();
    if (leaderOps.length < n) {
      leaderOps = new WalOps[Math.max(n, 2 * leaderOps.length)];
    }
    WalOps[] ops = leaderOps;
    boolean sync = false;
    long seq = lastAllocated;
    for (int i = 0; i < n; i++) {
      Writer m = members[i];
      m.firstSequence = seq + 1;
      seq += m.ops.count();
      m.target = target;
      ops[i] = m.ops;
      sync |= m.sync;
    }
    group.start(seq);
    try {
      if (!leader.disableWal) {
        engine.appendToWal(lastAllocated + 1, ops, n, sync);
      }
    } catch (IOException | RuntimeException e) {
      engine.recordBackgroundError(e);
      finishUninserted(members, n, e);
      return;
    } finally {
      Arrays.fill(ops, 0, n, null);
    }
    lastAllocated = seq;
    queueLock.lock();
    try {
      for (int i = 0; i < n; i++) {
        Writer m = members[i];
        Writer head = queue.pollFirst();
        assert head == m;
        m.group = group;
        m.state = INSERT;
        if (m != leader) {
          m.cond.signal();
        }
      }
      inflight.addLast(group);
      wakeNextLeaderLocked();
    } finally {
      queueLock.unlock();
    }
  }

  @GuardedBy("queueLock")
  private void takeGroupLocked(Writer leader, Group group) {
    assert queueLock.isHeldByCurrentThread();
    // A long sum: the leader's own batch may be up to StrataDB.MAX_BATCH_BYTES, and followers
    // join only while the group stays within MAX_GROUP_BYTES, so a group is one WAL record.
    long bytes = 0;
    int n = 0;
    for (Writer w : queue) {
      // A group either logs every member or none: members' operations are logged as one batch
      // of consecutive sequences, which an unlogged member in the middle would break.
      if (n > 0
          && (w.control != null
              || w.disableWal != leader.disableWal
              || bytes + w.walBytes > MAX_GROUP_BYTES)) {
        break;
      }
      bytes += w.walBytes;
      n++;
    }
    if (group.members.length < n) {
      group.members = new Writer[Math.max(n, 2 * group.members.length)];
    }
    Writer[] members = group.members;
    int i = 0;
    for (Writer w : queue) {
      if (i == n) {
        break;
      }
      members[i++] = w;
    }
    assert members[0] == leader;
    group.size = n;
  }

  /** A member's memtable insert, with no lock held; the last one completes the group. */
  private void insert(Writer w) {
    try {
      applyOps(w);
    } catch (RuntimeException | Error e) {
      // Only an OutOfMemoryError or a bug lands here; the write is in the WAL, so the memtable
      // can no longer be trusted to match it.
      engine.recordBackgroundError(e);
      w.error = e;
    }
    if (w.group.insertDone()) {
      completeGroup(w.group);
    }
  }

  private static void applyOps(Writer w) {
    w.ops.insert(w.target, w.firstSequence);
  }

  /**
   * Marks {@code group} inserted, then publishes, in WAL order, every inserted group at the front
   * of {@code inflight} and completes its members. A group that finished before an earlier one
   * waits here for the earlier one's last insert, whose thread then publishes both.
   */
  private void completeGroup(Group group) {
    queueLock.lock();
    try {
      group.inserted = true;
      for (Group g = inflight.peekFirst(); g != null && g.inserted; g = inflight.peekFirst()) {
        inflight.pollFirst();
        engine.publishSequence(g.lastSequence);
        for (int i = 0; i < g.size; i++) {
          Writer m = g.members[i];
          m.state = DONE;
          m.cond.signal();
        }
      }
      if (inflight.isEmpty()) {
        drained.signalAll();
      }
    } finally {
      queueLock.unlock();
    }
  }

  /** Tells the writer now at the head of the queue, if any, that it leads. */
  @GuardedBy("queueLock")
  private void wakeNextLeaderLocked() {
    Writer next = queue.peekFirst();
    if (next != null) {
      next.head = true;
      next.cond.signal();
    }
  }

  /** Completes writers that insert nothing: a failed group (error set) or a control writer. */
  private void finishUninserted(Writer[] members, int count, Throwable error) {
    queueLock.lock();
    try {
      for (int i = 0; i < count; i++) {
        Writer m = members[i];
        Writer head = queue.pollFirst();
        assert head == m;
        m.error = error;
        m.state = DONE;
        m.cond.signal();
      }
      wakeNextLeaderLocked();
    } finally {
      queueLock.unlock();
    }
  }

  private static StrataException asStrataException(Throwable t) {
    if (t instanceof StrataException) {
      return (StrataException) t;
    }
    return new StrataException("write failed: " + t, t);
  }

  /** A writer's operations: logged by the leader, inserted by the writer's own thread. */
  abstract static class Ops implements WalOps {
    /**
     * Inserts the operations into their families' memtables of {@code mems} (by family id), the
     * first at {@code firstSequence}. An operation of a family dropped since the writer checked it
     * finds no memtable and is left out: it took effect just before the drop removed it.
     */
    abstract void insert(Memtable[] mems, long firstSequence);
  }

  /** The memtable of {@code family} in {@code mems}, or null if the family is gone. */
  static Memtable target(Memtable[] mems, int family) {
    return family < mems.length ? mems[family] : null;
  }

  /**
   * One put (value non-null), delete (value null), merge or range deletion (start, end). Set
   * before its writer is enqueued and read by the leader (to encode) and the writer's own thread
   * (to insert) after the queue lock orders them; each writer reuses its own ({@link
   * Writer#single}).
   */
  static final class SingleOp extends Ops {
    private int family;
    private ValueKind kind;
    private byte[] key;
    private byte[] value;

    /** An operation to {@link #set} before use. */
    SingleOp() {}

    SingleOp set(int family, ValueKind kind, byte[] key, byte[] value) {
      this.family = family;
      this.kind = kind;
      this.key = key;
      this.value = value;
      return this;
    }

    /** Drops the caller's arrays. */
    void clear() {
      key = null;
      value = null;
    }

    @Override
    public int count() {
      return 1;
    }

    @Override
    public int encodedBytes() {
      return WriteBatchCodec.opSize(family, key, value);
    }

    @Override
    public int encode(byte[] dst, int pos) {
      return WriteBatchCodec.putOp(dst, pos, family, kind, key, value);
    }

    @Override
    void insert(Memtable[] mems, long firstSequence) {
      Memtable mem = family == 0 ? mems[0] : target(mems, family);
      if (mem != null) {
        mem.add(firstSequence, kind, key, value);
      }
    }
  }

  /**
   * A write batch's operations as parallel arrays; a null value is a delete and any other a put,
   * unless {@code kinds} (null when the batch has only puts and deletes; null entries for those)
   * names the kind: a merge (the value is its operand) or a range deletion (its end key).
   */
  static final class WriteBatchOps extends Ops {
    final byte[][] keys;
    final byte[][] values;
    private final ValueKind[] kinds;

    /** The column family of each operation; null when every one is of the default family. */
    private final int[] families;

    private final int encodedBytes;

    /**
     * @param encodedBytes the operations' encoded size, which the caller has summed (and checked)
     */
    WriteBatchOps(byte[][] keys, byte[][] values, int encodedBytes) {
      this(keys, values, null, null, encodedBytes);
    }

    WriteBatchOps(byte[][] keys, byte[][] values, ValueKind[] kinds, int encodedBytes) {
      this(keys, values, kinds, null, encodedBytes);
    }

    WriteBatchOps(
        byte[][] keys, byte[][] values, ValueKind[] kinds, int[] families, int encodedBytes) {
      this.keys = keys;
      this.values = values;
      this.kinds = kinds;
      this.families = families;
      this.encodedBytes = encodedBytes;
    }

    private int family(int i) {
      return families == null ? 0 : families[i];
    }

    private ValueKind kind(int i) {
      if (kinds != null && kinds[i] != null) {
        return kinds[i];
      }
      return values[i] == null ? ValueKind.DELETE : ValueKind.VALUE;
    }

    @Override
    public int count() {
      return keys.length;
    }

    @Override
    public int encodedBytes() {
      return encodedBytes;
    }

    @Override
    public int encode(byte[] dst, int pos) {
      for (int i = 0; i < keys.length; i++) {
        pos = WriteBatchCodec.putOp(dst, pos, family(i), kind(i), keys[i], values[i]);
      }
      return pos;
    }

    @Override
    void insert(Memtable[] mems, long firstSequence) {
      if (families == null) {
        Memtable mem = mems[0];
        for (int i = 0; i < keys.length; i++) {
          mem.add(firstSequence + i, kind(i), keys[i], values[i]);
        }
        return;
      }
      for (int i = 0; i < keys.length; i++) {
        Memtable mem = target(mems, families[i]);
        if (mem != null) {
          mem.add(firstSequence + i, kind(i), keys[i], values[i]);
        }
      }
    }
  }
}
