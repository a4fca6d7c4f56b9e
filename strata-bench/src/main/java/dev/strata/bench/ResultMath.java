package dev.strata.bench;

import java.util.Arrays;
import java.util.List;
import org.HdrHistogram.Histogram;

/** Pure arithmetic on measurements: rates, medians, spreads, percentiles and ratios. */
public final class ResultMath {
  /** db_bench's megabyte. */
  static final double MIB = 1024.0 * 1024.0;

  private ResultMath() {}

  /** {@code count} per second over {@code nanos}; 0 when no time passed. */
  public static double perSecond(long count, long nanos) {
    return nanos <= 0 ? 0 : count * 1e9 / nanos;
  }

  /** MiB per second of {@code bytes} over {@code nanos}. */
  public static double mibPerSecond(long bytes, long nanos) {
    return perSecond(bytes, nanos) / MIB;
  }

  /**
   * The median: the middle value, or the mean of the two middle values of an even count.
   *
   * @throws IllegalArgumentException if {@code values} is empty
   */
  public static double median(double... values) {
    if (values.length == 0) {
      throw new IllegalArgumentException("median of no values");
    }
    double[] v = values.clone();
    Arrays.sort(v);
    int mid = v.length / 2;
    return v.length % 2 == 1 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
  }

  /** {@code (max - min) / median} in percent: 0 for one value, NaN if the median is 0. */
  public static double spreadPercent(double... values) {
    double med = median(values);
    if (med == 0) {
      return Double.NaN;
    }
    double min = Arrays.stream(values).min().orElseThrow();
    double max = Arrays.stream(values).max().orElseThrow();
    return (max - min) / med * 100;
  }

  /** The value at {@code percentile} (0 to 100) of a nanosecond histogram, in microseconds. */
  public static double percentileMicros(Histogram nanos, double percentile) {
    if (nanos.getTotalCount() == 0) {
      return 0;
    }
    return nanos.getValueAtPercentile(percentile) / 1000.0;
  }

  /** {@code value / baseline}, or NaN when the baseline is 0 or either is NaN. */
  public static double ratio(double value, double baseline) {
    if (baseline == 0 || Double.isNaN(baseline) || Double.isNaN(value)) {
      return Double.NaN;
    }
    return value / baseline;
  }

  /** The index of the median element of {@code values} (the lower one for an even count). */
  static int medianIndex(List<Double> values) {
    Integer[] idx = new Integer[values.size()];
    for (int i = 0; i < idx.length; i++) {
      idx[i] = i;
    }
    Arrays.sort(idx, (a, b) -> Double.compare(values.get(a), values.get(b)));
    return idx[(idx.length - 1) / 2];
  }
}
