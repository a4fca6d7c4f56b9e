package dev.strata.sstable;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import dev.strata.Compression;
import dev.strata.CorruptionException;
import dev.strata.key.InternalIterator;
import dev.strata.key.Lookup;
import dev.strata.key.Trailer;
import dev.strata.key.ValueKind;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Damaged table files: every single-bit flip of a small table, truncations and garbage tails. A
 * reader must either raise {@link CorruptionException} naming the file and offset, or return
 * exactly the original data; never a wrong value and never another exception.
 */
class TableCorruptionTest {
  private static final String NAME = "000042.sst";

  /** A few hundred bytes over several blocks: versions, tombstones, compressible values. */
  private static List<Entry> entries() {
    List<Entry> out = new ArrayList<>();
    out.add(Entry.put("apple", 9, "red red red red red red"));
    out.add(Entry.put("apple", 3, "green"));
    out.add(Entry.delete("banana", 8));
    out.add(Entry.put("banana", 2, "yellow yellow yellow yellow"));
    out.add(Entry.put("cherry", 7, "dark dark dark dark dark dark"));
    out.add(Entry.put("date", 6, "brown"));
    out.add(Entry.delete("elder", 5));
    out.add(Entry.put("fig", 4, "purple purple purple purple"));
    out.add(Entry.put("grape", 1, "vine"));
    return out;
  }

  private static final long[] SNAPSHOTS = {0, 2, 5, 8, 100};

  /** Everything a reader can say about a file: the scans and every lookup. */
  private record Observation(List<Entry> forward, List<Entry> backward, List<String> gets) {}

  private static Observation observe(byte[] file, boolean verifyChecksums) throws IOException {
    try (TableReader reader =
            TableReader.open(MemoryFile.reader(file), NAME, file.length, BlockCache.create(0));
        InternalIterator it = reader.newIterator(verifyChecksums, false)) {
      List<Entry> forward = Tables.scanForward(it);
      List<Entry> backward = Tables.scanBackward(it);
      return new Observation(forward, backward, gets(reader, verifyChecksums));
    }
  }

  /** Every entry's lookup at every snapshot, as text. */
  private static List<String> gets(TableReader reader, boolean verifyChecksums) {
    List<String> gets = new ArrayList<>();
    for (Entry e : entries()) {
      for (long snapshot : SNAPSHOTS) {
        byte[] v = reader.get(e.userKey(), snapshot, verifyChecksums, false);
        gets.add(v == null ? "null" : Lookup.isDeleted(v) ? "deleted" : Arrays.toString(v));
      }
    }
    return gets;
  }

  @ParameterizedTest
  @EnumSource(
      value = Compression.class,
      names = {"NONE", "LZ4"})
  void everySingleBitFlip_verified_raisesCorruptionOrReturnsOriginal(Compression compression)
      throws IOException {
    byte[] original = Tables.bytes(entries(), new TableOptions(64, 2, compression, 10));
    Observation expected = observe(original, true);
    assertThat(expected.forward()).containsExactlyElementsOf(entries());
    assertThat(original.length).isBetween(300, 1000);
    if (compression == Compression.LZ4) {
      assertThat(storedCodes(original)).contains(TableFormat.COMPRESSION_LZ4);
    }
    int detected = 0;
    for (int i = 0; i < original.length; i++) {
      for (int bit = 0; bit < 8; bit++) {
        byte[] damaged = original.clone();
        damaged[i] ^= (byte) (1 << bit);
        try {
          Observation seen = observe(damaged, true);
          assertThat(seen)
              .as("flip of byte %d bit %d went unnoticed and changed the data", i, bit)
              .isEqualTo(expected);
        } catch (CorruptionException e) {
          assertThat(e).hasMessageContaining(NAME).hasMessageContaining("offset");
          detected++;
        } catch (RuntimeException | Error e) {
          fail("flip of byte " + i + " bit " + bit + " raised " + e, e);
        }
      }
    }
    // Every byte is under a checksum, the magic number, or a length check.
    assertThat(detected).isEqualTo(8 * original.length);
  }

  @ParameterizedTest
  @EnumSource(
      value = Compression.class,
      names = {"NONE", "LZ4"})
  void everySingleBitFlip_unverified_raisesOnlyCorruption(Compression compression)
      throws IOException {
    byte[] original = Tables.bytes(entries(), new TableOptions(64, 2, compression, 10));
    for (int i = 0; i < original.length; i++) {
      for (int bit = 0; bit < 8; bit++) {
        byte[] damaged = original.clone();
        damaged[i] ^= (byte) (1 << bit);
        try {
          observe(damaged, false);
        } catch (CorruptionException e) {
          assertThat(e).hasMessageContaining(NAME).hasMessageContaining("offset");
        } catch (RuntimeException | Error e) {
          fail("unverified read after flip of byte " + i + " bit " + bit + " raised " + e, e);
        }
      }
    }
  }

  /**
   * Two data blocks of the same size swapped in the file, each under its own valid checksum: only
   * the comparison of each block's first and last keys with the index tells that the index points
   * at the wrong block. Lookups, which parse only part of a block, and scans both raise.
   */
  @Test
  void dataBlocksSwappedUnderValidChecksums_lookupsAndScansRaiseCorruption() throws IOException {
    List<Entry> uniform = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      byte[] key = String.format("key%05d", i).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
      uniform.add(new Entry(key, Trailer.pack(i + 1, ValueKind.VALUE), new byte[] {(byte) i, 1, 2}));
    }
    byte[] original = Tables.bytes(uniform, new TableOptions(128, 1, Compression.NONE, 10));
    BlockHandle first;
    BlockHandle second;
    try (TableReader reader =
        TableReader.open(
            MemoryFile.reader(original), NAME, original.length, BlockCache.create(0))) {
      assertThat(reader.index().size()).isGreaterThan(2);
      first = reader.index().handle(0);
      second = reader.index().handle(1);
    }
    assertThat(second.size()).isEqualTo(first.size());
    int length = (int) first.size() + TableFormat.BLOCK_TRAILER_SIZE;
    byte[] swapped = original.clone();
    System.arraycopy(original, (int) second.offset(), swapped, (int) first.offset(), length);
    System.arraycopy(original, (int) first.offset(), swapped, (int) second.offset(), length);
    for (BlockCache cache : new BlockCache[] {BlockCache.create(0), BlockCache.create(1 << 20)}) {
      try (TableReader reader =
          TableReader.open(MemoryFile.reader(swapped), NAME, swapped.length, cache)) {
        for (Entry e : uniform.subList(0, 2)) {
          assertThatThrownBy(() -> reader.get(e.userKey(), 100, true, true))
              .isInstanceOf(CorruptionException.class)
              .hasMessageContaining(NAME)
              .hasMessageContaining("offset " + first.offset())
              .hasMessageContaining("last key differs from its index entry");
        }
        Entry inSecond = uniform.get(7);
        assertThatThrownBy(() -> reader.get(inSecond.userKey(), 100, true, true))
            .isInstanceOf(CorruptionException.class)
            .hasMessageContaining("offset " + second.offset());
        assertThatThrownBy(
                () -> {
                  try (InternalIterator it = reader.newIterator(true, false)) {
                    Tables.scanForward(it);
                  }
                })
            .isInstanceOf(CorruptionException.class)
            .hasMessageContaining("offset " + first.offset());
        Entry inLast = uniform.get(uniform.size() - 1);
        assertThat(reader.get(inLast.userKey(), 100, true, false)).containsExactly(39, 1, 2);
      }
    }
  }

  /** Every lookup alone, with no scan first to decode the blocks whole. */
  private static List<String> lookups(byte[] file, boolean verifyChecksums) throws IOException {
    try (TableReader reader =
        TableReader.open(MemoryFile.reader(file), NAME, file.length, BlockCache.create(0))) {
      return gets(reader, verifyChecksums);
    }
  }

  @ParameterizedTest
  @EnumSource(
      value = Compression.class,
      names = {"NONE", "LZ4"})
  void everySingleBitFlip_lookupsAlone_raiseOnlyCorruption(Compression compression)
      throws IOException {
    byte[] original = Tables.bytes(entries(), new TableOptions(64, 2, compression, 10));
    List<String> expected = lookups(original, true);
    for (boolean verify : new boolean[] {true, false}) {
      for (int i = 0; i < original.length; i++) {
        for (int bit = 0; bit < 8; bit++) {
          byte[] damaged = original.clone();
          damaged[i] ^= (byte) (1 << bit);
          try {
            List<String> seen = lookups(damaged, verify);
            if (verify) {
              assertThat(seen)
                  .as("flip of byte %d bit %d went unnoticed and changed a lookup", i, bit)
                  .isEqualTo(expected);
            }
          } catch (CorruptionException e) {
            assertThat(e).hasMessageContaining(NAME).hasMessageContaining("offset");
          } catch (RuntimeException | Error e) {
            fail("lookups after flip of byte " + i + " bit " + bit + " raised " + e, e);
          }
        }
      }
    }
  }

  @ParameterizedTest
  @EnumSource(
      value = Compression.class,
      names = {"NONE", "LZ4"})
  void truncatedFile_everyLength_raisesCorruption(Compression compression) {
    byte[] original = Tables.bytes(entries(), new TableOptions(64, 2, compression, 10));
    for (int length = 0; length < original.length; length++) {
      byte[] truncated = Arrays.copyOf(original, length);
      assertThatThrownBy(() -> observe(truncated, true))
          .as("truncated to %d", length)
          .isInstanceOf(CorruptionException.class)
          .hasMessageContaining(NAME)
          .hasMessageContaining("offset");
    }
  }

  @ParameterizedTest
  @EnumSource(
      value = Compression.class,
      names = {"NONE", "LZ4"})
  void garbageTail_anyLength_raisesCorruption(Compression compression) {
    byte[] original = Tables.bytes(entries(), new TableOptions(64, 2, compression, 10));
    Random rnd = new Random(TestSeed.forTest("garbageTail " + compression));
    for (int extra = 1; extra <= 200; extra++) {
      byte[] longer = Arrays.copyOf(original, original.length + extra);
      for (int i = original.length; i < longer.length; i++) {
        longer[i] = (byte) rnd.nextInt();
      }
      assertThatThrownBy(() -> observe(longer, true))
          .as("%d garbage bytes", extra)
          .isInstanceOf(CorruptionException.class)
          .hasMessageContaining(NAME);
    }
  }

  @ParameterizedTest
  @EnumSource(
      value = Compression.class,
      names = {"NONE"})
  void fileShorterThanRecordedSize_raisesCorruptionNamingTruncation(Compression compression) {
    byte[] original = Tables.bytes(entries(), new TableOptions(64, 2, compression, 10));
    byte[] truncated = Arrays.copyOf(original, original.length - 10);
    assertThatThrownBy(
            () ->
                TableReader.open(
                    MemoryFile.reader(truncated), NAME, original.length, BlockCache.create(0)))
        .isInstanceOf(CorruptionException.class)
        .hasMessageContaining("truncated");
  }

  /** The compression codes of every block trailer, walking the footer's handles and the index. */
  private static List<Integer> storedCodes(byte[] file) throws IOException {
    List<Integer> codes = new ArrayList<>();
    try (TableReader reader =
        TableReader.open(MemoryFile.reader(file), NAME, file.length, BlockCache.create(0))) {
      for (int i = 0; i < reader.index().size(); i++) {
        BlockHandle h = reader.index().handle(i);
        codes.add(file[(int) (h.offset() + h.size())] & 0xFF);
      }
    }
    return codes;
  }
}
