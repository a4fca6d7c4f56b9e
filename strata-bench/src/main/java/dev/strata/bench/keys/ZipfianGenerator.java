package dev.strata.bench.keys;

import java.util.SplittableRandom;

/**
 * Zipf-distributed ranks in {@code [0, items)}: rank 0 is the most popular, with probability
 * {@code 1 / (i + 1)^theta} normalised. The algorithm is the one YCSB uses (Gray et al., "Quickly
 * Generating Billion-Record Synthetic Databases", SIGMOD 1994): one uniform draw per value and a
 * closed form, after an O(n) sum computed once. The item count may grow (for YCSB's
 * read-latest workload); the sum is then extended incrementally.
 *
 * <p>Confined to one thread.
 */
public final class ZipfianGenerator implements KeyChooser {
  /** YCSB's default skew. */
  public static final double YCSB_THETA = 0.99;

  private final SplittableRandom rnd;
  private final double theta;
  private final double alpha;
  private final double zeta2theta;
  private long items;
  private double zetan;
  private double eta;

  public ZipfianGenerator(long items, double theta, long seed) {
    if (items < 1) {
      throw new IllegalArgumentException("items must be >= 1, got " + items);
    }
    if (!(theta > 0 && theta < 1)) {
      throw new IllegalArgumentException("theta must be in (0, 1), got " + theta);
    }
    this.rnd = new SplittableRandom(seed);
    this.theta = theta;
    this.alpha = 1.0 / (1.0 - theta);
    this.zeta2theta = zeta(0, 2, theta, 0);
    this.items = items;
    this.zetan = zeta(0, items, theta, 0);
    this.eta = eta();
  }

  /** {@code sum_{i=from+1}^{to} 1 / i^theta}, added to {@code initial}. */
  static double zeta(long from, long to, double theta, double initial) {
    double sum = initial;
    for (long i = from; i < to; i++) {
      sum += 1.0 / Math.pow(i + 1, theta);
    }
    return sum;
  }

  /** The exact probability of {@code rank} among {@code items} ranks (for tests and docs). */
  public static double probability(long rank, long items, double theta) {
    return 1.0 / Math.pow(rank + 1, theta) / zeta(0, items, theta, 0);
  }

  private double eta() {
    return (1 - Math.pow(2.0 / items, 1 - theta)) / (1 - zeta2theta / zetan);
  }

  public long items() {
    return items;
  }

  @Override
  public long next() {
    double u = rnd.nextDouble();
    double uz = u * zetan;
    if (uz < 1.0) {
      return 0;
    }
    if (uz < 1.0 + Math.pow(0.5, theta)) {
      return Math.min(1, items - 1);
    }
    long r = (long) (items * Math.pow(eta * u - eta + 1, alpha));
    return Math.min(r, items - 1);
  }

  /** A rank in {@code [0, newItems)}, first growing the item count if it rose. */
  public long next(long newItems) {
    if (newItems > items) {
      zetan = zeta(items, newItems, theta, zetan);
      items = newItems;
      eta = eta();
    }
    return next();
  }
}
