package dev.strata.sstable;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.strata.Compression;
import dev.strata.CorruptionException;
import dev.strata.key.InternalIterator;
import dev.strata.util.Coding;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class BlockCodecTest {
  /** Repetitive text: compresses well. */
  private static List<Entry> compressible() {
    List<Entry> out = new ArrayList<>();
    for (int i = 0; i < 2000; i++) {
      out.add(
          Entry.put(
              String.format("key%06d", i),
              i + 1,
              "the same value text again and again " + (i % 7)));
    }
    return out;
  }

  /** Random values: do not compress. */
  private static List<Entry> incompressible(Random rnd) {
    List<Entry> out = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      byte[] value = new byte[200];
      rnd.nextBytes(value);
      out.add(
          new Entry(
              String.format("k%04d", i).getBytes(UTF_8),
              dev.strata.key.Trailer.pack(i + 1, dev.strata.key.ValueKind.VALUE),
              value));
    }
    return out;
  }

  @ParameterizedTest
  @EnumSource(
      value = Compression.class,
      names = {"LZ4", "ZSTD"})
  void compressibleTable_compressed_isSmallerThanRaw(Compression compression) throws IOException {
    byte[] raw = Tables.bytes(compressible(), new TableOptions(4096, 16, Compression.NONE, 10));
    byte[] packed = Tables.bytes(compressible(), new TableOptions(4096, 16, compression, 10));
    assertThat(packed.length).isLessThan(raw.length * 3 / 4);
    try (TableReader reader =
            TableReader.open(
                MemoryFile.reader(packed), "c.sst", packed.length, BlockCache.create(0));
        InternalIterator it = reader.newIterator(true, false)) {
      assertThat(Tables.scanForward(it)).containsExactlyElementsOf(compressible());
    }
  }

  @ParameterizedTest
  @EnumSource(
      value = Compression.class,
      names = {"LZ4", "ZSTD"})
  void incompressibleBlock_compressionChosen_isStoredRaw(Compression compression)
      throws IOException {
    List<Entry> entries = incompressible(new Random(TestSeed.forTest("incompressible")));
    byte[] file = Tables.bytes(entries, new TableOptions(4096, 16, compression, 10));
    try (TableReader reader =
        TableReader.open(MemoryFile.reader(file), "r.sst", file.length, BlockCache.create(0))) {
      TableIndex index = reader.index();
      assertThat(index.size()).isGreaterThan(1);
      for (int i = 0; i < index.size(); i++) {
        BlockHandle h = index.handle(i);
        assertThat(file[(int) (h.offset() + h.size())])
            .as("code of block %d", i)
            .isEqualTo((byte) TableFormat.COMPRESSION_NONE);
      }
      try (InternalIterator it = reader.newIterator(true, false)) {
        assertThat(Tables.scanForward(it)).containsExactlyElementsOf(entries);
      }
    }
  }

  @ParameterizedTest
  @EnumSource(
      value = Compression.class,
      names = {"LZ4", "ZSTD"})
  void compressedBlock_roundTrips_andAbsurdLengthIsCorruption(Compression compression) {
    int code = TableFormat.codeOf(compression);
    byte[] src = "abcabcabcabcabcabcabcabcabcabcabcabcabcabc".repeat(50).getBytes(UTF_8);
    byte[] dst = new byte[BlockCodec.maxStoredLength(code, src.length)];
    int n = BlockCodec.compress(code, src, src.length, dst);
    assertThat(BlockCodec.decompress(code, dst, n, "z.sst", 5)).isEqualTo(src);

    byte[] lying = Arrays.copyOf(dst, n + 5);
    int p = Coding.putVarint(lying, 0, TableFormat.MAX_BLOCK_BYTES + 1);
    System.arraycopy(
        dst, Coding.varintLength(src.length), lying, p, n - Coding.varintLength(src.length));
    assertThatThrownBy(() -> BlockCodec.decompress(code, lying, lying.length, "z.sst", 5))
        .isInstanceOf(CorruptionException.class)
        .hasMessageContaining("z.sst");

    byte[] shorter = Arrays.copyOf(dst, n);
    Coding.putVarint(shorter, 0, src.length - 1);
    assertThatThrownBy(() -> BlockCodec.decompress(code, shorter, n, "z.sst", 5))
        .isInstanceOf(CorruptionException.class);
  }

  /** Blocks of many shapes: runs, text, random bytes, mixes, from empty to 256 KiB. */
  private static byte[] sampleBlock(Random rnd) {
    int length = rnd.nextInt(8) == 0 ? rnd.nextInt(16) : rnd.nextInt(1 << (6 + rnd.nextInt(13)));
    byte[] b = new byte[length];
    int p = 0;
    while (p < length) {
      int run = Math.min(length - p, 1 + rnd.nextInt(300));
      switch (rnd.nextInt(4)) {
        case 0 -> Arrays.fill(b, p, p + run, (byte) rnd.nextInt(256));
        case 1 -> {
          for (int i = 0; i < run; i++) {
            b[p + i] = (byte) (' ' + rnd.nextInt(95));
          }
        }
        case 2 -> {
          byte[] r = new byte[run];
          rnd.nextBytes(r);
          System.arraycopy(r, 0, b, p, run);
        }
        default -> {
          if (p > 0) {
            int from = rnd.nextInt(p);
            for (int i = 0; i < run; i++) {
              b[p + i] = b[from + (i % (p - from))];
            }
          }
        }
      }
      p += run;
    }
    return b;
  }

  @Test
  void lz4_blocksOfEarlierVersions_readBack_andTheirReaderReadsOurs() {
    // Strata wrote LZ4 blocks with lz4-java before; both codecs speak the standard block format.
    net.jpountz.lz4.LZ4Factory old = net.jpountz.lz4.LZ4Factory.safeInstance();
    int code = TableFormat.COMPRESSION_LZ4;
    Random rnd = new Random(17);
    for (int round = 0; round < 400; round++) {
      byte[] src = sampleBlock(rnd);
      byte[] stored = new byte[5 + old.fastCompressor().maxCompressedLength(src.length)];
      int p = Coding.putVarint(stored, 0, src.length);
      int n = p + old.fastCompressor().compress(src, 0, src.length, stored, p, stored.length - p);
      assertThat(BlockCodec.decompress(code, stored, n, "old.sst", round)).isEqualTo(src);

      byte[] ours = new byte[BlockCodec.maxStoredLength(code, src.length)];
      int m = BlockCodec.compress(code, src, src.length, ours);
      int q = Coding.varintLength(src.length);
      byte[] back = new byte[src.length];
      old.safeDecompressor().decompress(ours, q, m - q, back, 0, back.length);
      assertThat(back).isEqualTo(src);
    }
  }

  @Test
  void lz4_damagedBlocks_areCorruptionOrTheirDeclaredLength_neverAnythingElse() {
    // The decompressor reads through Unsafe: damaged input must stay a CorruptionException (or,
    // where the damage still decodes, an array of the declared length), never another exception,
    // an out-of-range access or a crash. Checksums normally stop such input before it gets here.
    int code = TableFormat.COMPRESSION_LZ4;
    Random rnd = new Random(29);
    int rounds = Integer.getInteger("strata.fuzz.rounds", 20_000);
    int corruptions = 0;
    for (int round = 0; round < rounds; round++) {
      byte[] src = sampleBlock(rnd);
      byte[] stored = new byte[BlockCodec.maxStoredLength(code, src.length)];
      int n = BlockCodec.compress(code, src, src.length, stored);
      byte[] damaged = damage(rnd, Arrays.copyOf(stored, n), Coding.varintLength(src.length));
      try {
        byte[] out = BlockCodec.decompress(code, damaged, damaged.length, "f.sst", round);
        assertThat(out).hasSize(src.length);
      } catch (CorruptionException e) {
        assertThat(e).hasMessageContaining("f.sst");
        corruptions++;
      }
    }
    assertThat(corruptions).as("damage that was detected").isGreaterThan(rounds / 4);
  }

  /** Flips, overwrites, truncates or extends the codec's output after the length prefix. */
  private static byte[] damage(Random rnd, byte[] b, int prefix) {
    int body = b.length - prefix;
    switch (rnd.nextInt(5)) {
      case 0 -> {
        if (body > 0) {
          int i = prefix + rnd.nextInt(body);
          b[i] ^= (byte) (1 << rnd.nextInt(8));
        }
        return b;
      }
      case 1 -> {
        for (int k = 0; k < 1 + rnd.nextInt(8) && body > 0; k++) {
          b[prefix + rnd.nextInt(body)] = (byte) rnd.nextInt(256);
        }
        return b;
      }
      case 2 -> {
        return Arrays.copyOf(b, prefix + (body == 0 ? 0 : rnd.nextInt(body)));
      }
      case 3 -> {
        byte[] longer = Arrays.copyOf(b, b.length + 1 + rnd.nextInt(64));
        for (int i = b.length; i < longer.length; i++) {
          longer[i] = (byte) rnd.nextInt(256);
        }
        return longer;
      }
      default -> {
        for (int i = prefix; i < b.length; i++) {
          b[i] = (byte) rnd.nextInt(256);
        }
        return b;
      }
    }
  }

  @Test
  void zstd_onThisClassPath_isAvailable() {
    assertThat(ZstdCodec.isAvailable()).isTrue();
  }
}
