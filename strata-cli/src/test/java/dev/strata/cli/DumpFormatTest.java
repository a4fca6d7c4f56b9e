package dev.strata.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The dump text format ({@code docs/format/dump.md}): exact round trips, strict reading. */
class DumpFormatTest {
  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] bytes(int... v) {
    byte[] out = new byte[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = (byte) v[i];
    }
    return out;
  }

  /** The entries of testdata/cli/dump-v1.txt, a file in the format as first specified. */
  private static final byte[][][] GOLDEN = {
    {b("plain"), b("value")},
    {b("tab\there"), b("line\nbreak")},
    {b("back\\slash"), bytes('\r', 0, 0x7F, 0xFF)},
    {b("é ✓ 😀"), bytes(0xC3, 0x28)},
    {b(""), b("")},
    {b("bom"), concat(bytes(0xEF, 0xBB, 0xBF), b(" and "), bytes(0xEF, 0xBF, 0xBD))},
  };

  private static byte[] concat(byte[]... parts) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  @Test
  void goldenFile_keepsParsing_andIsWhatEncodingWrites() throws Exception {
    List<RowReader.Row> rows = new ArrayList<>();
    try (InputStream in = getClass().getResourceAsStream("/testdata/cli/dump-v1.txt");
        DumpRowReader r = new DumpRowReader(new InputLines(in, Path.of("dump-v1.txt")), false)) {
      RowReader.Row row;
      while ((row = r.next()) != null) {
        rows.add(row);
      }
    }
    assertThat(rows).hasSize(GOLDEN.length);
    StringBuilder encoded = new StringBuilder();
    for (int i = 0; i < GOLDEN.length; i++) {
      assertThat(rows.get(i).key()).as("key %d", i).isEqualTo(GOLDEN[i][0]);
      assertThat(rows.get(i).value()).as("value %d", i).isEqualTo(GOLDEN[i][1]);
      encoded.append(DumpFormat.line(GOLDEN[i][0], GOLDEN[i][1])).append('\n');
    }
    try (InputStream in = getClass().getResourceAsStream("/testdata/cli/dump-v1.txt")) {
      assertThat(encoded.toString()).isEqualTo(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
  }

  @Test
  void randomBytes_roundTripExactly_andNeverShowRawControlsOrReplacement() {
    long seed = Long.getLong("strata.seed", System.nanoTime());
    System.out.println("DumpFormatTest seed " + seed + " (-Dstrata.seed=)");
    Random rnd = new Random(seed);
    for (int i = 0; i < 20_000; i++) {
      byte[] v = new byte[rnd.nextInt(12)];
      rnd.nextBytes(v);
      if (rnd.nextBoolean()) {
        // Mostly valid UTF-8 with a few stray bytes, to reach the multi-byte branches.
        v = concat(b(new String(Character.toChars(rnd.nextInt(0x110000 - 0x800) + 0x800))
            .replace('\uFFFD', 'x')), v);
      }
      String text = DumpFormat.escape(v);
      assertThat(DumpFormat.unescape(text, 0, text.length())).as("seed %d", seed).isEqualTo(v);
      assertThat(text).doesNotContain("\t", "\n", "\r", "\uFFFD", "\uFEFF");
      assertThat(new String(text.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8))
          .isEqualTo(text);
    }
  }

  @Test
  void unescape_isStrict() {
    assertThatThrownBy(() -> DumpFormat.unescape("a\\qb", 0, 4))
        .hasMessageContaining("unknown escape \\q at column 2");
    assertThatThrownBy(() -> DumpFormat.unescape("ab\\x4", 0, 5))
        .hasMessageContaining("\\x at column 3 needs two hex digits");
    assertThatThrownBy(() -> DumpFormat.unescape("ab\\", 0, 3))
        .hasMessageContaining("backslash at column 3 ends the field");
    assertThatThrownBy(() -> DumpFormat.unescape("ab\r", 0, 3))
        .hasMessageContaining("raw character U+000D at column 3 must be escaped (\\r; a CRLF line");
    assertThatThrownBy(() -> DumpFormat.unescape("\uFFFD", 0, 1))
        .hasMessageContaining("raw character U+FFFD at column 1");
  }

  @Test
  void escape_keepsTextReadable() {
    assertThat(DumpFormat.escape(b("naïve café 日本"))).isEqualTo("naïve café 日本");
    assertThat(DumpFormat.escape(bytes(0xED, 0xA0, 0x80))).isEqualTo("\\xed\\xa0\\x80");
    assertThat(DumpFormat.escape(bytes(0xC0, 0x80))).isEqualTo("\\xc0\\x80");
    assertThat(DumpFormat.escape(bytes(0xC2, 0x85))).isEqualTo("\\xc2\\x85");
  }
}
