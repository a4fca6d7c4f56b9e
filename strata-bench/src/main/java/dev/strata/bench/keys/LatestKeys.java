package dev.strata.bench.keys;

import java.util.function.LongSupplier;

/**
 * YCSB's "latest" distribution: the most recently inserted keys are the most popular. With
 * {@code count} keys inserted so far, the key is {@code count - 1 - rank} for a Zipf-distributed
 * rank over {@code [0, count)}.
 *
 * <p>Confined to one thread; {@code insertedCount} may be advanced by other threads.
 */
public final class LatestKeys implements KeyChooser {
  private final ZipfianGenerator ranks;
  private final LongSupplier insertedCount;

  public LatestKeys(LongSupplier insertedCount, double theta, long seed) {
    this.insertedCount = insertedCount;
    this.ranks = new ZipfianGenerator(Math.max(1, insertedCount.getAsLong()), theta, seed);
  }

  @Override
  public long next() {
    long count = Math.max(1, insertedCount.getAsLong());
    return count - 1 - ranks.next(count);
  }
}
