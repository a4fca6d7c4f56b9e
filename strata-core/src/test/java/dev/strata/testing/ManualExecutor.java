package dev.strata.testing;

import java.util.List;
import java.util.Queue;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

/**
 * An {@link java.util.concurrent.ExecutorService} that owns no thread: {@link #execute} only queues
 * the task, and a task runs when a test calls {@link #runPending()}, in the caller's thread. Passed
 * as {@code Options.backgroundExecutor}, it lets a test decide which thread runs the database's
 * flushes and compactions, and when: a model checker then schedules that work like any other
 * operation of its own threads.
 *
 * <p>Thread-safe: the queue is a {@link ConcurrentLinkedQueue}; several threads may run pending
 * tasks at once. Shutting down is a no-op; an instance is simply dropped with its database.
 */
public final class ManualExecutor extends AbstractExecutorService {
  private final Queue<Runnable> pending = new ConcurrentLinkedQueue<>();

  @Override
  public void execute(Runnable task) {
    pending.add(task);
  }

  /**
   * Runs queued tasks in the calling thread until none is left, including tasks queued by the
   * tasks themselves (a flush signalling a compaction).
   *
   * @return how many tasks ran
   */
  public int runPending() {
    int ran = 0;
    Runnable task;
    while ((task = pending.poll()) != null) {
      task.run();
      ran++;
    }
    return ran;
  }

  /** Whether a task is queued. */
  public boolean hasPending() {
    return !pending.isEmpty();
  }

  @Override
  public void shutdown() {}

  @Override
  public List<Runnable> shutdownNow() {
    return List.of();
  }

  @Override
  public boolean isShutdown() {
    return false;
  }

  @Override
  public boolean isTerminated() {
    return false;
  }

  @Override
  public boolean awaitTermination(long timeout, TimeUnit unit) {
    return true;
  }
}
