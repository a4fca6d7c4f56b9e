package dev.strata.testing;

import dev.strata.Options;
import java.util.Random;

/**
 * Background compaction on or off at random, for the random-workload reliability suites.
 *
 * <p>With it off only {@code compactRange} lowers level 0, so a workload that happens to reach
 * the level-0 stop trigger would wait out {@code writeStallTimeout} and fail on a stall, which is
 * not what these suites test ({@code BackgroundCompactionTest} covers that stall). With it off the
 * level-0 triggers are therefore moved out of reach; with it on they keep their defaults.
 */
public final class RandomCompaction {
  /** Level-0 slowdown and stop triggers with background compaction off. */
  public static final int OUT_OF_REACH = 1000;

  private RandomCompaction() {}

  /** Sets {@code b}'s background compaction from one draw of {@code rnd}; returns {@code b}. */
  public static Options.Builder either(Options.Builder b, Random rnd) {
    boolean background = rnd.nextBoolean();
    b.backgroundCompaction(background);
    if (!background) {
      b.level0SlowdownTrigger(OUT_OF_REACH).level0StopTrigger(OUT_OF_REACH);
    }
    return b;
  }
}
