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

  @Test
  void zstd_onThisClassPath_isAvailable() {
    assertThat(ZstdCodec.isAvailable()).isTrue();
  }
}
