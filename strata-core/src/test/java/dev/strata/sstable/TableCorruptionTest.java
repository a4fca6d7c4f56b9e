package dev.strata.sstable;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import dev.strata.Compression;
import dev.strata.CorruptionException;
import dev.strata.key.InternalIterator;
import dev.strata.key.Lookup;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
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
      List<String> gets = new ArrayList<>();
      for (Entry e : entries()) {
        for (long snapshot : SNAPSHOTS) {
          byte[] v = reader.get(e.userKey(), snapshot, verifyChecksums, false);
          gets.add(v == null ? "null" : Lookup.isDeleted(v) ? "deleted" : Arrays.toString(v));
        }
      }
      return new Observation(forward, backward, gets);
    }
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
