package dev.strata.bench.keys;

import java.util.SplittableRandom;

/** Key numbers drawn uniformly from {@code [0, count)}. Confined to one thread. */
public final class UniformKeys implements KeyChooser {
  private final SplittableRandom rnd;
  private final long count;

  public UniformKeys(long count, long seed) {
    if (count < 1) {
      throw new IllegalArgumentException("count must be >= 1, got " + count);
    }
    this.count = count;
    this.rnd = new SplittableRandom(seed);
  }

  @Override
  public long next() {
    return rnd.nextLong(count);
  }
}
