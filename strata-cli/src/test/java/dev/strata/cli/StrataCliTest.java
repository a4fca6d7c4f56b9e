package dev.strata.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.StrataDB;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StrataCliTest {
  @TempDir Path tmp;

  private record Result(int code, String out, String err) {}

  private static Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = StrataCli.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    return new Result(code, out.toString(), err.toString());
  }

  @Test
  void putGetScanDelete_roundTrip() {
    String db = tmp.resolve("db").toString();
    assertThat(run("put", "--db", db, "--create", "b", "2").code()).isZero();
    assertThat(run("put", "--db", db, "a", "1").code()).isZero();
    assertThat(run("put", "--db", db, "c", "3").code()).isZero();
    Result get = run("get", "--db", db, "b");
    assertThat(get.code()).isZero();
    assertThat(get.out().trim()).isEqualTo("2");
    assertThat(run("scan", "--db", db).out()).isEqualTo("a\t1\nb\t2\nc\t3\n".replace("\n", System.lineSeparator()));
    assertThat(run("scan", "--db", db, "--reverse", "--limit", "2").out().trim().split("\\R"))
        .containsExactly("c\t3", "b\t2");
    assertThat(run("scan", "--db", db, "--from", "b", "--to", "c").out().trim()).isEqualTo("b\t2");
    assertThat(run("delete", "--db", db, "b").code()).isZero();
    Result missing = run("get", "--db", db, "b");
    assertThat(missing.code()).isEqualTo(1);
    assertThat(missing.err()).contains("key not found");
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
    Result stats = run("stats", "--db", db);
    assertThat(stats.code()).isZero();
    assertThat(stats.out()).contains("Level").contains("memtable");
    assertThat(run("stats", "--db", db, "--json").out()).contains("\"num-files-at-level0\":");
    assertThat(run("compact", "--db", db).out()).contains("compacted");
    assertThat(run("verify", "--db", db).out()).contains("ok: 1 entries");
  }

  @Test
  void loadThenDump_roundTrips() throws Exception {
    Path input = tmp.resolve("in.tsv");
    Files.writeString(input, "k1\tv1\nk2,v2\n");
    String db = tmp.resolve("db").toString();
    assertThat(run("load", "--db", db, input.toString()).out()).contains("loaded 2 entries");
    Path dump = tmp.resolve("out.tsv");
    assertThat(run("dump", "--db", db, "-o", dump.toString()).code()).isZero();
    assertThat(Files.readAllLines(dump)).containsExactly("k1\tv1", "k2\tv2");
  }

  @Test
  void errors_areOneLineWithExitCode() {
    Result notDir = run("get", "--db", tmp.resolve("nope").toString(), "k");
    assertThat(notDir.code()).isEqualTo(1);
    assertThat(notDir.err().trim()).startsWith("strata: ").doesNotContain("\tat ");
    Path empty = tmp.resolve("empty");
    empty.toFile().mkdirs();
    Result notDb = run("get", "--db", empty.toString(), "k");
    assertThat(notDb.code()).isEqualTo(1);
    assertThat(notDb.err()).contains("does not hold a database");
    String db = tmp.resolve("db").toString();
    run("put", "--db", db, "--create", "k", "v");
    try (StrataDB held = StrataDB.open(Path.of(db))) {
      Result locked = run("get", "--db", db, "k");
      assertThat(locked.code()).isEqualTo(1);
      assertThat(locked.err()).contains("lock");
    }
    assertThat(run("get").code()).isEqualTo(2);
  }

  @Test
  void bench_tinyRun_printsTableAndWritesReport() {
    Path report = tmp.resolve("report");
    Result r =
        run(
            "bench",
            "--engine", "strata,skiplist-map",
            "--benchmarks", "fillrandom,readrandom",
            "--num", "2000",
            "--no-fork",
            "--no-progress",
            "--db", tmp.resolve("bench").toString(),
            "--report", report.toString());
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("fillrandom").contains("readrandom").contains("strata");
    assertThat(report.resolve("index.html")).exists();
  }

  @Test
  void benchDefaults_addReportDirectory() {
    assertThat(StrataCli.withBenchDefaults(new String[] {"bench"}))
        .containsExactly("bench", "--report", StrataCli.DEFAULT_REPORT_DIR);
    assertThat(StrataCli.withBenchDefaults(new String[] {"get", "k"})).containsExactly("get", "k");
  }
}
