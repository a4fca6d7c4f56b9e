package dev.strata.sstable;

/**
 * Seeds for randomized tests: {@code -Dstrata.seed=<n>} replays a run, otherwise a fresh seed is
 * drawn. Every seed is printed so a failure can be replayed.
 */
final class TestSeed {
  private TestSeed() {}

  static long forTest(String testName) {
    String fixed = System.getProperty("strata.seed");
    long seed =
        fixed != null ? Long.parseLong(fixed) : System.nanoTime() ^ Thread.currentThread().getId();
    System.out.println(testName + ": seed " + seed + " (replay with -Dstrata.seed=" + seed + ")");
    return seed;
  }
}
