package dev.strata.bench;

import dev.strata.bench.engine.WriteStalls;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
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
 * @param writeAmplification engine-reported write amplification of the timed run, if known
 * @param maxLevel0Files largest level-0 file count of the session, if the engine reports one
 * @param writeStalls engine-reported write stalls of the timed run, if it counts them
 * @param diskBytes bytes in the database directory after close
 * @param peakRssBytes peak resident set size seen during the session
 * @param peakHeapBytes peak Java heap use seen during the session
 * @param cache the page cache when the timed run started
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
    OptionalInt maxLevel0Files,
    Optional<WriteStalls> writeStalls,
    long diskBytes,
    long peakRssBytes,
    long peakHeapBytes,
    CacheState cache) {

  /** A measurement of a phase, before the session's figures are known. */
  static Measurement ofPhase(
      String label, int threads, long ops, long found, long expectedFound, long bytes,
      long elapsedNanos, Histogram latencyNanos) {
    return new Measurement(
        label, threads, ops, found, expectedFound, bytes, elapsedNanos, latencyNanos,
        OptionalDouble.empty(), OptionalInt.empty(), Optional.empty(), 0, 0, 0, CacheState.WARM);
  }

  Measurement withSession(
      OptionalDouble writeAmp, OptionalInt maxLevel0, Optional<WriteStalls> stalls, long disk,
      long peakRss, long peakHeap, CacheState pageCache) {
    return new Measurement(
        label, threads, ops, found, expectedFound, bytes, elapsedNanos, latencyNanos, writeAmp,
        maxLevel0, stalls, disk, peakRss, peakHeap, pageCache);
  }

  double opsPerSecond() {
    return ResultMath.perSecond(ops, elapsedNanos);
  }
}
