package dev.strata;

/** What {@code open} does with a damaged write-ahead log record. */
public enum WalRecoveryMode {
  /**
   * The default. A torn last record (the write in flight at a crash) ends the log; a damaged
   * record followed by more data raises {@link CorruptionException}.
   */
  TOLERATE_CORRUPTED_TAIL_RECORDS,
  /**
   * Recover to the last consistent point: replay stops at the first damaged record of any log and
   * every later write is dropped. The database opens with a consistent prefix of its writes.
   */
  POINT_IN_TIME
}
