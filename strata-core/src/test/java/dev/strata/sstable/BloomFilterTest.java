package dev.strata.sstable;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.CorruptionException;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class BloomFilterTest {
  private static byte[] key(long i) {
    return ("key-" + i).getBytes(UTF_8);
  }

  private static BloomFilter build(int keys, int bitsPerKey, long salt) {
    return build(keys, bitsPerKey, salt, TableFormat.FORMAT_VERSION);
  }

  private static BloomFilter build(int keys, int bitsPerKey, long salt, int version) {
    BloomFilterBuilder b = new BloomFilterBuilder(bitsPerKey, version);
    for (int i = 0; i < keys; i++) {
      b.add(key(salt + i));
    }
    byte[] block = b.finish();
    return BloomFilter.decode(block, block.length, "filter.sst", 0, version);
  }

  @ParameterizedTest
  @CsvSource({"1,1", "5,1", "10,1", "20,1", "1,2", "5,2", "10,2", "20,2"})
  void mayContain_everyAddedKey_isTrue(int bitsPerKey, int version) {
    long salt = TestSeed.forTest("noFalseNegatives bits=" + bitsPerKey);
    int keys = 20_000;
    BloomFilter filter = build(keys, bitsPerKey, salt, version);
    assertThat(filter.blocked()).isEqualTo(version >= 2);
    for (int i = 0; i < keys; i++) {
      assertThat(filter.mayContain(key(salt + i))).isTrue();
    }
  }

  @Test
  void blockedLayout_keepsEveryProbeOfAKeyInOne64ByteBlock() {
    // 999 padding keys, then the same plus one key: both 10,240 bits (20 blocks), and the bits
    // only the second filter has are bits that key set.
    byte[] padding = filterBytes(null);
    assertThat(padding).hasSize(20 * 64 + 1);
    BloomFilter paddingFilter = BloomFilter.decode(padding, padding.length, "f.sst", 0, 2);
    int checked = 0;
    for (long k = 0; k < 100; k++) {
      if (paddingFilter.mayContain(key(1_000_000 + k))) {
        continue; // a false positive: every bit of this key is set already
      }
      checked++;
      byte[] withKey = filterBytes(key(1_000_000 + k));
      int firstBlock = -1;
      int changed = 0;
      for (int i = 0; i < padding.length - 1; i++) {
        if (padding[i] != withKey[i]) {
          changed++;
          if (firstBlock < 0) {
            firstBlock = i / 64;
          }
          assertThat(i / 64).as("key %d changed bytes in two blocks", k).isEqualTo(firstBlock);
        }
      }
      assertThat(changed).isPositive();
    }
    assertThat(checked).isGreaterThan(90);
  }

  private static byte[] filterBytes(byte[] extraKey) {
    BloomFilterBuilder b = new BloomFilterBuilder(10, 2);
    for (int i = 0; i < 999; i++) {
      b.add(key(i));
    }
    if (extraKey != null) {
      b.add(extraKey);
    }
    return b.finish();
  }

  @Test
  void falsePositiveRate_blockedTenBitsPerKey_aboutOnePercent() {
    long salt = TestSeed.forTest("falsePositiveRate blocked");
    int n = 100_000;
    BloomFilter filter = build(n, 10, salt, 2);
    double measured = falsePositiveRate(filter, 200_000, salt);
    System.out.printf("blocked bloom k=%d measured=%.5f%n", filter.probes(), measured);
    // Spread, the same n and m would give 0.82%; one block per key costs a little more.
    assertThat(measured).isBetween(0.006, 0.014);
  }

  @Test
  void falsePositiveRate_tenBitsPerKey_withinTwiceTheory() {
    long salt = TestSeed.forTest("falsePositiveRate");
    int n = 100_000;
    BloomFilter filter = build(n, 10, salt, 1);
    int k = filter.probes();
    double m = filter.bitCount();
    double theory = Math.pow(1 - Math.exp(-k * n / m), k);
    double measured = falsePositiveRate(filter, 100_000, salt);
    System.out.printf(
        "bloom k=%d m/n=%.2f theory=%.5f measured=%.5f%n", k, m / n, theory, measured);
    assertThat(k).isEqualTo(7);
    assertThat(measured).isLessThan(2 * theory).isGreaterThan(theory / 2);
  }

  /** The share of {@code absent} random keys, never added, that the filter admits. */
  private static double falsePositiveRate(BloomFilter filter, int absent, long salt) {
    int falsePositives = 0;
    Random rnd = new Random(salt);
    for (int i = 0; i < absent; i++) {
      if (filter.mayContain(("absent-" + rnd.nextLong()).getBytes(UTF_8))) {
        falsePositives++;
      }
    }
    return (double) falsePositives / absent;
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

  @ParameterizedTest
  @ValueSource(ints = {1, 2})
  void emptyKeySet_filterRejectsEveryKey(int version) {
    BloomFilter filter = build(0, 10, 0, version);
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
    // Past one block, a blocked filter is whole 64-byte blocks: 72 bytes of bits is not.
    byte[] partBlock = new byte[73];
    partBlock[72] = 7;
    for (byte[] block :
        new byte[][] {tooManyProbes, ragged, absentWithBits, new byte[0], partBlock}) {
      org.assertj.core.api.Assertions.assertThatThrownBy(
              () -> BloomFilter.decode(block, block.length, "f.sst", 12, 2))
          .isInstanceOf(CorruptionException.class)
          .hasMessageContaining("f.sst")
          .hasMessageContaining("offset 12");
    }
  }
}
