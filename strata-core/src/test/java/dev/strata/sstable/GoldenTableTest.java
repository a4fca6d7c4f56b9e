package dev.strata.sstable;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.Compression;
import dev.strata.PrefixExtractor;
import dev.strata.key.FragmentedRangeTombstones;
import dev.strata.key.InternalIterator;
import dev.strata.key.Lookup;
import dev.strata.key.RangeTombstone;
import dev.strata.key.Trailer;
import dev.strata.key.ValueKind;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Committed tables of every format version a reader opens (1: spread bloom filter; 2: blocked)
 * must keep reading back as the entries listed in {@code testdata/sstable/golden-v1.txt} (the
 * same entries for every version), and the writer must keep producing the current version's
 * bytes. {@code -Dstrata.rewrite=true} regenerates the current version's files (run from the
 * {@code strata-core} directory, as Maven does), which is only right when the format version
 * changes; older versions' files are never rewritten.
 *
 * <p>Version 3 (a table with range tombstones) has its own golden files, {@code golden-v3-*.sst}
 * listed in {@code golden-v3.txt}: point entries of three kinds (values, deletions, merge
 * operands) under keys of shared 3-byte prefixes, overlapping range tombstones (a range-deletion
 * block, properties 13 and 14), and a prefix bloom filter of {@code PrefixExtractor.fixedLength(3)}
 * (property 15). They must read back entry for entry and tombstone for tombstone, and the writer
 * must keep producing the uncompressed file's bytes; {@code -Dstrata.rewrite=true} regenerates
 * them only when the layout of version 3 deliberately changes.
 */
class GoldenTableTest {
  private static final String DIR = "testdata/sstable/";
  private static final long CREATION_TIME = 1_700_000_000_000L;

  /** The entries behind the golden files: versions, tombstones, shared prefixes, empty value. */
  static List<Entry> goldenEntries() {
    List<Entry> out = new ArrayList<>();
    long seq = 100;
    for (int i = 0; i < 24; i++) {
      String key = "golden/key" + (char) ('a' + i);
      if (i % 5 == 0) {
        out.add(Entry.delete(key, seq--));
      }
      out.add(Entry.put(key, seq--, i % 7 == 0 ? "" : "value-" + i + "-" + "z".repeat(i % 4)));
      if (i % 3 == 0) {
        out.add(Entry.put(key, seq--, "older-" + i));
      }
    }
    return out;
  }

  static TableOptions goldenOptions(Compression compression) {
    return new TableOptions(128, 4, compression, 10);
  }

  private static String fileName(int version, Compression compression) {
    return "golden-v" + version + "-" + compression.name().toLowerCase(java.util.Locale.ROOT)
        + ".sst";
  }

  /** One line per entry: {@code userKey @sequence PUT value} or {@code userKey @sequence DEL}. */
  private static String describe(List<Entry> entries) {
    StringBuilder sb = new StringBuilder();
    for (Entry e : entries) {
      sb.append(new String(e.userKey(), StandardCharsets.UTF_8)).append(" @").append(e.sequence());
      sb.append(e.isDelete() ? " DEL" : " PUT " + new String(e.value(), StandardCharsets.UTF_8));
      sb.append('\n');
    }
    return sb.toString();
  }

  private static byte[] resource(String name) throws IOException {
    try (InputStream in = GoldenTableTest.class.getClassLoader().getResourceAsStream(DIR + name)) {
      assertThat(in).as("resource %s", name).isNotNull();
      return in.readAllBytes();
    }
  }

  @ParameterizedTest
  @CsvSource({"1,NONE", "1,LZ4", "2,NONE", "2,LZ4"})
  void goldenFile_eachVersion_readsBackTheListedEntries(int version, Compression compression)
      throws IOException {
    if (Boolean.getBoolean("strata.rewrite") && version == TableFormat.FORMAT_VERSION) {
      Path dir = Path.of("src/test/resources", DIR);
      Files.createDirectories(dir);
      Files.write(
          dir.resolve(fileName(version, compression)),
          Tables.bytes(goldenEntries(), goldenOptions(compression)));
      return;
    }
    String name = fileName(version, compression);
    byte[] file = resource(name);
    String expected = new String(resource("golden-v1.txt"), StandardCharsets.UTF_8);
    try (TableReader reader =
            TableReader.open(
                MemoryFile.reader(file), name, file.length, BlockCache.create(0));
        InternalIterator it = reader.newIterator(true, false)) {
      List<Entry> forward = Tables.scanForward(it);
      assertThat(describe(forward)).isEqualTo(expected);
      assertThat(Tables.scanBackward(it)).isEqualTo(forward);
      for (Entry e : forward) {
        byte[] v = reader.get(e.userKey(), e.sequence(), true, false);
        assertThat(e.isDelete() ? Lookup.isDeleted(v) : java.util.Arrays.equals(v, e.value()))
            .isTrue();
      }
      TableProperties p = reader.properties();
      assertThat(p.entryCount()).isEqualTo(forward.size());
      assertThat(p.creationTimeMillis()).isEqualTo(CREATION_TIME);
      assertThat(p.compression()).isEqualTo(compression);
      assertThat(p.dataBlockCount()).isGreaterThan(3);
      assertThat(reader.formatVersion()).isEqualTo(version);
      // Keys never written: the filter turns nearly all away without reading a block.
      int admitted = 0;
      for (int i = 0; i < 1_000; i++) {
        if (reader.mayContain(("golden/absent" + i).getBytes(StandardCharsets.UTF_8))) {
          admitted++;
        }
      }
      assertThat(admitted).isLessThan(100);
    }
  }

  /** The prefix extractor of the version-3 golden files. */
  static final PrefixExtractor V3_PREFIX = PrefixExtractor.fixedLength(3);

  /** Point entries of the version-3 files: prefixes "aa/" to "ee/", values, deletions, operands. */
  static List<Entry> goldenV3Entries() {
    List<Entry> out = new ArrayList<>();
    long seq = 200;
    for (char p = 'a'; p <= 'e'; p++) {
      for (int i = 0; i < 6; i++) {
        String key = "" + p + p + "/" + i;
        if (i % 3 == 1) {
          out.add(
              new Entry(
                  key.getBytes(StandardCharsets.UTF_8),
                  Trailer.pack(seq--, ValueKind.MERGE),
                  ("operand-" + p + i).getBytes(StandardCharsets.UTF_8)));
        }
        if (i == 4) {
          out.add(Entry.delete(key, seq--));
        }
        out.add(Entry.put(key, seq--, "v3-" + p + i + "-" + "q".repeat(i)));
      }
    }
    return out;
  }

  /**
   * The version-3 files' range tombstones, overlapping so that fragments carry several sequences;
   * one reaches past the last point key and one lies between point keys.
   */
  static FragmentedRangeTombstones goldenV3Tombstones() {
    return FragmentedRangeTombstones.of(
        List.of(
            tombstone("aa/2", "bb/1", 250),
            tombstone("aa/4", "cc/0", 240),
            tombstone("bb/0", "bb/3", 120),
            tombstone("cc/35", "cc/4", 260),
            tombstone("ee/5", "zz", 300)));
  }

  private static RangeTombstone tombstone(String start, String end, long seq) {
    return new RangeTombstone(
        start.getBytes(StandardCharsets.UTF_8), end.getBytes(StandardCharsets.UTF_8), seq);
  }

  private static byte[] v3Bytes(Compression compression) {
    MemoryFile.Writer file = MemoryFile.writer();
    TableOptions options = goldenOptions(compression).withPrefixExtractor(V3_PREFIX);
    try (TableBuilder builder = new TableBuilder(file, "memory.sst", options, CREATION_TIME)) {
      for (Entry e : goldenV3Entries()) {
        builder.add(e.userKey(), e.trailer(), e.value());
      }
      builder.setRangeTombstones(goldenV3Tombstones());
      builder.finish();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return file.toByteArray();
  }

  /**
   * One line per point entry ({@code userKey @sequence PUT value}, {@code DEL} or {@code MERGE
   * operand}), then one per fragment of the range tombstones ({@code RANGE [start, end) @seq
   * @seq ...}, newest first).
   */
  private static String describeV3(List<Entry> entries, FragmentedRangeTombstones fragments) {
    StringBuilder sb = new StringBuilder();
    for (Entry e : entries) {
      sb.append(new String(e.userKey(), StandardCharsets.UTF_8)).append(" @").append(e.sequence());
      if (e.isDelete()) {
        sb.append(" DEL");
      } else {
        sb.append(Trailer.isMerge(e.trailer()) ? " MERGE " : " PUT ")
            .append(new String(e.value(), StandardCharsets.UTF_8));
      }
      sb.append('\n');
    }
    for (int f = 0; f < fragments.fragmentCount(); f++) {
      sb.append("RANGE [")
          .append(new String(fragments.start(f), StandardCharsets.UTF_8))
          .append(", ")
          .append(new String(fragments.end(f), StandardCharsets.UTF_8))
          .append(')');
      for (long seq : fragments.sequences(f)) {
        sb.append(" @").append(seq);
      }
      sb.append('\n');
    }
    return sb.toString();
  }

  @ParameterizedTest
  @EnumSource(
      value = Compression.class,
      names = {"NONE", "LZ4"})
  void goldenFile_version3_readsBackEntriesTombstonesAndPrefixFilter(Compression compression)
      throws IOException {
    String name = fileName(TableFormat.RANGE_DELETION_FORMAT_VERSION, compression);
    if (Boolean.getBoolean("strata.rewrite")) {
      Path dir = Path.of("src/test/resources", DIR);
      Files.createDirectories(dir);
      Files.write(dir.resolve(name), v3Bytes(compression));
      Files.writeString(
          dir.resolve("golden-v3.txt"), describeV3(goldenV3Entries(), goldenV3Tombstones()));
      return;
    }
    byte[] file = resource(name);
    String expected = new String(resource("golden-v3.txt"), StandardCharsets.UTF_8);
    try (TableReader reader =
            TableReader.open(MemoryFile.reader(file), name, file.length, BlockCache.create(0));
        InternalIterator it = reader.newIterator(true, false)) {
      assertThat(reader.formatVersion()).isEqualTo(3);
      List<Entry> forward = Tables.scanForward(it);
      assertThat(describeV3(forward, reader.rangeTombstones())).isEqualTo(expected);
      assertThat(Tables.scanBackward(it)).isEqualTo(forward);
      for (Entry e : forward) {
        byte[] v = reader.get(e.userKey(), e.sequence(), true, false);
        if (e.isDelete()) {
          assertThat(Lookup.isDeleted(v)).as("%s", e).isTrue();
        } else if (!Trailer.isMerge(e.trailer())) {
          assertThat(v).as("%s", e).isEqualTo(e.value());
        }
      }
      TableProperties p = reader.properties();
      assertThat(p.entryCount()).isEqualTo(forward.size());
      // Property 14 counts stored (fragment, sequence) pairs: 1 + 2 + 3 + 2 + 1 + 1 + 1.
      assertThat(p.rangeTombstoneCount()).isEqualTo(11);
      assertThat(p.prefixExtractorName()).isEqualTo(V3_PREFIX.name());
      assertThat(p.creationTimeMillis()).isEqualTo(CREATION_TIME);
      assertThat(p.compression()).isEqualTo(compression);
      // The prefix filter admits every prefix written and turns away nearly all others.
      PrefixBound bound = new PrefixBound(V3_PREFIX);
      for (Entry e : forward) {
        assertThat(bound.setFrom(e.userKey())).isTrue();
        assertThat(reader.prefixMayMatch(bound)).as("prefix of %s", e).isTrue();
      }
      int admitted = 0;
      for (int i = 0; i < 1_000; i++) {
        bound.setFrom(String.format("%03d/x", i).getBytes(StandardCharsets.UTF_8));
        if (reader.prefixMayMatch(bound)) {
          admitted++;
        }
      }
      assertThat(admitted).isLessThan(100);
    }
  }

  @Test
  void writer_version3GoldenEntries_producesTheGoldenBytes() throws IOException {
    assertThat(v3Bytes(Compression.NONE)).isEqualTo(resource("golden-v3-none.sst"));
  }

  @ParameterizedTest
  @EnumSource(
      value = Compression.class,
      names = {"NONE"})
  void writer_goldenEntries_producesTheGoldenBytes(Compression compression) throws IOException {
    // Uncompressed output depends only on the format, so any change to it must be deliberate.
    assertThat(Tables.bytes(goldenEntries(), goldenOptions(compression)))
        .isEqualTo(resource(fileName(TableFormat.FORMAT_VERSION, compression)));
  }
}
