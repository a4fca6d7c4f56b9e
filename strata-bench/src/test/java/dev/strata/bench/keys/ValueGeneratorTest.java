package dev.strata.bench.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.airlift.compress.lz4.Lz4Compressor;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The value kinds compress as their names say, under the block compressor Strata and RocksDB use
 * here: LZ4 on 4 KiB blocks of successive values, as a data block holds them.
 */
class ValueGeneratorTest {
  private static final long SEED = 301;
  private static final int BLOCK = 4096;
  private static final int BLOCKS = 8;

  /** Compressed over raw bytes of {@link #BLOCKS} blocks filled with successive values. */
  private static double lz4Ratio(ValueGenerator g) {
    Lz4Compressor lz4 = new Lz4Compressor();
    long raw = 0;
    long compressed = 0;
    for (int b = 0; b < BLOCKS; b++) {
      byte[] block = new byte[Math.max(BLOCK, g.valueSize())];
      int filled = 0;
      while (filled < block.length) {
        byte[] v = g.next();
        int n = Math.min(v.length, block.length - filled);
        System.arraycopy(v, 0, block, filled, n);
        filled += n;
      }
      byte[] out = new byte[lz4.maxCompressedLength(block.length)];
      compressed += lz4.compress(block, 0, block.length, out, 0, out.length);
      raw += block.length;
    }
    return compressed / (double) raw;
  }

  @ParameterizedTest
  @ValueSource(ints = {100, 1024, 4096})
  void random_lz4_cannotShrinkByAnEighth(int size) {
    double ratio = lz4Ratio(new ValueGenerator(size, ValueKind.RANDOM, SEED));

    assertThat(ratio).as("LZ4 ratio of random %d B values", size).isGreaterThan(0.875);
  }

  @ParameterizedTest
  @ValueSource(ints = {100, 1024, 4096})
  void ycsb_lz4_cannotShrinkByAnEighth(int size) {
    double ratio = lz4Ratio(new ValueGenerator(size, ValueKind.YCSB, SEED));

    assertThat(ratio).as("LZ4 ratio of ycsb %d B values", size).isGreaterThan(0.875);
  }

  @ParameterizedTest
  @ValueSource(ints = {100, 1024, 4096})
  void half_lz4_shrinksToAboutHalf(int size) {
    double ratio = lz4Ratio(new ValueGenerator(size, ValueKind.HALF, SEED));

    assertThat(ratio).as("LZ4 ratio of half %d B values", size).isCloseTo(0.5, within(0.08));
  }

  @Test
  void half_isTheDefaultAndUnchanged() {
    ValueGenerator plain = new ValueGenerator(100, SEED);
    ValueGenerator half = new ValueGenerator(100, ValueKind.HALF, SEED);

    assertThat(plain.kind()).isEqualTo(ValueKind.HALF);
    for (int i = 0; i < 50; i++) {
      assertThat(plain.next()).isEqualTo(half.next());
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"half", "random", "ycsb"})
  void values_sameSeed_sameValues_otherSeed_otherValues(String kind) {
    ValueKind k = ValueKind.parse(kind);
    ValueGenerator a = new ValueGenerator(1024, k, SEED);
    ValueGenerator b = new ValueGenerator(1024, k, SEED);
    ValueGenerator c = new ValueGenerator(1024, k, SEED + 1);

    for (int i = 0; i < 20; i++) {
      byte[] v = a.next();
      assertThat(v).hasSize(1024).isEqualTo(b.next());
      assertThat(c.next()).isNotEqualTo(v);
    }
  }

  @Test
  void ycsb_bytesArePrintableFromSpace() {
    ValueGenerator g = new ValueGenerator(4096, ValueKind.YCSB, SEED);
    for (int i = 0; i < 10; i++) {
      for (byte b : g.next()) {
        assertThat((int) b).isBetween((int) ' ', ' ' + 95);
      }
    }
  }

  /** YCSB 0.17's {@code RandomByteIterator.fillBytesImpl}, as written there: the oracle. */
  @SuppressWarnings("fallthrough")
  private static void ycsbFillBytesImpl(int bytes, byte[] buffer, int base) {
    switch (buffer.length - base) {
      default:
        buffer[base + 5] = (byte) (((bytes >> 25) & 95) + ' ');
      case 5:
        buffer[base + 4] = (byte) (((bytes >> 20) & 63) + ' ');
      case 4:
        buffer[base + 3] = (byte) (((bytes >> 15) & 31) + ' ');
      case 3:
        buffer[base + 2] = (byte) (((bytes >> 10) & 95) + ' ');
      case 2:
        buffer[base + 1] = (byte) (((bytes >> 5) & 63) + ' ');
      case 1:
        buffer[base + 0] = (byte) (((bytes) & 31) + ' ');
      case 0:
        break;
    }
  }

  @Test
  void ycsbBytes_followYcsbRandomByteIterator() {
    java.util.SplittableRandom rnd = new java.util.SplittableRandom(SEED);
    for (int i = 0; i < 10_000; i++) {
      int bits = rnd.nextInt();
      int len = 1 + rnd.nextInt(6);
      byte[] expected = new byte[len];
      byte[] actual = new byte[len];
      ycsbFillBytesImpl(bits, expected, 0);

      ValueGenerator.ycsbBytes(bits, actual, 0, len);

      assertThat(actual).as("bits %d, %d bytes", bits, len).isEqualTo(expected);
    }
    byte[] all = new byte[6];
    ValueGenerator.ycsbBytes(-1, all, 0, 6);
    assertThat(all).containsExactly(' ' + 31, ' ' + 63, ' ' + 95, ' ' + 31, ' ' + 63, ' ' + 95);
    byte[] three = new byte[4];
    ValueGenerator.ycsbBytes(-1, three, 1, 3);
    assertThat(three).containsExactly(0, ' ' + 31, ' ' + 63, ' ' + 95);
  }

  @Test
  void random_usesEveryByteValue() {
    ValueGenerator g = new ValueGenerator(4096, ValueKind.RANDOM, SEED);
    boolean[] seen = new boolean[256];
    for (int i = 0; i < 4; i++) {
      for (byte b : g.next()) {
        seen[b & 0xff] = true;
      }
    }

    for (int v = 0; v < 256; v++) {
      assertThat(seen[v]).as("byte %d", v).isTrue();
    }
  }

  @Test
  void values_largerThanThePool_areWhole() {
    ValueGenerator g = new ValueGenerator((1 << 20) + 7, ValueKind.YCSB, SEED);

    assertThat(g.next()).hasSize((1 << 20) + 7);
    assertThat(g.next()).hasSize((1 << 20) + 7);
  }

  @Test
  void parse_names_andUnknownListsKnown() {
    assertThat(Arrays.stream(ValueKind.values()).map(ValueKind::id).toList())
        .isEqualTo(List.of("half", "random", "ycsb"));
    assertThat(ValueKind.parse(" YCSB ")).isEqualTo(ValueKind.YCSB);
    assertThatThrownBy(() -> ValueKind.parse("zeros"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unknown value kind 'zeros'")
        .hasMessageContaining("half, random, ycsb");
  }
}
