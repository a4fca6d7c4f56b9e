package dev.strata.testing;

/**
 * Seeds for randomized tests: {@code -Dseed=N} or {@code -Dstrata.seed=N} replays a run; otherwise
 * a fresh seed is drawn. Every test prints the seed it used so that a failure can be replayed.
 */
public final class Seeds {
  private Seeds() {}

  public static long seed(String testName) {
    String s = System.getProperty("seed", System.getProperty("strata.seed"));
    long seed = s != null ? Long.parseLong(s) : System.nanoTime() ^ System.identityHashCode(testName);
    System.out.println(testName + " seed=" + seed + " (replay with -Dseed=" + seed + ")");
    return seed;
  }
}
