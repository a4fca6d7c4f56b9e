package dev.strata.compaction;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

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
 * thread survives a close of a worker that owns its thread.
 *
 * <h2>Failure</h2>
 *
 * A unit that throws is handed to the error callback (the engine makes it a sticky error) and the
 * worker goes idle until signalled again.
 */
public final class BackgroundWorker implements AutoCloseable {
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
    while (active.get()) {
      lock.lock();
      try {
        long nanos = periodicNanos;
        while (!signalled && active.get() && nanos > 0) {
          nanos = wake.awaitNanos(nanos);
        }
        signalled = false;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } finally {
        lock.unlock();
      }
      runUntilIdle();
    }
  }

  private void drain() {
    runUntilIdle();
    lock.lock();
    try {
      if (signalled && active.get()) {
        submitLocked();
      } else {
        running = false;
        idle.signalAll();
      }
    } finally {
      lock.unlock();
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
    lock.lock();
    try {
      wake.signalAll();
      t = thread;
      while (running) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        idle.awaitNanos(left);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } finally {
      lock.unlock();
    }
    if (t != null) {
      try {
        t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return !t.isAlive();
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
