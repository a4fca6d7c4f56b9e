package dev.strata.sstable;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.CorruptionException;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BloomFilterTest {
  private static byte[] key(long i) {
    return ("key-" + i).getBytes(UTF_8);
  }

  private static BloomFilter build(int keys, int bitsPerKey, long salt) {
    BloomFilterBuilder b = new BloomFilterBuilder(bitsPerKey);
    for (int i = 0; i < keys; i++) {
      b.add(key(salt + i));
    }
    byte[] block = b.finish();
    return BloomFilter.decode(block, block.length, "filter.sst", 0);
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 5, 10, 20})
  void mayContain_everyAddedKey_isTrue(int bitsPerKey) {
    long salt = TestSeed.forTest("noFalseNegatives bits=" + bitsPerKey);
    int keys = 20_000;
    BloomFilter filter = build(keys, bitsPerKey, salt);
    for (int i = 0; i < keys; i++) {
      assertThat(filter.mayContain(key(salt + i))).isTrue();
    }
  }

  @Test
  void falsePositiveRate_tenBitsPerKey_withinTwiceTheory() {
    long salt = TestSeed.forTest("falsePositiveRate");
    int n = 100_000;
    BloomFilter filter = build(n, 10, salt);
    int k = filter.probes();
    double m = filter.bitCount();
    double theory = Math.pow(1 - Math.exp(-k * n / m), k);
    int absent = 100_000;
    int falsePositives = 0;
    Random rnd = new Random(salt);
    for (int i = 0; i < absent; i++) {
      if (filter.mayContain(("absent-" + rnd.nextLong()).getBytes(UTF_8))) {
        falsePositives++;
      }
    }
    double measured = (double) falsePositives / absent;
    System.out.printf(
        "bloom k=%d m/n=%.2f theory=%.5f measured=%.5f%n", k, m / n, theory, measured);
    assertThat(k).isEqualTo(7);
    assertThat(measured).isLessThan(2 * theory).isGreaterThan(theory / 2);
  }

  @Test
  void probesFor_bitsPerKey_roundsLn2AndClamps() {
    assertThat(BloomFilter.probesFor(1)).isEqualTo(1);
    assertThat(BloomFilter.probesFor(10)).isEqualTo(7);
    assertThat(BloomFilter.probesFor(40)).isEqualTo(28);
  }

  @Test
  void zeroBitsPerKey_writesAbsentFilter_admittingEverything() {
    BloomFilter filter = build(100, 0, 0);
    assertThat(filter.isAbsent()).isTrue();
    assertThat(filter.mayContain("anything".getBytes(UTF_8))).isTrue();
  }

  @Test
  void emptyKeySet_filterRejectsEveryKey() {
    BloomFilter filter = build(0, 10, 0);
    assertThat(filter.bitCount()).isEqualTo(64);
    assertThat(filter.mayContain("anything".getBytes(UTF_8))).isFalse();
  }

  @Test
  void decode_badProbeCountOrLength_throwsCorruption() {
    byte[] tooManyProbes = new byte[9];
    tooManyProbes[8] = 31;
    byte[] ragged = new byte[6];
    ragged[5] = 3;
    byte[] absentWithBits = new byte[9];
    for (byte[] block : new byte[][] {tooManyProbes, ragged, absentWithBits, new byte[0]}) {
      org.assertj.core.api.Assertions.assertThatThrownBy(
              () -> BloomFilter.decode(block, block.length, "f.sst", 12))
          .isInstanceOf(CorruptionException.class)
          .hasMessageContaining("f.sst")
          .hasMessageContaining("offset 12");
    }
  }
}
