package dev.strata.testing;

import dev.strata.Options;
import dev.strata.util.Bytes;
import java.util.Random;

/**
 * Background compaction on or off at random, for the random-workload reliability suites, and the
 * compaction settings and {@code compactRange} bounds of the clustered-key configurations.
 *
 * <p>With it off only {@code compactRange} lowers level 0, and level 0 has no slowdown or stop (a
 * bulk load; {@code CompactionOffTest}). {@link #either} still moves the level-0 triggers out of
 * reach then, as it did when writes stalled there, so that earlier seeds replay the same runs;
 * with it on they keep their defaults ({@link #either}) or are drawn ({@link #clustered}).
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

  /**
   * Settings for workloads whose keys cluster (see {@link KeyDistribution}): small memtables and
   * files so that level 0 holds many files over narrow ranges, a level-0 compaction trigger from
   * 2 to 12 with the slowdown and stop triggers above it, and read-triggered compaction on.
   * Background compaction is as the caller says; with it off the triggers stay in reach, and
   * writes must not stall on level 0 however many files it holds. Returns {@code b}.
   */
  public static Options.Builder clustered(Options.Builder b, Random rnd, boolean background) {
    int trigger = 2 + rnd.nextInt(11);
    int slowdown = trigger + rnd.nextInt(9);
    int stop = slowdown + 1 + rnd.nextInt(8);
    return b.memtableSizeBytes(1024L << rnd.nextInt(5))
        .targetFileSizeBytes(2048L << rnd.nextInt(4))
        .maxBytesForLevelBase(4096L << rnd.nextInt(4))
        .readTriggeredCompaction(true)
        .backgroundCompaction(background)
        .level0CompactionTrigger(trigger)
        .level0SlowdownTrigger(slowdown)
        .level0StopTrigger(stop);
  }

  /**
   * Bounds for a {@code compactRange(begin, end)} call: a range of hot keys, a single key, a range
   * past every key, a side left open, a range with begin after end, or the whole key space.
   * Returns {@code {begin, end}}, either of which may be null.
   */
  public static byte[][] range(Random rnd, KeyDistribution.Source keys) {
    int r = rnd.nextInt(100);
    if (r < 25) {
      byte[] a = keys.next();
      byte[] b = keys.next();
      return Bytes.compare(a, b) <= 0 ? new byte[][] {a, b} : new byte[][] {b, a};
    } else if (r < 40) {
      byte[] k = keys.next();
      return new byte[][] {k, k};
    } else if (r < 50) {
      byte[] past = KeyDistribution.afterAllKeys();
      return new byte[][] {past, rnd.nextBoolean() ? null : past};
    } else if (r < 62) {
      return new byte[][] {null, keys.next()};
    } else if (r < 74) {
      return new byte[][] {keys.next(), null};
    } else if (r < 82) {
      byte[] a = keys.anyKey();
      byte[] b = keys.anyKey();
      return Bytes.compare(a, b) > 0 ? new byte[][] {a, b} : new byte[][] {b, a};
    } else if (r < 95) {
      return new byte[][] {keys.anyKey(), keys.anyKey()};
    }
    return new byte[][] {null, null};
  }
}
