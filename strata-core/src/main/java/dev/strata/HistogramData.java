package dev.strata;

/**
 * A snapshot of one {@link HistogramType}: how many values were recorded, their sum, mean and
 * maximum, and percentiles. Percentiles come from logarithmic buckets (eight per power of two), so
 * each is within 12.5% of the true value, and never above {@link #max()}. All zero when nothing
 * was recorded.
 *
 * @param count values recorded
 * @param sum their sum
 * @param max the largest
 */
public record HistogramData(
    long count, long sum, double p50, double p95, double p99, double p999, long max) {
  /** An empty histogram. */
  public static final HistogramData EMPTY = new HistogramData(0, 0, 0, 0, 0, 0, 0);

  /** The mean, 0 when empty. */
  public double mean() {
    return count == 0 ? 0 : (double) sum / count;
  }
}
