package dev.strata.cli;

import static dev.strata.cli.CliResult.run;
import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.Options;
import dev.strata.PrefixExtractor;
import dev.strata.StrataDB;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StrataCliTest {
  @TempDir Path tmp;

  @Test
  void putGetScanDelete_roundTrip() {
    String db = tmp.resolve("db").toString();
    assertThat(run("put", "--db", db, "--create", "b", "2").code()).isZero();
    assertThat(run("put", "--db", db, "a", "1").code()).isZero();
    assertThat(run("put", "--db", db, "c", "3").code()).isZero();
    CliResult get = run("get", "--db", db, "b");
    assertThat(get.code()).isZero();
    assertThat(get.out().trim()).isEqualTo("2");
    assertThat(run("scan", "--db", db).out()).isEqualTo("a\t1\nb\t2\nc\t3\n".replace("\n", System.lineSeparator()));
    assertThat(run("scan", "--db", db, "--reverse", "--limit", "2").out().trim().split("\\R"))
        .containsExactly("c\t3", "b\t2");
    assertThat(run("scan", "--db", db, "--from", "b", "--to", "c").out().trim()).isEqualTo("b\t2");
    assertThat(run("delete", "--db", db, "b").code()).isZero();
    CliResult missing = run("get", "--db", db, "b");
    assertThat(missing.code()).isEqualTo(1);
    assertThat(missing.err()).contains("key not found");
  }

  @Test
  void getOfSeveralKeys_printsEachFoundKeyInOrder_andFailsForAnAbsentOne() {
    String db = tmp.resolve("db").toString();
    assertThat(run("put", "--db", db, "--create", "b", "2").code()).isZero();
    assertThat(run("put", "--db", db, "a", "1").code()).isZero();
    CliResult both = run("get", "--db", db, "b", "a", "b");
    assertThat(both.code()).isZero();
    assertThat(both.out().trim().split("\\R")).containsExactly("b\t2", "a\t1", "b\t2");
    CliResult oneAbsent = run("get", "--db", db, "a", "zz", "b");
    assertThat(oneAbsent.code()).isEqualTo(1);
    assertThat(oneAbsent.out().trim().split("\\R")).containsExactly("a\t1", "b\t2");
    assertThat(oneAbsent.err()).contains("key not found: zz");
  }

  @Test
  void hexKeys_areDecodedAndPrinted() {
    String db = tmp.resolve("db").toString();
    assertThat(run("put", "--db", db, "--create", "--hex", "00ff", "cafe").code()).isZero();
    assertThat(run("get", "--db", db, "--hex", "00ff").out().trim()).isEqualTo("cafe");
  }

  @Test
  void statsCompactVerify_report() {
    String db = tmp.resolve("db").toString();
    run("put", "--db", db, "--create", "k", "v");
    CliResult stats = run("stats", "--db", db);
    assertThat(stats.code()).isZero();
    assertThat(stats.out()).contains("level").contains("memtable");
    assertThat(run("stats", "--db", db, "--json").out())
        .contains("\"num-files-at-level0\":")
        .contains("\"statistics\":{\"tickers\":{\"strata.bytes.written\":0,")
        .contains("\"source\":\"this-open\"")
        .contains("\"strata.get.nanos\":{\"count\":0,");
    assertThat(run("compact", "--db", db).out()).contains("compacted");
    CliResult verify = run("verify", "--db", db);
    assertThat(verify.code()).isZero();
    assertThat(verify.out()).contains("ok: ").contains("every checksum checked");
  }

  @Test
  void checkpoint_createsACopyThatOpens_andWritesNothingInTheSource() throws Exception {
    String db = tmp.resolve("db").toString();
    assertThat(run("put", "--db", db, "--create", "a", "1").code()).isZero();
    assertThat(run("compact", "--db", db).code()).isZero();
    assertThat(run("put", "--db", db, "b", "2").code()).isZero();
    Map<String, String> before = DbFixtures.snapshot(Path.of(db));
    String cp = tmp.resolve("cp").toString();
    CliResult made = run("checkpoint", "--db", db, cp);
    assertThat(made.code()).as(made.err()).isZero();
    assertThat(made.out()).contains("created in " + cp).contains("(1 hard-linked)");
    assertThat(DbFixtures.snapshot(Path.of(db))).isEqualTo(before);
    assertThat(run("scan", "--db", cp).out().trim().split("\\R")).containsExactly("a\t1", "b\t2");
    // The copy is a database of its own.
    assertThat(run("delete", "--db", cp, "a").code()).isZero();
    assertThat(run("get", "--db", db, "a").out().trim()).isEqualTo("1");
  }

  @Test
  void checkpoint_besideAWriter_copiesWhatItHadWritten() {
    String db = tmp.resolve("db").toString();
    run("put", "--db", db, "--create", "k", "v");
    String cp = tmp.resolve("cp").toString();
    try (StrataDB held = StrataDB.open(Path.of(db))) {
      held.put("k2".getBytes(java.nio.charset.StandardCharsets.UTF_8),
          "v2".getBytes(java.nio.charset.StandardCharsets.UTF_8), dev.strata.WriteOptions.SYNC);
      CliResult made = run("checkpoint", "--db", db, cp);
      assertThat(made.code()).as(made.err()).isZero();
    }
    assertThat(run("scan", "--db", cp).out().trim().split("\\R")).containsExactly("k\tv", "k2\tv2");
  }

  @Test
  void checkpoint_refusedTargets_failWithOneLineAndExitCode() throws Exception {
    String db = tmp.resolve("db").toString();
    run("put", "--db", db, "--create", "k", "v");
    Path full = tmp.resolve("full");
    Files.createDirectories(full);
    Files.writeString(full.resolve("x"), "keep");
    CliResult notEmpty = run("checkpoint", "--db", db, full.toString());
    assertThat(notEmpty.code()).isEqualTo(1);
    assertThat(notEmpty.err().trim())
        .startsWith("strata: ")
        .contains("not empty")
        .doesNotContain("\tat ");
    assertThat(Files.readString(full.resolve("x"))).isEqualTo("keep");
    CliResult noParent = run("checkpoint", "--db", db, tmp.resolve("no/such/cp").toString());
    assertThat(noParent.code()).isEqualTo(1);
    assertThat(noParent.err()).contains("does not exist");
    CliResult noDb =
        run("checkpoint", "--db", tmp.resolve("nope").toString(), tmp.resolve("cp").toString());
    assertThat(noDb.code()).isEqualTo(1);
    assertThat(noDb.err()).contains("no database");
    assertThat(Files.exists(tmp.resolve("cp"))).isFalse();
    assertThat(run("checkpoint", "--db", db).code()).as("DIR missing").isEqualTo(2);
  }

  @Test
  void loadThenDump_roundTrips() throws Exception {
    Path input = tmp.resolve("in.tsv");
    Files.writeString(input, "k1\tv1\nk2\tv2\n");
    String db = tmp.resolve("db").toString();
    assertThat(run("load", "--db", db, "--create", input.toString()).out())
        .contains("loaded 2 rows");
    Path dump = tmp.resolve("out.tsv");
    assertThat(run("dump", "--db", db, "-o", dump.toString()).code()).isZero();
    assertThat(Files.readAllLines(dump)).containsExactly("k1\tv1", "k2\tv2");
  }

  @Test
  void errors_areOneLineWithExitCode() {
    CliResult notDir = run("get", "--db", tmp.resolve("nope").toString(), "k");
    assertThat(notDir.code()).isEqualTo(1);
    assertThat(notDir.err().trim()).startsWith("strata: ").doesNotContain("\tat ");
    Path empty = tmp.resolve("empty");
    empty.toFile().mkdirs();
    CliResult notDb = run("get", "--db", empty.toString(), "k");
    assertThat(notDb.code()).isEqualTo(1);
    assertThat(notDb.err()).contains("does not hold a database");
    String db = tmp.resolve("db").toString();
    run("put", "--db", db, "--create", "k", "v");
    try (StrataDB held = StrataDB.open(Path.of(db))) {
      CliResult locked = run("put", "--db", db, "k", "w");
      assertThat(locked.code()).isEqualTo(1);
      assertThat(locked.err()).contains("lock");
      // Reading commands open read-only: no lock, so they work beside the writer.
      CliResult read = run("get", "--db", db, "k");
      assertThat(read.code()).isEqualTo(0);
      assertThat(read.out()).contains("v");
    }
    assertThat(run("get").code()).isEqualTo(2);
  }

  @Test
  void bench_defaultPathWithTinyNum_comparesAllEnginesAndWritesReport() {
    // The README's first command is `strata bench` with defaults; only --num and the warm-up (10 s
    // per workload by default) are shrunk here, and the report and database go to the test's
    // directory, so the default path cannot rot.
    Path report = tmp.resolve("report");
    CliResult r =
        run(
            "bench",
            "--num", "2000",
            "--warmup", "0.2s",
            "--no-progress",
            "--db", tmp.resolve("bench").toString(),
            "--report", report.toString());
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out())
        .contains("fillrandom")
        .contains("readrandom")
        .contains("readseq")
        .contains("readwhilewriting")
        .contains("strata")
        .contains("rocksdb")
        .contains("leveldb");
    assertThat(report.resolve("index.html")).exists();
  }

  @Test
  void benchDefaults_addReportDirectory() {
    assertThat(StrataCli.withBenchDefaults(new String[] {"bench"}))
        .containsExactly("bench", "--report", StrataCli.DEFAULT_REPORT_DIR);
    assertThat(StrataCli.withBenchDefaults(new String[] {"get", "k"})).containsExactly("get", "k");
  }

  @Test
  void sstDump_namesThePrefixExtractorOfATableWithPrefixFilters() throws Exception {
    Path db = tmp.resolve("prefixed");
    Options options = Options.builder().prefixExtractor(PrefixExtractor.fixedLength(3)).build();
    try (StrataDB s = StrataDB.open(db, options)) {
      s.put("abc1".getBytes(), "1".getBytes());
      s.flush();
    }
    CliResult sst = run("sst-dump", firstFile(db, ".sst").toString());
    assertThat(sst.code()).as(sst.err()).isZero();
    assertThat(sst.out()).contains("prefix extractor:  strata.FixedPrefix.3");
  }

  private static Path firstFile(Path dir, String suffix) throws Exception {
    try (var files = Files.list(dir)) {
      return files.filter(p -> p.getFileName().toString().endsWith(suffix)
              || p.getFileName().toString().startsWith(suffix))
          .sorted()
          .findFirst()
          .orElseThrow();
    }
  }

  private static Path lastFile(Path dir, String suffix) throws Exception {
    try (var files = Files.list(dir)) {
      return files.filter(p -> p.getFileName().toString().endsWith(suffix))
          .max(java.util.Comparator.naturalOrder())
          .orElseThrow();
    }
  }

  @Test
  void fileDumps_printTablesLogsAndManifests() throws Exception {
    Path db = tmp.resolve("db");
    try (StrataDB s = StrataDB.open(db)) {
      s.put("alpha".getBytes(), "1".getBytes());
      s.delete("beta".getBytes());
      s.flush();
      s.put("gamma".getBytes(), "3".getBytes());
    }
    CliResult sst = run("sst-dump", firstFile(db, ".sst").toString(), "--blocks");
    assertThat(sst.code()).as(sst.err()).isZero();
    assertThat(sst.out()).contains("entries:           2 (1 tombstones)").contains("index:             1 data blocks").contains("block at 0, ").contains("alpha @").contains("beta @").contains(" DEL");
    try (StrataDB s = StrataDB.open(db)) {
      s.put("delta".getBytes(), "4".getBytes());
      // The newest log: the one the open replayed stays until its memtable is flushed.
      CliResult wal = run("wal-dump", lastFile(db, ".log").toString());
      assertThat(wal.code()).as(wal.err()).isZero();
      assertThat(wal.out()).contains("VALUE delta 4").contains("1 records");
    }
    CliResult manifest = run("manifest-dump", firstFile(db, "MANIFEST-").toString());
    assertThat(manifest.code()).as(manifest.err()).isZero();
    assertThat(manifest.out()).contains("VersionEdit{").contains("+L0");
    assertThat(run("sst-dump", tmp.resolve("none.sst").toString()).code()).isEqualTo(1);
  }

  @Test
  void verify_reportsDamagedFileAndOffset() throws Exception {
    Path db = tmp.resolve("db");
    try (StrataDB s = StrataDB.open(db)) {
      for (int i = 0; i < 2000; i++) {
        s.put(String.format("key%05d", i).getBytes(), ("value" + i).getBytes());
      }
      s.flush();
    }
    Path table = firstFile(db, ".sst");
    byte[] bytes = Files.readAllBytes(table);
    bytes[100] ^= 0x40;
    Files.write(table, bytes);
    CliResult r = run("verify", "--db", db.toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.out()).containsPattern("DAMAGED " + table.getFileName() + " @\\d+: ");
  }

  @Test
  void shell_executesCommands() {
    Path db = tmp.resolve("db");
    try (StrataDB s = StrataDB.open(db)) {
      Shell shell = new Shell();
      StringWriter out = new StringWriter();
      PrintWriter w = new PrintWriter(out, true);
      assertThat(shell.execute(s, "put k1 v1", w)).isTrue();
      assertThat(shell.execute(s, "put k2 v2", w)).isTrue();
      shell.execute(s, "get k1", w);
      shell.execute(s, "delete k2", w);
      shell.execute(s, "get k2", w);
      shell.execute(s, "scan", w);
      shell.execute(s, "put onlykey", w);
      shell.execute(s, "bogus", w);
      shell.execute(s, "stats", w);
      assertThat(shell.execute(s, "quit", w)).isFalse();
      assertThat(out.toString())
          .contains("ok")
          .contains("v1")
          .contains("(not found)")
          .contains("k1\tv1")
          .contains("error: Missing required parameter: 'VALUE'")
          .contains("unknown command 'bogus'")
          .contains("Level");
      assertThat(Shell.COMMANDS).contains("get", "put", "delete", "scan", "stats");
    }
  }
}
