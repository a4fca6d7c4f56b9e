package dev.strata.cli;

import static dev.strata.cli.CliResult.run;
import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.Options;
import dev.strata.SstFileWriter;
import dev.strata.StrataDB;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code strata ingest FILE...} and {@code strata load --sst}: tables written outside the database
 * taken in whole; unsorted input with repeated keys loaded as the batched load would (the last
 * row of a key wins) across many parts; a bad row loading nothing; no temporary files left.
 */
class IngestCliTest {
  @TempDir Path tmp;

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void ingest_takesInTablesWrittenOutside_andSaysWhatItDid() {
    Path db = tmp.resolve("db");
    try (StrataDB d = StrataDB.open(db)) {
      d.put(b("a"), b("old"));
      d.put(b("z"), b("kept"));
    }
    Path f1 = tmp.resolve("one.sst");
    Path f2 = tmp.resolve("two.sst");
    try (SstFileWriter w = new SstFileWriter(Options.defaults())) {
      w.open(f1);
      w.put(b("a"), b("1"));
      w.put(b("b"), b("1"));
      w.finish();
      w.open(f2);
      w.put(b("b"), b("2"));
      w.put(b("c"), b("2"));
      w.finish();
    }
    CliResult dump = run("sst-dump", f1.toString());
    assertThat(dump.code()).as(dump.err()).isZero();
    assertThat(dump.out()).contains("external:").contains("0 merge operands");
    CliResult r = run("ingest", "--db", db.toString(), "--move", f1.toString(), f2.toString());
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("ingested 2 files").contains("moved");
    assertThat(f1).doesNotExist();
    try (StrataDB d = StrataDB.open(db)) {
      assertThat(d.get(b("a"))).isEqualTo(b("1"));
      assertThat(d.get(b("b"))).as("the later file wins").isEqualTo(b("2"));
      assertThat(d.get(b("c"))).isEqualTo(b("2"));
      assertThat(d.get(b("z"))).isEqualTo(b("kept"));
    }
    CliResult missing = run("ingest", "--db", db.toString(), tmp.resolve("nope.sst").toString());
    assertThat(missing.code()).isNotZero();
    assertThat(missing.err()).contains("nope.sst");
  }

  @Test
  void verify_acceptsIngestedTables_andStillFindsDamageInThem() throws IOException {
    Path db = tmp.resolve("db");
    try (StrataDB d = StrataDB.open(db)) {
      for (int i = 0; i < 100; i++) {
        d.put(b("k" + (1000 + i)), b("old"));
      }
      d.compactRange(null, null);
      Path f = tmp.resolve("f.sst");
      try (SstFileWriter w = new SstFileWriter(Options.defaults())) {
        w.open(f);
        w.deleteRange(b("k1010"), b("k1020"));
        for (int i = 0; i < 100; i += 3) {
          w.put(b("k" + (1000 + i)), b("new"));
        }
        w.delete(b("k1100"));
        w.finish();
      }
      d.ingestExternalFiles(List.of(f));
    }
    CliResult ok = run("verify", "--db", db.toString());
    assertThat(ok.code()).as(ok.out() + ok.err()).isZero();
    // The ingested table is the newest one; flipping a byte of its first data block must show.
    Path newest;
    try (Stream<Path> s = Files.list(db)) {
      newest =
          s.filter(p -> p.getFileName().toString().endsWith(".sst"))
              .max(java.util.Comparator.comparing(p -> p.getFileName().toString()))
              .orElseThrow();
    }
    byte[] bytes = Files.readAllBytes(newest);
    bytes[10] ^= 0x40;
    Files.write(newest, bytes);
    CliResult bad = run("verify", "--db", db.toString());
    assertThat(bad.code()).isNotZero();
    assertThat(bad.out() + bad.err()).contains(newest.getFileName().toString());
  }

  @Test
  void loadSst_unsortedRowsWithRepeats_acrossManyParts_equalsTheLastRowOfEachKey()
      throws IOException {
    Random rnd = new Random(11);
    TreeMap<String, String> expected = new TreeMap<>();
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < 3000; i++) {
      String k = "key" + rnd.nextInt(1000);
      String v = "value" + i;
      lines.add(k + "," + v);
      expected.put(k, v);
    }
    Path csv = tmp.resolve("rows.csv");
    Files.write(csv, lines);
    Path db = tmp.resolve("db");
    CliResult r =
        run("load", "--db", db.toString(), "--create", "--format", "csv", "--sst",
            "--sst-part-bytes", "4096", csv.toString());
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("loaded 3000 rows").contains("by ingestion");
    try (StrataDB d = StrataDB.open(db)) {
      TreeMap<String, String> got = new TreeMap<>();
      try (var it = d.newIterator()) {
        for (it.seekToFirst(); it.isValid(); it.next()) {
          got.put(new String(it.key(), StandardCharsets.UTF_8),
              new String(it.value(), StandardCharsets.UTF_8));
        }
      }
      assertThat(got).isEqualTo(expected);
      assertThat(Long.parseLong(d.getProperty("strata.bytes-written-wal")))
          .as("no row went through the WAL")
          .isZero();
    }
    assertThat(siblingsOf(db)).as("no temporary directory left").containsExactlyInAnyOrder("db", "rows.csv");
  }

  @Test
  void loadSst_aBadRow_loadsNothing() throws IOException {
    Path csv = tmp.resolve("rows.csv");
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      lines.add("k" + i + ",v" + i);
    }
    lines.add("\"unterminated,quote");
    Files.write(csv, lines);
    Path db = tmp.resolve("db");
    CliResult r =
        run("load", "--db", db.toString(), "--create", "--format", "csv", "--sst",
            "--sst-part-bytes", "64", csv.toString());
    assertThat(r.code()).isNotZero();
    assertThat(r.err()).contains("nothing was loaded");
    try (StrataDB d = StrataDB.open(db)) {
      assertThat(d.get(b("k1"))).isNull();
    }
    assertThat(siblingsOf(db)).containsExactlyInAnyOrder("db", "rows.csv");
  }

  private static List<String> siblingsOf(Path db) throws IOException {
    try (Stream<Path> s = Files.list(db.getParent())) {
      return s.map(p -> p.getFileName().toString()).toList();
    }
  }
}
