package dev.strata.bench;

import java.util.OptionalDouble;
import org.HdrHistogram.Histogram;

/**
 * One timed run of one workload phase (a workload has one phase, {@code readwhilewriting} two:
 * readers and writer) on one engine. Immutable once built; the histogram is owned by it and not
 * modified after construction.
 *
 * @param label the workload name, with {@code :writer} for the writer phase
 * @param threads threads of the run (the writer phase of {@code readwhilewriting} is one thread
 *     beside that many readers)
 * @param ops operations completed
 * @param found reads that found a value, or seeks that landed on a key
 * @param expectedFound hits the workload expects, or -1 when it has no expectation
 * @param bytes key and value bytes read or written
 * @param elapsedNanos wall time of the phase
 * @param latencyNanos merged per-operation latencies of all threads
 * @param writeAmplification engine-reported write amplification of the session, if known
 * @param diskBytes bytes in the database directory after close
 * @param peakRssBytes peak resident set size seen during the session
 * @param peakHeapBytes peak Java heap use seen during the session
 */
record Measurement(
    String label,
    int threads,
    long ops,
    long found,
    long expectedFound,
    long bytes,
    long elapsedNanos,
    Histogram latencyNanos,
    OptionalDouble writeAmplification,
    long diskBytes,
    long peakRssBytes,
    long peakHeapBytes) {

  Measurement withSession(
      OptionalDouble writeAmp, long disk, long peakRss, long peakHeap) {
    return new Measurement(
        label, threads, ops, found, expectedFound, bytes, elapsedNanos, latencyNanos, writeAmp,
        disk, peakRss, peakHeap);
  }

  double opsPerSecond() {
    return ResultMath.perSecond(ops, elapsedNanos);
  }
}
