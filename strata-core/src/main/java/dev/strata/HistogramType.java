package dev.strata;

/**
 * A distribution of {@link Statistics}, recorded only at {@link StatisticsLevel#ALL}. Latencies are
 * in nanoseconds; {@link #unit()} says which.
 */
public enum HistogramType {
  /**
   * Latency of {@code get}: one call in 8 is timed, chosen at random (two clock reads are 2% to 3%
   * of a get), and counts for 8, so count and sum estimate all gets' (the count is within a few
   * percent of {@link Ticker#KEYS_READ}, a multiple of 8) and the percentiles are the sample's; the
   * max is the largest timed.
   */
  GET_NANOS("strata.get.nanos", "nanoseconds"),
  /**
   * Latency of {@code put}, {@code delete}, {@code merge} and {@code write}, stalls included: one
   * call in 8 timed and counted for 8, as {@link #GET_NANOS}.
   */
  WRITE_NANOS("strata.write.nanos", "nanoseconds"),
  /** Latency of an iterator's seeks, every call. */
  SEEK_NANOS("strata.seek.nanos", "nanoseconds"),
  /**
   * Latency of an iterator's {@code next} and {@code prev}: one step in 64 of each iterator is
   * timed (a step costs little more than reading the clock twice) and counts for 64, so the count
   * is {@link Ticker#ITER_NEXTS} rounded down to 64 per iterator.
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
