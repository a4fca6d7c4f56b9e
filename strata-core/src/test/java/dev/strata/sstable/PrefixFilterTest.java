package dev.strata.sstable;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.strata.Compression;
import dev.strata.CorruptionException;
import dev.strata.PrefixExtractor;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Prefix bloom filters in tables: every in-domain prefix of a table's keys passes (no false
 * negatives), absent prefixes mostly fail, whole-key probes are unchanged, and the filter is used
 * for prefix checks only by an extractor of the name the table records (property 15), never for a
 * table written with another extractor, none, or no filter.
 */
class PrefixFilterTest {
  private static final PrefixExtractor FIXED_3 = PrefixExtractor.fixedLength(3);

  private static TableOptions options(PrefixExtractor extractor, int bloomBits) {
    return new TableOptions(256, 16, Compression.NONE, bloomBits, extractor);
  }

  /** Keys {@code <3 letters><n>} over prefixes "aa?".."zz?" at random, plus 2-byte keys. */
  private static List<Entry> entries(TreeSet<String> keys) {
    List<Entry> out = new ArrayList<>();
    long seq = 1;
    for (String k : keys) {
      out.add(Entry.put(k, seq++, "v"));
    }
    return out;
  }

  private static TreeSet<String> keys() {
    TreeSet<String> keys = new TreeSet<>();
    java.util.Random rnd = new java.util.Random(21);
    for (int i = 0; i < 600; i++) {
      String p = "" + (char) ('a' + rnd.nextInt(26)) + (char) ('a' + rnd.nextInt(26));
      keys.add(rnd.nextInt(10) == 0 ? p : p + (char) ('a' + rnd.nextInt(4)) + rnd.nextInt(100));
    }
    return keys;
  }

  private static TableReader open(TableOptions options, TreeSet<String> keys) throws IOException {
    byte[] bytes = Tables.bytes(entries(keys), options);
    return TableReader.open(MemoryFile.reader(bytes), "p.sst", bytes.length, BlockCache.create(0));
  }

  private static boolean mayMatch(TableReader r, PrefixExtractor extractor, String key) {
    PrefixBound bound = new PrefixBound(extractor);
    assertThat(bound.setFrom(key.getBytes(UTF_8))).isTrue();
    return r.prefixMayMatch(bound);
  }

  @Test
  void presentPrefixesPass_absentOnesMostlyFail_wholeKeysStillPass() throws IOException {
    TreeSet<String> keys = keys();
    try (TableReader r = open(options(FIXED_3, 10), keys)) {
      assertThat(r.properties().prefixExtractorName()).isEqualTo("strata.FixedPrefix.3");
      // No version bump: the prefixes only add bits to the same filter layout.
      assertThat(r.formatVersion()).isEqualTo(2);
      TreeSet<String> present = new TreeSet<>();
      for (String k : keys) {
        assertThat(r.mayContain(k.getBytes(UTF_8))).as(k).isTrue();
        if (k.length() >= 3) {
          present.add(k.substring(0, 3));
          assertThat(mayMatch(r, FIXED_3, k)).as("prefix of " + k).isTrue();
        }
      }
      int absent = 0;
      int ruledOut = 0;
      for (char a = 'a'; a <= 'z'; a++) {
        for (char b = 'a'; b <= 'z'; b++) {
          for (char c = 'e'; c <= 'h'; c++) {
            String p = "" + a + b + c;
            assertThat(present).doesNotContain(p);
            absent++;
            if (!mayMatch(r, FIXED_3, p + "123")) {
              ruledOut++;
            }
          }
        }
      }
      assertThat(ruledOut).isGreaterThan(absent * 95 / 100);
    }
  }

  @Test
  void filterOfAnotherExtractorOrNone_isNeverUsedForPrefixes() throws IOException {
    TreeSet<String> keys = keys();
    PrefixExtractor fixed4 = PrefixExtractor.fixedLength(4);
    PrefixExtractor sameLengthOtherName =
        new PrefixExtractor() {
          @Override
          public String name() {
            return "test.Other3";
          }

          @Override
          public boolean inDomain(byte[] key) {
            return key.length >= 3;
          }

          @Override
          public int prefixLength(byte[] key) {
            return 3;
          }
        };
    try (TableReader with3 = open(options(FIXED_3, 10), keys);
        TableReader none = open(options(null, 10), keys);
        TableReader noFilter = open(options(FIXED_3, 0), keys)) {
      assertThat(none.properties().prefixExtractorName()).isNull();
      assertThat(noFilter.properties().prefixExtractorName()).isNull();
      for (String p : List.of("zzz9", "qqq1", "abc0", "mmmm")) {
        assertThat(mayMatch(with3, fixed4, p)).as("4-byte prefix in a 3-byte filter").isTrue();
        assertThat(mayMatch(with3, sameLengthOtherName, p)).as("another name").isTrue();
        assertThat(mayMatch(none, FIXED_3, p)).as("no extractor").isTrue();
        assertThat(mayMatch(noFilter, FIXED_3, p)).as("no filter").isTrue();
      }
      PrefixBound unset = new PrefixBound(FIXED_3);
      assertThat(unset.setFrom("ab".getBytes(UTF_8))).as("out of the domain").isFalse();
      assertThat(with3.prefixMayMatch(unset)).isTrue();
    }
  }

  @Test
  void tableWithoutExtractor_isByteForByteAsBefore() {
    List<Entry> entries = entries(keys());
    assertThat(Tables.bytes(entries, options(null, 10)))
        .isEqualTo(Tables.bytes(entries, new TableOptions(256, 16, Compression.NONE, 10)));
    assertThat(Tables.bytes(entries, options(FIXED_3, 10)))
        .isNotEqualTo(Tables.bytes(entries, options(null, 10)));
  }

  @Test
  void prefixExtractorProperty_roundTripsAndIsValidated() {
    TableProperties p =
        new TableProperties(0, 0, new byte[0], new byte[0], 0, 0, 1, -1, 0, 0, 0,
                Compression.NONE, 10)
            .withPrefixExtractor("strata.FixedPrefix.8");
    byte[] block = p.encode();
    assertThat(TableProperties.decode(block, block.length, "p.sst", 0, 1).prefixExtractorName())
        .isEqualTo("strata.FixedPrefix.8");

    byte[] base =
        new TableProperties(0, 0, new byte[0], new byte[0], 0, 0, 1, -1, 0, 0, 0,
                Compression.NONE, 10)
            .encode();
    byte[] empty = withRecord(base, TableFormat.PROP_PREFIX_EXTRACTOR, new byte[0]);
    assertThatThrownBy(() -> TableProperties.decode(empty, empty.length, "p.sst", 5, 1))
        .isInstanceOf(CorruptionException.class)
        .hasMessageContaining("p.sst")
        .hasMessageContaining("prefix extractor name");
    byte[] longName = withRecord(base, TableFormat.PROP_PREFIX_EXTRACTOR, new byte[256]);
    assertThatThrownBy(() -> TableProperties.decode(longName, longName.length, "p.sst", 5, 1))
        .isInstanceOf(CorruptionException.class);
    byte[] repeated =
        withRecord(block, TableFormat.PROP_PREFIX_EXTRACTOR, "x".getBytes(UTF_8));
    assertThatThrownBy(() -> TableProperties.decode(repeated, repeated.length, "p.sst", 5, 1))
        .isInstanceOf(CorruptionException.class)
        .hasMessageContaining("repeated");
    byte[] noFilter =
        new TableProperties(0, 0, new byte[0], new byte[0], 0, 0, 1, -1, 0, 0, 0,
                Compression.NONE, 0)
            .withPrefixExtractor("strata.FixedPrefix.8")
            .encode();
    assertThatThrownBy(() -> TableProperties.decode(noFilter, noFilter.length, "p.sst", 5, 1))
        .isInstanceOf(CorruptionException.class)
        .hasMessageContaining("without a filter");
  }

  /** {@code block} with one more record (tag and length under 128, so one byte each). */
  private static byte[] withRecord(byte[] block, int tag, byte[] body) {
    byte[] out = Arrays.copyOf(block, block.length + 2 + body.length);
    out[block.length] = (byte) tag;
    out[block.length + 1] = (byte) (body.length & 0x7F);
    if (body.length >= 128) {
      out = Arrays.copyOf(block, block.length + 3 + body.length);
      out[block.length] = (byte) tag;
      out[block.length + 1] = (byte) (0x80 | (body.length & 0x7F));
      out[block.length + 2] = (byte) (body.length >>> 7);
      System.arraycopy(body, 0, out, block.length + 3, body.length);
      return out;
    }
    System.arraycopy(body, 0, out, block.length + 2, body.length);
    return out;
  }
}
