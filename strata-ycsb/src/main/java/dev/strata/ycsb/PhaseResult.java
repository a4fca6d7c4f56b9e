package dev.strata.ycsb;

import java.nio.file.Path;

/**
 * How one phase of one engine went in one repetition of the suite. Immutable.
 *
 * @param step the phase's position in the suite's phase list (a phase may appear twice)
 * @param repetition 1 for the first run of the list
 * @param expectedOperations the operations the phase should perform (records for a load), or -1
 *     if unknown (a time limit was set)
 * @param exitCode the child JVM's exit status, -1 if it was killed for the timeout
 * @param output what YCSB printed (empty of results if it did not get that far)
 * @param stdout the file holding the child's stdout; its stderr is beside it
 * @param peakRssBytes the child JVM's peak resident set, -1 if unknown
 */
record PhaseResult(Engine engine, Phase phase, int step, int repetition, long expectedOperations,
    int exitCode, YcsbOutput output, Path stdout, long peakRssBytes) {

  /**
   * True if YCSB reported a throughput for every operation the phase should perform: the run
   * counts in the summary's figures. A client thread whose {@code init} failed performs nothing,
   * yet YCSB still reports a throughput (of the others, or 0).
   */
  boolean measured() {
    return output.completed()
        && (expectedOperations < 0 || output.operationsDone() == expectedOperations);
  }

  /** True if the run is measured, the child exited normally and no operation failed. */
  boolean succeeded() {
    return measured() && exitCode == 0 && output.errors() == 0;
  }
}
