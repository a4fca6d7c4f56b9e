package dev.strata.bench;

import org.HdrHistogram.Histogram;

/**
 * What one benchmark thread counted: operations, hits, bytes and a latency histogram in
 * nanoseconds. Confined to its thread while the workload runs; read by the coordinating thread
 * after joining it (the join publishes the fields).
 */
final class ThreadStats {
  /** Three significant digits; auto-resizing so that no latency is out of range. */
  final Histogram latencyNanos = new Histogram(3);

  private Progress progress;

  long ops;
  long found;
  /** Lookups that should find a value, for workloads that know. */
  long expected;
  long bytes;
  long endNanos;

  ThreadStats(Progress progress) {
    this.progress = progress;
  }

  /** Stops reporting this thread's operations as progress. */
  void detachProgress() {
    progress = Progress.NONE;
  }

  /** Counts one operation that ran from {@code startNanos} to {@code endNanos}. */
  void record(long startNanos, long endNanos) {
    latencyNanos.recordValue(Math.max(0, endNanos - startNanos));
    if ((++ops & (Progress.STEP - 1)) == 0) {
      progress.step(Progress.STEP);
    }
  }
}
