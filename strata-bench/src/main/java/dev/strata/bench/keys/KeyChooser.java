package dev.strata.bench.keys;

/**
 * Chooses the next key number of a workload. Implementations are not thread-safe: each benchmark
 * thread owns its chooser, seeded from the run's seed and the thread index.
 */
public interface KeyChooser {
  /** The next key number. */
  long next();
}
