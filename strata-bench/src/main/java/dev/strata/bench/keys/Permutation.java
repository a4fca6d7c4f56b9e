package dev.strata.bench.keys;

import java.util.SplittableRandom;

/**
 * A seeded random permutation of {@code [0, n)}, for workloads that must touch every key exactly
 * once in random order (fillrandom, deleterandom). Immutable once built, so threads may share it;
 * each reads its own slice.
 */
public final class Permutation {
  private final int[] order;

  public Permutation(int n, long seed) {
    if (n < 0) {
      throw new IllegalArgumentException("n must be >= 0, got " + n);
    }
    order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    SplittableRandom rnd = new SplittableRandom(seed);
    for (int i = n - 1; i > 0; i--) {
      int j = rnd.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
  }

  public int size() {
    return order.length;
  }

  public int get(int i) {
    return order[i];
  }

  /** A chooser walking positions {@code [from, to)} of the permutation. */
  public KeyChooser slice(int from, int to) {
    return new KeyChooser() {
      private int pos = from;

      @Override
      public long next() {
        if (pos >= to) {
          throw new IllegalStateException("slice [" + from + ", " + to + ") exhausted");
        }
        return order[pos++];
      }
    };
  }
}
