package dev.strata.sstable;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.Compression;
import dev.strata.key.InternalIterator;
import dev.strata.key.Lookup;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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
