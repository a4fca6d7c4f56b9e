package dev.strata.bench.engine;

/**
 * Bytes an engine reports having written, as counted by the engine itself: user bytes (keys and
 * values handed to it), log bytes and table bytes (flushes plus compactions).
 *
 * @param userBytes key and value bytes written by the application
 * @param walBytes bytes appended to the write-ahead log
 * @param tableBytes bytes written to table files by flushes and compactions
 */
public record WriteCounters(long userBytes, long walBytes, long tableBytes) {
  /** The counters accumulated since {@code earlier}. */
  public WriteCounters minus(WriteCounters earlier) {
    return new WriteCounters(
        userBytes - earlier.userBytes, walBytes - earlier.walBytes, tableBytes - earlier.tableBytes);
  }

  /** {@code (wal + table) / user}, or NaN if no user bytes were written. */
  public double writeAmplification() {
    if (userBytes <= 0) {
      return Double.NaN;
    }
    return (double) (walBytes + tableBytes) / userBytes;
  }
}
