package dev.strata;

/**
 * A distribution of {@link Statistics}, recorded only at {@link StatisticsLevel#ALL}. Latencies are
 * in nanoseconds; {@link #unit()} says which.
 */
public enum HistogramType {
  /** Latency of {@code get}, every call. */
  GET_NANOS("strata.get.nanos", "nanoseconds"),
  /** Latency of {@code put}, {@code delete} and {@code write}, every call, stalls included. */
  WRITE_NANOS("strata.write.nanos", "nanoseconds"),
  /** Latency of an iterator's seeks, every call. */
  SEEK_NANOS("strata.seek.nanos", "nanoseconds"),
  /**
   * Latency of an iterator's {@code next} and {@code prev}: one step in 64 of each iterator is
   * timed (a step costs little more than reading the clock twice), so the count is about 1/64 of
   * {@link Ticker#ITER_NEXTS}.
   */
  NEXT_NANOS("strata.next.nanos", "nanoseconds"),
  /** Latency of a WAL force for sync writes. */
  WAL_SYNC_NANOS("strata.wal.sync.nanos", "nanoseconds"),
  /** Duration of flushes, from the WAL force to the installed table. */
  FLUSH_NANOS("strata.flush.nanos", "nanoseconds"),
  /** Duration of compactions that rewrote data. */
  COMPACTION_NANOS("strata.compaction.nanos", "nanoseconds"),
  /** Value bytes returned by gets that found a value. */
  BYTES_PER_READ("strata.bytes.per.read", "bytes"),
  /** Writers per commit group (one WAL append). */
  COMMIT_GROUP_SIZE("strata.commit.group.size", "writers");

  private final String statName;
  private final String unit;

  HistogramType(String statName, String unit) {
    this.statName = statName;
    this.unit = unit;
  }

  /** The stable dotted name, such as {@code strata.get.nanos}. */
  public String statName() {
    return statName;
  }

  /** What the values count: {@code nanoseconds}, {@code bytes} or {@code writers}. */
  public String unit() {
    return unit;
  }
}
