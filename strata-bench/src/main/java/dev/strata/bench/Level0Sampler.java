package dev.strata.bench;

import dev.strata.bench.engine.EngineAdapter;
import java.util.OptionalInt;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Finds the largest level-0 file count of one session of an open engine: {@link
 * EngineAdapter#level0Files()} sampled at start, every {@link #PERIOD_MILLIS} on a daemon thread
 * it owns, and at {@link #stop()}, combined with the exact {@link
 * EngineAdapter#maxLevel0FilesSinceOpen()} where the engine keeps one. For an engine that reports
 * no level-0 count it starts no thread. The sampler reads the engine, so it must stop before the
 * engine closes.
 *
 * <p>Thread-safe: the peak is an atomic written by the sampler thread and by the thread that calls
 * {@link #start} and {@link #stop()}; {@link #stop()} and {@link #close()} wait for the sampler
 * thread to end.
 */
final class Level0Sampler {
  static final long PERIOD_MILLIS = MemorySampler.PERIOD_MILLIS;

  private final EngineAdapter db;
  /** Largest count seen, or -1 before the engine reported one. */
  private final AtomicInteger peak = new AtomicInteger(-1);
  /** Null when the engine reports no level-0 count. */
  private final ScheduledExecutorService sampler;

  /**
   * The sampler's one thread, set by the pool's thread factory when it starts it and read by
   * {@link #close()}, which joins it: the pool reports termination before its last thread has
   * ended, and a caller that closes the engine next needs the thread gone, not just idle.
   */
  private final AtomicReference<Thread> thread;

  private Level0Sampler(
      EngineAdapter db, ScheduledExecutorService sampler, AtomicReference<Thread> thread) {
    this.db = db;
    this.sampler = sampler;
    this.thread = thread;
  }

  /** Samples {@code db} now and, if it reports a level-0 count, every period from now on. */
  static Level0Sampler start(EngineAdapter db) {
    OptionalInt now = db.level0Files();
    if (now.isEmpty()) {
      return new Level0Sampler(db, null, new AtomicReference<>());
    }
    AtomicReference<Thread> started = new AtomicReference<>();
    Level0Sampler s =
        new Level0Sampler(
            db,
            Executors.newSingleThreadScheduledExecutor(
                r -> {
                  Thread t = new Thread(r, "strata-bench-level0-sampler");
                  t.setDaemon(true);
                  started.set(t);
                  return t;
                }),
            started);
    s.peak.set(now.getAsInt());
    // The periodic task never completes normally; close() cancels it by shutting the pool down.
    var unused =
        s.sampler.scheduleAtFixedRate(
            s::sample, PERIOD_MILLIS, PERIOD_MILLIS, TimeUnit.MILLISECONDS);
    return s;
  }

  /**
   * Stops sampling and returns the largest level-0 count of the session, including one last
   * sample and the engine's own maximum, or empty if the engine reports neither. Requires: the
   * engine is still open.
   */
  OptionalInt stop() {
    close();
    if (sampler == null) {
      return db.maxLevel0FilesSinceOpen();
    }
    sample();
    db.maxLevel0FilesSinceOpen().ifPresent(max -> peak.accumulateAndGet(max, Math::max));
    int p = peak.get();
    return p < 0 ? OptionalInt.empty() : OptionalInt.of(p);
  }

  /**
   * Stops the sampler thread and waits for a sample in progress to finish, so that the engine can
   * close; an interrupt does not cut the wait short (it is restored afterwards), since a sample
   * takes microseconds. Idempotent.
   */
  void close() {
    if (sampler == null) {
      return;
    }
    sampler.shutdownNow();
    // A running sample is inside the engine (for RocksDB, in native code that must not outlive
    // the database handle), so the engine may close only after the thread has ended.
    boolean interrupted = false;
    try {
      while (true) {
        try {
          if (!sampler.awaitTermination(1, TimeUnit.MINUTES)) {
            throw new IllegalStateException("level-0 sampler did not stop within a minute");
          }
          Thread t = thread.get();
          if (t != null) {
            t.join();
          }
          return;
        } catch (InterruptedException ex) {
          interrupted = true;
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void sample() {
    db.level0Files().ifPresent(n -> peak.accumulateAndGet(n, Math::max));
  }
}
