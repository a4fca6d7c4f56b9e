package dev.strata.stats;

import dev.strata.HistogramData;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * A histogram of non-negative longs in logarithmic buckets: values below 16 each have their own,
 * and every power of two above is split in eight, so a percentile read back is within 12.5% of the
 * value recorded. Each bucket is a {@link LongAdder}, made when its first value arrives (values
 * cluster in a few dozen of the 488 buckets, and a database keeps nine histograms): after that,
 * recording takes no lock and allocates nothing but the adder's cells on first contention, and
 * threads recording the same bucket at once touch different cells. Thread-safe; {@link #snapshot()} reads without stopping writers, so
 * a snapshot taken while values arrive may miss the newest few.
 */
public final class LogHistogram {
  private static final int EXACT = 16;
  private static final int SUB_BITS = 3;
  private static final int SUB = 1 << SUB_BITS;

  /** Buckets: 16 exact, then 8 per power of two from 2^4 to 2^62. */
  static final int BUCKETS = EXACT + (63 - 4) * SUB;

  /**
   * The buckets, null until first used; a bucket is installed by compare-and-set from null, so
   * racing first recorders agree on one adder.
   */
  private final AtomicReferenceArray<LongAdder> buckets = new AtomicReferenceArray<>(BUCKETS);

  private final LongAdder sum = new LongAdder();

  /**
   * The largest value recorded: read by every record, written only when it grows (rarely, once
   * the distribution is known), so its cache line stays shared among the recording threads.
   */
  private volatile long max;

  private static final VarHandle MAX;

  static {
    try {
      MAX = MethodHandles.lookup().findVarHandle(LogHistogram.class, "max", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** Records {@code value}; a negative one (a clock that stepped back) counts as 0. */
  public void record(long value) {
    record(value, 1);
  }

  /**
   * Records {@code value} as {@code weight} values, for a sample standing for that many (one timed
   * call in 8 counts 8): the count and sum estimate all calls', the percentiles are unchanged.
   */
  public void record(long value, long weight) {
    long v = Math.max(0, value);
    bucket(bucketOf(v)).add(weight);
    sum.add(v * weight);
    long m = max;
    while (v > m && !MAX.weakCompareAndSet(this, m, v)) {
      m = max;
    }
  }

  /** Values recorded so far. */
  public long count() {
    return total(bucketCounts());
  }

  /** The sum of the values recorded so far. */
  public long sum() {
    return sum.sum();
  }

  private LongAdder bucket(int i) {
    LongAdder b = buckets.get(i);
    if (b != null) {
      return b;
    }
    buckets.compareAndSet(i, null, new LongAdder());
    return buckets.get(i);
  }

  static int bucketOf(long v) {
    if (v < EXACT) {
      return (int) v;
    }
    int e = 63 - Long.numberOfLeadingZeros(v);
    int sub = (int) (v >>> (e - SUB_BITS)) & (SUB - 1);
    return EXACT + (e - 4) * SUB + sub;
  }

  /** The largest value bucket {@code i} holds. */
  static long upperBound(int i) {
    if (i < EXACT) {
      return i;
    }
    int e = (i - EXACT) / SUB + 4;
    long sub = (i - EXACT) % SUB;
    long lower = (SUB + sub) << (e - SUB_BITS);
    return lower + (1L << (e - SUB_BITS)) - 1;
  }

  /** Each bucket's count as of now (0 for a bucket never used). */
  private long[] bucketCounts() {
    long[] counts = new long[BUCKETS];
    for (int i = 0; i < BUCKETS; i++) {
      LongAdder b = buckets.get(i);
      counts[i] = b == null ? 0 : b.sum();
    }
    return counts;
  }

  private static long total(long[] counts) {
    long total = 0;
    for (long c : counts) {
      total += c;
    }
    return total;
  }

  /** Count, sum, percentiles and maximum as of now. */
  public HistogramData snapshot() {
    long[] counts = bucketCounts();
    long count = total(counts);
    if (count == 0) {
      return HistogramData.EMPTY;
    }
    long m = max;
    return new HistogramData(
        count,
        sum.sum(),
        percentile(counts, count, 0.50, m),
        percentile(counts, count, 0.95, m),
        percentile(counts, count, 0.99, m),
        percentile(counts, count, 0.999, m),
        m);
  }

  /**
   * The value at quantile {@code q}: interpolated within the bucket the rank falls in, and never
   * above the maximum recorded.
   */
  private static double percentile(long[] counts, long count, double q, long max) {
    double rank = q * count;
    long seen = 0;
    for (int i = 0; i < BUCKETS; i++) {
      if (counts[i] == 0) {
        continue;
      }
      if (seen + counts[i] >= rank) {
        long lo = i == 0 ? 0 : upperBound(i - 1) + 1;
        long hi = upperBound(i);
        double within = (rank - seen) / counts[i];
        return Math.min(max, lo + within * (hi - lo));
      }
      seen += counts[i];
    }
    return max;
  }
}
