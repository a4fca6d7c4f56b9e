package dev.strata.compaction;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import dev.strata.util.Futures;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one kind of background work (flushes, or compactions) for one database, either on a thread
 * of its own or as tasks on an executor shared by many databases. The work is a function that does
 * one unit (one flush, one compaction) and says whether more may remain; the worker calls it until
 * it says no, then sleeps until {@link #signal()} or, on its own thread, the periodic check.
 *
 * <h2>Concurrency</h2>
 *
 * {@code active} is an {@link AtomicBoolean}: set false once by {@link #close()}, read by the
 * worker and by the work itself at safe points (a compaction polls it to abort). {@code lock} is
 * the scheduler lock, a leaf (rank 7): nothing else is taken while it is held and work never runs
 * under it. It guards the thread handle, the pending signal and whether a shared-executor task is
 * queued or running.
 *
 * <h2>Lifecycle</h2>
 *
 * {@link #start()} once after the database opened; {@link #close()} once: it clears {@code
 * active}, wakes the worker, and waits (bounded) for the running unit to finish or abort. No
 * thread survives a close of a worker that owns its thread. A shared-executor task queued but not
 * started when the worker closes never does work (it finds the worker inactive), so it counts as
 * stopped: an executor shut down with the task still queued does not hold up the close. When the
 * bounded wait ends with a unit still running, {@link #whenStopped} runs an action once it ends:
 * how the database keeps its directory lock until no worker can write.
 *
 * <h2>Failure</h2>
 *
 * A unit that throws is handed to the error callback (the engine makes it a sticky error) and the
 * worker goes idle until signalled again.
 */
public final class BackgroundWorker implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(BackgroundWorker.class);

  private final String name;
  private final BooleanSupplier work;
  private final ExecutorService shared;
  private final long periodicNanos;
  private final Consumer<Throwable> onError;

  /** Cleared once by close; see the class comment. */
  private final AtomicBoolean active = new AtomicBoolean(true);

  /** Rank 7 (scheduler, leaf). */
  private final ReentrantLock lock = new ReentrantLock();

  private final Condition wake = lock.newCondition();
  private final Condition idle = lock.newCondition();

  @GuardedBy("lock")
  private Thread thread;

  @GuardedBy("lock")
  private boolean signalled;

  /** Shared-executor mode: a task is queued or running. */
  @GuardedBy("lock")
  private boolean running;

  /** Shared-executor mode: the queued task has begun {@link #drain()}. */
  @GuardedBy("lock")
  private boolean taskStarted;

  /** Own-thread mode: the thread has left its loop for good. */
  @GuardedBy("lock")
  private boolean threadExited;

  /** Actions waiting for the worker to stop; run once, outside the lock, by whoever sees it. */
  @GuardedBy("lock")
  private final List<Runnable> onStopped = new ArrayList<>();

  /**
   * @param shared the executor shared by several databases, or null for a thread of its own
   * @param periodicNanos how often an own-thread worker checks for work unprompted
   */
  public BackgroundWorker(
      String name,
      BooleanSupplier work,
      ExecutorService shared,
      long periodicNanos,
      Consumer<Throwable> onError) {
    this.name = name;
    this.work = work;
    this.shared = shared;
    this.periodicNanos = periodicNanos;
    this.onError = onError;
  }

  public void start() {
    if (shared != null) {
      return;
    }
    lock.lock();
    try {
      thread = new Thread(this::loop, name);
      thread.setDaemon(true);
      thread.start();
    } finally {
      lock.unlock();
    }
  }

  /** Whether the worker still accepts work (false once closing). */
  public boolean isActive() {
    return active.get();
  }

  /** Asks for a pass over the work soon; cheap and callable from any thread. */
  public void signal() {
    if (!active.get()) {
      return;
    }
    lock.lock();
    try {
      signalled = true;
      if (shared == null) {
        wake.signal();
      } else if (!running) {
        submitLocked();
      }
    } finally {
      lock.unlock();
    }
  }

  @GuardedBy("lock")
  private void submitLocked() {
    running = true;
    signalled = false;
    try {
      shared.execute(this::drain);
    } catch (RejectedExecutionException e) {
      running = false;
      idle.signalAll();
      onError.accept(e);
    }
  }

  private void loop() {
    try {
      while (active.get()) {
        lock.lock();
        try {
          long nanos = periodicNanos;
          while (!signalled && active.get() && nanos > 0) {
            nanos = wake.awaitNanos(nanos);
          }
          signalled = false;
        } catch (InterruptedException e) {
          // The worker owns this thread and stops it through `active`, never by an interrupt: an
          // interrupt comes from outside (a framework interrupting every thread it sees) and
          // must not silently end flushes. It is dropped here; the I/O it may have met
          // completed regardless (dev.strata.fs is interrupt-safe).
          LOG.debug("{} ignored an interrupt", name);
        } finally {
          lock.unlock();
        }
        runUntilIdle();
      }
    } finally {
      List<Runnable> actions;
      lock.lock();
      try {
        threadExited = true;
        actions = takeStopActionsLocked();
      } finally {
        lock.unlock();
      }
      actions.forEach(Runnable::run);
    }
  }

  private void drain() {
    lock.lock();
    try {
      taskStarted = true;
    } finally {
      lock.unlock();
    }
    runUntilIdle();
    List<Runnable> actions = List.of();
    lock.lock();
    try {
      taskStarted = false;
      if (signalled && active.get()) {
        submitLocked();
      } else {
        running = false;
        idle.signalAll();
        if (!active.get()) {
          actions = takeStopActionsLocked();
        }
      }
    } finally {
      lock.unlock();
    }
    actions.forEach(Runnable::run);
  }

  @GuardedBy("lock")
  private List<Runnable> takeStopActionsLocked() {
    List<Runnable> actions = new ArrayList<>(onStopped);
    onStopped.clear();
    return actions;
  }

  /** Whether no unit runs or will run any more; requires close to have begun. */
  @GuardedBy("lock")
  private boolean stoppedLocked() {
    if (shared != null) {
      return !running || !taskStarted;
    }
    return thread == null || threadExited;
  }

  /**
   * Runs {@code action} once the worker has stopped for good: at once, in this thread, if it has;
   * otherwise on the worker's thread as its last unit ends. Requires: {@link #close} was called.
   */
  public void whenStopped(Runnable action) {
    boolean now;
    lock.lock();
    try {
      now = stoppedLocked();
      if (!now) {
        onStopped.add(action);
      }
    } finally {
      lock.unlock();
    }
    if (now) {
      action.run();
    }
  }

  private void runUntilIdle() {
    try {
      while (active.get() && work.getAsBoolean()) {
        // Each call did one unit; go again while it says more may remain.
      }
    } catch (Throwable t) {
      onError.accept(t);
    }
  }

  /**
   * Stops the worker: clears {@code active}, wakes it and waits up to {@code timeoutMillis} for
   * the unit in progress to finish or abort. Idempotent.
   *
   * @return whether the worker stopped in time
   */
  public boolean close(long timeoutMillis) {
    active.set(false);
    Thread t;
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    boolean interrupted = false;
    lock.lock();
    try {
      wake.signalAll();
      t = thread;
      // A queued task that has not started will find the worker inactive and do nothing.
      while (running && taskStarted) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        try {
          idle.awaitNanos(left);
        } catch (InterruptedException e) {
          // The caller's interrupt does not cut the close short; it is restored below.
          interrupted = true;
        }
      }
    } finally {
      lock.unlock();
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
    if (t != null) {
      return Futures.joinUninterruptibly(t, deadline);
    }
    return true;
  }

  @Override
  public void close() {
    close(10_000);
  }

  /** The worker's own thread, or null; for tests that check no thread survives close. */
  public Thread threadForTesting() {
    lock.lock();
    try {
      return thread;
    } finally {
      lock.unlock();
    }
  }
}
