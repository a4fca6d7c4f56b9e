package dev.strata.bench.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Statistical checks of the key choosers with fixed seeds, so each outcome is deterministic; the
 * bounds are those a correct generator meets with overwhelming probability for any seed.
 */
class KeyDistributionTest {
  private static final long SEED = 20_251_125L;
  private static final int DRAWS = 200_000;

  /** Chi-square critical value for 9 degrees of freedom at p = 0.001. */
  private static final double CHI2_9DF_P001 = 27.877;

  @Test
  void uniform_tenBuckets_passChiSquare() {
    UniformKeys u = new UniformKeys(1_000_000, SEED);
    long[] buckets = new long[10];
    for (int i = 0; i < DRAWS; i++) {
      long k = u.next();
      assertThat(k).isBetween(0L, 999_999L);
      buckets[(int) (k / 100_000)]++;
    }

    double expected = DRAWS / 10.0;
    double chi2 = 0;
    for (long b : buckets) {
      chi2 += (b - expected) * (b - expected) / expected;
    }
    assertThat(chi2).isLessThan(CHI2_9DF_P001);
  }

  @Test
  void sequential_wrapsAtEndOfRange() {
    SequentialKeys s = new SequentialKeys(5, 8);

    assertThat(new long[] {s.next(), s.next(), s.next(), s.next()}).containsExactly(5, 6, 7, 5);
  }

  @Test
  void permutation_coversEveryKeyOnce() {
    Permutation p = new Permutation(10_000, SEED);
    Set<Long> seen = new HashSet<>();
    KeyChooser a = p.slice(0, 5000);
    KeyChooser b = p.slice(5000, 10_000);
    for (int i = 0; i < 5000; i++) {
      seen.add(a.next());
      seen.add(b.next());
    }

    assertThat(seen).hasSize(10_000);
    assertThat(p.get(0) != 0 || p.get(1) != 1).as("shuffled").isTrue();
  }

  @Test
  void zipfian_topRankFrequency_matchesTheory() {
    int items = 1000;
    ZipfianGenerator z = new ZipfianGenerator(items, ZipfianGenerator.YCSB_THETA, SEED);
    long[] counts = new long[items];
    for (int i = 0; i < DRAWS; i++) {
      long r = z.next();
      assertThat(r).isBetween(0L, items - 1L);
      counts[(int) r]++;
    }

    double p0 = ZipfianGenerator.probability(0, items, ZipfianGenerator.YCSB_THETA);
    assertThat(p0).isCloseTo(0.133, within(0.005));
    // Rank 0 and 1 are exact in the algorithm: allow 4 standard deviations.
    double sd0 = Math.sqrt(DRAWS * p0 * (1 - p0));
    assertThat((double) counts[0]).isCloseTo(DRAWS * p0, within(4 * sd0));
    double p1 = ZipfianGenerator.probability(1, items, ZipfianGenerator.YCSB_THETA);
    assertThat((double) counts[1]).isCloseTo(DRAWS * p1, within(4 * Math.sqrt(DRAWS * p1)));
  }

  @Test
  void zipfian_firstTenRanks_areDescendingAndCloseToTheory() {
    int items = 1000;
    ZipfianGenerator z = new ZipfianGenerator(items, ZipfianGenerator.YCSB_THETA, SEED + 1);
    long[] counts = new long[items];
    for (int i = 0; i < DRAWS; i++) {
      counts[(int) z.next()]++;
    }

    // The closed form is exact for ranks 0 and 1 and approximate beyond: it overweights rank 2
    // by about 16% and rank 3 by about 11% (measured over several seeds), as YCSB's does.
    for (int r = 0; r < 10; r++) {
      double expected = DRAWS * ZipfianGenerator.probability(r, items, ZipfianGenerator.YCSB_THETA);
      assertThat((double) counts[r]).as("rank %d", r).isCloseTo(expected, within(0.2 * expected));
      if (r > 0) {
        assertThat(counts[r]).as("rank %d", r).isLessThan(counts[r - 1]);
      }
    }
    long head = 0;
    for (int r = 0; r < 10; r++) {
      head += counts[r];
    }
    // The ten most popular of 1000 items draw about 39% of requests under theta = 0.99.
    assertThat(head / (double) DRAWS).isBetween(0.35, 0.43);
  }

  @Test
  void zipfian_growingItemCount_staysInRange() {
    ZipfianGenerator z = new ZipfianGenerator(10, ZipfianGenerator.YCSB_THETA, SEED);
    for (long n = 10; n < 5000; n++) {
      assertThat(z.next(n)).isBetween(0L, n - 1);
    }
    assertThat(z.items()).isEqualTo(4999);
  }

  @Test
  void scrambledZipfian_hotKeyIsNotAtStartAndHasRankZeroShare() {
    int items = 10_000;
    ScrambledZipfianKeys s = new ScrambledZipfianKeys(items, ZipfianGenerator.YCSB_THETA, SEED);
    Map<Long, Integer> counts = new HashMap<>();
    for (int i = 0; i < DRAWS; i++) {
      long k = s.next();
      assertThat(k).isBetween(0L, items - 1L);
      counts.merge(k, 1, Integer::sum);
    }

    long hottest = counts.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow()
        .getKey();
    assertThat(hottest).isEqualTo(Math.floorMod(ScrambledZipfianKeys.fnv64(0), items));
    double p0 = ZipfianGenerator.probability(0, items, ZipfianGenerator.YCSB_THETA);
    assertThat(counts.get(hottest) / (double) DRAWS).isCloseTo(p0, within(0.01));
  }

  @Test
  void latest_prefersNewestKeys() {
    long[] count = {1000};
    LatestKeys latest = new LatestKeys(() -> count[0], ZipfianGenerator.YCSB_THETA, SEED);
    int newest = 0;
    for (int i = 0; i < DRAWS; i++) {
      long k = latest.next();
      assertThat(k).isBetween(0L, count[0] - 1);
      if (k == count[0] - 1) {
        newest++;
      }
    }
    assertThat(newest / (double) DRAWS)
        .isCloseTo(ZipfianGenerator.probability(0, 1000, ZipfianGenerator.YCSB_THETA),
            within(0.01));

    count[0] = 2000;
    assertThat(latest.next()).isBetween(0L, 1999L);
  }

  @Test
  void values_compressToAboutHalf() {
    ValueGenerator g = new ValueGenerator(100, SEED);
    byte[] v = g.next();

    assertThat(v).hasSize(100);
    assertThat(java.util.Arrays.copyOfRange(v, 50, 100))
        .isEqualTo(java.util.Arrays.copyOfRange(v, 0, 50));
    assertThat(g.next()).isNotEqualTo(v);
  }
}
