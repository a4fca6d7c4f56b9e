package dev.strata.bench.keys;

/** Key numbers {@code from, from + 1, ...}, wrapping at {@code to}. Confined to one thread. */
public final class SequentialKeys implements KeyChooser {
  private final long from;
  private final long to;
  private long nextKey;

  /**
   * @param from the first key number
   * @param to one past the last key number; must be greater than {@code from}
   */
  public SequentialKeys(long from, long to) {
    if (to <= from) {
      throw new IllegalArgumentException("empty range [" + from + ", " + to + ")");
    }
    this.from = from;
    this.to = to;
    this.nextKey = from;
  }

  @Override
  public long next() {
    long k = nextKey;
    nextKey = k + 1 == to ? from : k + 1;
    return k;
  }
}
