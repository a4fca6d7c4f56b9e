package dev.strata.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.util.Bytes;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Each {@link KeyDistribution} draws keys of the shape its comment promises. */
class KeyDistributionTest {
  private static final int N = 10_000;
  private static final int DRAWS = 100_000;

  private static int[] draw(KeyDistribution d, long seed) {
    KeyDistribution.Source s = d.source(new Random(seed), N);
    int[] out = new int[DRAWS];
    for (int i = 0; i < DRAWS; i++) {
      out[i] = s.nextIndex();
    }
    return out;
  }

  @ParameterizedTest
  @EnumSource(KeyDistribution.class)
  void everyDistribution_drawsIndicesInRange_andNamesThemDistinctly(KeyDistribution d) {
    long seed = Seeds.seed("KeyDistributionTest." + d);
    for (int index : draw(d, seed)) {
      assertThat(index).as("seed %d", seed).isBetween(0, N - 1);
    }
    KeyDistribution.Source s = d.source(new Random(seed), N);
    Set<String> names = new HashSet<>();
    for (int i = 0; i < N; i++) {
      names.add(new String(s.key(i), StandardCharsets.UTF_8));
    }
    assertThat(names).hasSize(N);
    assertThat(Bytes.compare(s.key(N - 1), KeyDistribution.afterAllKeys())).isNegative();
    // Tiny key spaces are legal too.
    for (int n = 1; n <= 5; n++) {
      KeyDistribution.Source tiny = d.source(new Random(seed), n);
      for (int i = 0; i < 100; i++) {
        assertThat(tiny.nextIndex()).isBetween(0, n - 1);
      }
    }
  }

  @Test
  void uniform_drawsExactlyAsOpGeneratorAlwaysDid() {
    long seed = Seeds.seed("KeyDistributionTest.uniform");
    Random expected = new Random(seed);
    OpGenerator gen = new OpGenerator(new Random(seed), 400, "v");
    for (int i = 0; i < 1000; i++) {
      assertThat(gen.key()).isEqualTo(OpGenerator.key(expected.nextInt(400)));
    }
    int[] counts = new int[N];
    for (int index : draw(KeyDistribution.UNIFORM, seed)) {
      counts[index]++;
    }
    assertThat(Arrays.stream(counts).max().getAsInt()).isLessThan(DRAWS / 500);
  }

  @Test
  void sequential_advancesInRunsWithOccasionalJumps() {
    long seed = Seeds.seed("KeyDistributionTest.sequential");
    int[] keys = draw(KeyDistribution.SEQUENTIAL, seed);
    int steps = 0;
    int jumps = 0;
    for (int i = 1; i < keys.length; i++) {
      int delta = Math.floorMod(keys[i] - keys[i - 1], N);
      if (delta >= 1 && delta <= 3) {
        steps++;
      } else {
        jumps++;
      }
    }
    assertThat(steps).as("seed %d", seed).isGreaterThan(DRAWS * 95 / 100);
    assertThat(jumps).as("seed %d", seed).isBetween(DRAWS / 400, DRAWS / 100);
  }

  @Test
  void narrow_staysInAMovingWindowOfAFewPercent() {
    long seed = Seeds.seed("KeyDistributionTest.narrow");
    int[] keys = draw(KeyDistribution.NARROW, seed);
    int narrowBatches = 0;
    Set<Integer> windowStarts = new HashSet<>();
    for (int b = 0; b + 50 <= keys.length; b += 50) {
      int[] batch = Arrays.copyOfRange(keys, b, b + 50);
      Arrays.sort(batch);
      // The span of a batch, allowing for a window that wraps past the end of the space.
      int span = batch[49] - batch[0];
      for (int i = 1; i < 50; i++) {
        span = Math.min(span, N - (batch[i] - batch[i - 1]));
      }
      if (span <= N * 10 / 100) {
        narrowBatches++;
      }
      windowStarts.add(batch[0] / (N / 100));
    }
    int batches = keys.length / 50;
    assertThat(narrowBatches).as("seed %d", seed).isGreaterThan(batches * 9 / 10);
    assertThat(windowStarts).as("the window moves (seed %d)", seed).hasSizeGreaterThan(20);
  }

  @Test
  void prefix_interleavesKeysOfDifferentLengths() {
    long seed = Seeds.seed("KeyDistributionTest.prefix");
    KeyDistribution.Source s = KeyDistribution.PREFIX.source(new Random(seed), N);
    List<byte[]> drawn = new ArrayList<>();
    for (int i = 0; i < 2000; i++) {
      drawn.add(s.next());
    }
    drawn.sort(Bytes.COMPARATOR);
    int longerBeforeShorter = 0;
    Set<Integer> lengths = new HashSet<>();
    Set<String> prefixes = new HashSet<>();
    for (int i = 0; i < drawn.size(); i++) {
      lengths.add(drawn.get(i).length);
      String k = new String(drawn.get(i), StandardCharsets.UTF_8);
      prefixes.add(k.replaceAll("[0-9]+$", ""));
      if (i > 0 && drawn.get(i - 1).length > drawn.get(i).length) {
        longerBeforeShorter++;
      }
    }
    assertThat(prefixes).containsExactlyInAnyOrder("a/", "a/b/", "a/bcd/", "q");
    assertThat(lengths).hasSizeGreaterThanOrEqualTo(5);
    assertThat(longerBeforeShorter).as("lengths interleave (seed %d)", seed).isGreaterThan(50);
  }

  @Test
  void zipfian_hasHotKeysSpreadOverTheSpace() {
    long seed = Seeds.seed("KeyDistributionTest.zipfian");
    int[] counts = new int[N];
    for (int index : draw(KeyDistribution.ZIPFIAN, seed)) {
      counts[index]++;
    }
    int[] sorted = counts.clone();
    Arrays.sort(sorted);
    int top10 = 0;
    for (int i = 0; i < 10; i++) {
      top10 += sorted[N - 1 - i];
    }
    int distinct = 0;
    List<Integer> hottest = new ArrayList<>();
    for (int i = 0; i < N; i++) {
      if (counts[i] > 0) {
        distinct++;
      }
      if (counts[i] >= sorted[N - 5]) {
        hottest.add(i);
      }
    }
    // P(rank 0) = 1 / zeta(10000, 0.99), about 10%; the ten hottest about 30%.
    assertThat(sorted[N - 1]).as("seed %d", seed).isGreaterThan(DRAWS / 20);
    assertThat(top10).as("seed %d", seed).isGreaterThan(DRAWS / 5);
    assertThat(distinct).as("a long tail (seed %d)", seed).isGreaterThan(N / 4);
    int spread = hottest.get(hottest.size() - 1) - hottest.get(0);
    assertThat(spread).as("hot keys are not neighbours (seed %d)", seed).isGreaterThan(N / 10);
  }
}
