package dev.strata.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs one body on N fresh threads released together by a start gate, and times them from the
 * gate's opening. Used by one coordinating thread at a time; the threads it starts are joined
 * before {@link #run} returns, so none outlive it.
 */
final class ThreadGang {
  /** The work of one thread; {@code stats} is confined to it. */
  interface Body {
    void run(int thread, ThreadStats stats) throws Exception;
  }

  /**
   * @param startNanos when the gate opened
   * @param stats each thread's counters, by thread index
   */
  record Outcome(long startNanos, List<ThreadStats> stats) {
    /** Wall time from the gate to the last of threads {@code [from, to)} finishing. */
    long elapsedNanos(int from, int to) {
      long end = startNanos;
      for (int i = from; i < to; i++) {
        end = Math.max(end, stats.get(i).endNanos);
      }
      return Math.max(1, end - startNanos);
    }
  }

  private ThreadGang() {}

  /**
   * Starts {@code n} threads named {@code name-i}, opens the gate once all are ready, and joins
   * them.
   *
   * @throws BenchException wrapping the first failure of any thread
   * @throws InterruptedException if interrupted while waiting; the threads are still joined
   */
  static Outcome run(int n, String name, Progress progress, Body body) throws InterruptedException {
    List<ThreadStats> stats = new ArrayList<>(n);
    List<Thread> threads = new ArrayList<>(n);
    CountDownLatch ready = new CountDownLatch(n);
    CountDownLatch gate = new CountDownLatch(1);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    for (int i = 0; i < n; i++) {
      ThreadStats s = new ThreadStats(progress);
      stats.add(s);
      int index = i;
      Thread t =
          new Thread(
              () -> {
                ready.countDown();
                try {
                  gate.await();
                  body.run(index, s);
                } catch (Throwable ex) {
                  failure.compareAndSet(null, ex);
                } finally {
                  s.endNanos = System.nanoTime();
                }
              },
              name + "-" + i);
      t.setDaemon(true);
      threads.add(t);
    }
    threads.forEach(Thread::start);
    long start;
    try {
      ready.await();
    } finally {
      // Open the gate even when interrupted, so that every started thread can finish.
      start = System.nanoTime();
      gate.countDown();
      for (Thread t : threads) {
        joinUninterruptibly(t);
      }
    }
    Throwable f = failure.get();
    if (f != null) {
      throw new BenchException(name + " failed: " + describe(f), f);
    }
    return new Outcome(start, stats);
  }

  /** The throwable and each of its causes, so that a one-line report names the root failure. */
  static String describe(Throwable t) {
    StringBuilder text = new StringBuilder(String.valueOf(t));
    Throwable seen = t;
    for (Throwable c = t.getCause(); c != null && c != seen; c = c.getCause()) {
      text.append("; caused by ").append(c);
      seen = c;
    }
    return text.toString();
  }

  private static void joinUninterruptibly(Thread t) {
    boolean interrupted = false;
    while (true) {
      try {
        t.join();
        break;
      } catch (InterruptedException ex) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }
}
