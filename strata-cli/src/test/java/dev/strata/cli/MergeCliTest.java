package dev.strata.cli;

import static dev.strata.cli.CliResult.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.strata.DBIterator;
import dev.strata.MergeOperator;
import dev.strata.MergeOperators;
import dev.strata.Options;
import dev.strata.StrataDB;
import dev.strata.WriteBatch;
import dev.strata.util.Bytes;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI on databases with merge operands and range tombstones: {@code --merge-operator} on every
 * command that opens a database, {@code merge} and {@code delete-range} (command line and shell),
 * the one-line error of a read that needs an operator, {@code wal-dump} and {@code sst-dump} of
 * the new kinds, {@code verify} of tables holding them, and a {@code dump}/{@code load} round trip
 * of the visible data.
 */
class MergeCliTest {
  private static final MergeOperator APPEND = MergeOperators.stringAppend((byte) ',');

  @TempDir Path tmp;

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String counter(long v) {
    return ByteText.toHex(MergeOperators.uint64(v));
  }

  /**
   * A database with appended values in a table and in the memtable (and WAL), point and range
   * deletions over both: {@code a=1,2} (folded into a value by the flush), {@code b} deleted,
   * {@code c..e} range-deleted then {@code d=x,y} merged on top of nothing, {@code f=6,7} (one
   * operand in a table, one in the WAL), {@code g} only in a table.
   */
  private Path mixedDb(String name) {
    Path db = tmp.resolve(name);
    try (StrataDB d =
        StrataDB.open(db, Options.builder().mergeOperator(APPEND).flushOnClose(false).build())) {
      d.put(b("a"), b("1"));
      d.merge(b("a"), b("2"));
      d.put(b("b"), b("2"));
      d.put(b("c"), b("3"));
      d.put(b("d"), b("4"));
      d.put(b("g"), b("8"));
      d.merge(b("f"), b("6"));
      d.flush();
      d.delete(b("b"));
      d.deleteRange(b("c"), b("e"));
      WriteBatch batch = new WriteBatch();
      batch.merge(b("d"), b("x"));
      batch.merge(b("d"), b("y"));
      batch.merge(b("f"), b("7"));
      d.write(batch);
    }
    return db;
  }

  private static final List<String> MIXED_VISIBLE = List.of("a\t1,2", "d\tx,y", "f\t6,7", "g\t8");

  @Test
  void merge_uint64add_addsCounters_andGetScanShowTheSum() {
    String db = tmp.resolve("db").toString();
    String op = "--merge-operator=uint64add";
    assertThat(run("put", "--db", db, "--create", "--hex", "6b", counter(40)).code()).isZero();
    CliResult merged = run("merge", "--db", db, op, "--hex", "6b", counter(2));
    assertThat(merged.code()).as(merged.err()).isZero();
    assertThat(run("merge", "--db", db, op, "--hex", "6c", counter(7)).code()).isZero();
    assertThat(run("merge", "--db", db, op, "--hex", "6c", counter(-1)).code()).isZero();
    assertThat(run("get", "--db", db, op, "--hex", "6b").out().trim()).isEqualTo(counter(42));
    assertThat(run("get", "--db", db, op, "--hex", "6b", "6c").lines())
        .containsExactly("6b\t" + counter(42), "6c\t" + counter(6));
    assertThat(run("scan", "--db", db, op, "--hex").lines())
        .containsExactly("6b\t" + counter(42), "6c\t" + counter(6));
  }

  @Test
  void merge_stringappend_joinsWithTheDefaultOrTheGivenDelimiter() {
    String db = tmp.resolve("db").toString();
    assertThat(run("put", "--db", db, "--create", "k", "a").code()).isZero();
    assertThat(run("merge", "--db", db, "--merge-operator", "stringappend", "k", "b").code())
        .isZero();
    assertThat(run("get", "--db", db, "--merge-operator", "stringappend", "k").out().trim())
        .isEqualTo("a,b");
    // The operator is a reading choice: the same operands joined with another delimiter.
    assertThat(run("get", "--db", db, "--merge-operator", "stringappend:;", "k").out().trim())
        .isEqualTo("a;b");
    assertThat(run("get", "--db", db, "--merge-operator", "stringappend:\\t", "k").out().trim())
        .isEqualTo("a\\tb");
  }

  @Test
  void mergeOperatorNames_parse_andBadOnesAreUsageErrors() {
    assertThat(MergeOperatorOption.parse("uint64add").name()).isEqualTo("uint64add");
    assertThat(MergeOperatorOption.parse("stringappend:\\x00").fullMerge(b("k"), b("a"),
            List.of(b("b")))).isEqualTo(new byte[] {'a', 0, 'b'});
    assertThatThrownBy(() -> MergeOperatorOption.parse("stringappend:ab"))
        .hasMessageContaining("2 bytes");
    assertThatThrownBy(() -> MergeOperatorOption.parse("stringappend:"))
        .hasMessageContaining("0 bytes");
    String db = tmp.resolve("db").toString();
    run("put", "--db", db, "--create", "k", "v");
    CliResult bogus = run("get", "--db", db, "--merge-operator", "max", "k");
    assertThat(bogus.code()).isEqualTo(2);
    assertThat(bogus.err()).contains("unknown merge operator 'max'").contains("uint64add");
  }

  @Test
  void read_ofMergeOperandsWithoutAnOperator_failsWithOneLineNamingTheOption() throws Exception {
    Path db = mixedDb("db");
    String[][] reads = {
      {"get", "--db", db.toString(), "d"},
      {"get", "--db", db.toString(), "a", "d"},
      {"scan", "--db", db.toString()},
      {"dump", "--db", db.toString()},
      {"dump", "--db", db.toString(), "-o", tmp.resolve("out.txt").toString()},
    };
    for (String[] args : reads) {
      CliResult r = run(args);
      assertThat(r.code()).as(String.join(" ", args)).isEqualTo(1);
      assertThat(r.err().split("\\R")).as(r.err()).hasSize(1);
      assertThat(r.err())
          .startsWith("strata: key ")
          .contains("holds merge operands")
          .contains("--merge-operator NAME (uint64add, stringappend");
    }
    assertThat(Files.exists(tmp.resolve("out.txt"))).isFalse();
    // A key with no operands reads without one.
    assertThat(run("get", "--db", db.toString(), "g").out().trim()).isEqualTo("8");
  }

  @Test
  void merge_withoutAnOperatorOrWithABadCounter_isRefusedBeforeWriting() {
    String db = tmp.resolve("db").toString();
    run("put", "--db", db, "--create", "--hex", "6b", counter(1));
    CliResult none = run("merge", "--db", db, "k", "v");
    assertThat(none.code()).isEqualTo(2);
    assertThat(none.err()).contains("merge needs --merge-operator NAME");
    CliResult text = run("merge", "--db", db, "--merge-operator", "uint64add", "k", "5");
    assertThat(text.code()).isEqualTo(1);
    assertThat(text.err().trim())
        .isEqualTo("strata: uint64add operands are 8 bytes, little-endian; 5 is 1 byte; 5 as a"
            + " counter is --hex " + counter(5));
    // Nothing was written: the key still reads, with or without the operator.
    assertThat(run("get", "--db", db, "--hex", "6b").out().trim()).isEqualTo(counter(1));
    assertThat(run("scan", "--db", db, "--merge-operator", "uint64add").lines()).hasSize(1);
  }

  @Test
  void deleteRange_removesKeysFromBeginUpToEnd() {
    String db = tmp.resolve("db").toString();
    for (String k : List.of("a", "b", "bb", "c", "d")) {
      assertThat(run("put", "--db", db, "--create", k, k.toUpperCase(java.util.Locale.ROOT)).code()).isZero();
    }
    assertThat(run("compact", "--db", db).code()).isZero();
    CliResult r = run("delete-range", "--db", db, "b", "d");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(run("scan", "--db", db).lines()).containsExactly("a\tA", "d\tD");
    assertThat(run("scan", "--db", db, "--reverse").lines()).containsExactly("d\tD", "a\tA");
    assertThat(run("get", "--db", db, "c").code()).isEqualTo(1);
    assertThat(run("delete-range", "--db", db, "--hex", "61", "62").code()).isZero();
    assertThat(run("scan", "--db", db).lines()).containsExactly("d\tD");
    CliResult backwards = run("delete-range", "--db", db, "z", "a");
    assertThat(backwards.code()).isEqualTo(1);
    assertThat(backwards.err()).contains("BEGIN z sorts after END a");
    assertThat(run("delete-range", "--db", db, "a").code()).isEqualTo(2);
    assertThat(run("scan", "--db", db).lines()).containsExactly("d\tD");
  }

  /**
   * compact with the operator folds a key's operands into its value (so the key then reads without
   * one); without it, compact keeps them: the option reaches the open of a writing command.
   */
  @Test
  void compact_withTheOperator_foldsOperands_withoutItKeepsThem() {
    String kept = mixedDb("kept").toString();
    assertThat(run("compact", "--db", kept).code()).isZero();
    assertThat(run("get", "--db", kept, "f").code()).isEqualTo(1);
    assertThat(run("scan", "--db", kept, "--merge-operator", "stringappend").lines())
        .isEqualTo(MIXED_VISIBLE);
    String db = mixedDb("db").toString();
    assertThat(run("get", "--db", db, "f").code()).isEqualTo(1);
    CliResult folded = run("compact", "--db", db, "--merge-operator", "stringappend");
    assertThat(folded.code()).as(folded.err()).isZero();
    assertThat(run("scan", "--db", db).lines()).isEqualTo(MIXED_VISIBLE);
    assertThat(run("stats", "--db", db, "--merge-operator", "stringappend").code()).isZero();
  }

  @Test
  void dumpThenLoad_ofMergesAndRangeDeletions_roundTripsTheVisibleData() throws Exception {
    Path db = mixedDb("db");
    Path dump = tmp.resolve("dump.txt");
    CliResult dumped =
        run("dump", "--db", db.toString(), "--merge-operator", "stringappend", "-o", dump.toString());
    assertThat(dumped.code()).as(dumped.err()).isZero();
    assertThat(Files.readAllLines(dump)).isEqualTo(MIXED_VISIBLE);
    String copy = tmp.resolve("copy").toString();
    CliResult loaded = run("load", "--db", copy, "--create", dump.toString());
    assertThat(loaded.code()).as(loaded.err()).isZero();
    // Merged values were written as plain values: the copy needs no operator.
    assertThat(run("dump", "--db", copy).lines()).isEqualTo(MIXED_VISIBLE);
    assertThat(contents(Path.of(copy), null)).isEqualTo(contents(db, APPEND));
  }

  private static Map<String, String> contents(Path db, MergeOperator op) {
    NavigableMap<String, String> out = new TreeMap<>();
    try (StrataDB d = StrataDB.openReadOnly(db, Options.builder().mergeOperator(op).build());
        DBIterator it = d.newIterator()) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        out.put(Bytes.toHex(it.key(), 1 << 20), Bytes.toHex(it.value(), 1 << 20));
      }
    }
    return out;
  }

  @Test
  void walDump_printsMergeAndRangeDeleteOperations() {
    Path db = mixedDb("db");
    CliResult wal = run("wal-dump", DbFixtures.lastFile(db, ".log").toString());
    assertThat(wal.code()).as(wal.err()).isZero();
    assertThat(wal.out())
        .contains(" DELETE b")
        .contains(" RANGE_DELETE [c, e)")
        .contains(" MERGE d x")
        .contains(" MERGE d y")
        .contains(" MERGE f 7")
        .contains("3 ops");
  }

  @Test
  void sstDumpBlocks_printsMergeEntriesAndRangeTombstones() {
    Path db = mixedDb("db");
    // Without an operator the flush keeps each operand as written (with one it would join them).
    try (StrataDB d = StrataDB.open(db)) {
      d.flush();
    }
    Path newest = DbFixtures.lastFile(db, ".sst");
    CliResult sst = run("sst-dump", "--blocks", newest.toString());
    assertThat(sst.code()).as(sst.err()).isZero();
    assertThat(sst.out())
        .contains("format version:    3")
        .contains("range tombstones:  1 (1 fragments)")
        .contains("b @")
        .contains(" DEL")
        .contains(" MERGE x")
        .contains(" MERGE y")
        .containsPattern("\\[c, e\\) @\\d+ RANGE_DELETE");
  }

  @Test
  void verify_ofTablesWithMergeOperandsAndRangeTombstones_isClean() {
    Path db = mixedDb("db");
    try (StrataDB d =
        StrataDB.open(db, Options.builder().mergeOperator(APPEND).flushOnClose(false).build())) {
      d.flush();
      d.merge(b("h"), b("9"));
      d.deleteRange(b("x"), b("y"));
    }
    CliResult r = run("verify", "--db", db.toString());
    assertThat(r.code()).as(r.out()).isZero();
    assertThat(r.out()).contains("ok: ").doesNotContain("DAMAGED");
  }

  @Test
  void verify_ofADamagedRangeDeletionBlock_reportsTheTable() throws Exception {
    Path db = tmp.resolve("db");
    try (StrataDB d =
        StrataDB.open(db, Options.builder().mergeOperator(APPEND).flushOnClose(false).build())) {
      d.put(b("key1"), b("v"));
      d.merge(b("key2"), b("w"));
      d.deleteRange(b("rangebegin"), b("rangeend"));
      d.flush();
    }
    Path table = DbFixtures.lastFile(db, ".sst");
    assertThat(run("verify", "--db", db.toString()).code()).isZero();
    // The block is stored raw, so its start key is in the file as written, and only there.
    long at = indexOf(Files.readAllBytes(table), b("rangebegin"));
    assertThat(at).isPositive();
    DbFixtures.flipByte(table, at + 2);
    CliResult r = run("verify", "--db", db.toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.out()).containsPattern("DAMAGED " + table.getFileName() + " @\\d+: ");
    assertThat(r.out()).contains("damaged: 1 problems");
  }

  private static long indexOf(byte[] haystack, byte[] needle) {
    long found = -1;
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      if (java.util.Arrays.equals(haystack, i, i + needle.length, needle, 0, needle.length)) {
        assertThat(found).as("the key occurs once").isEqualTo(-1);
        found = i;
      }
    }
    return found;
  }

  @Test
  void shell_mergesAndDeletesRanges_withItsOperator() {
    Path db = tmp.resolve("db");
    Shell withOperator = parsedShell("--merge-operator", "stringappend:+");
    List<String> out = new ArrayList<>();
    // Left in the WAL: a flush with the operator would fold the operands into a value.
    try (StrataDB s =
        StrataDB.open(
            db,
            Options.builder()
                .mergeOperator(withOperator.mergeOperator())
                .flushOnClose(false)
                .build())) {
      for (String line : List.of("put k1 a", "merge k1 b", "merge k2 c", "put k3 x",
          "delete-range k3 k4", "get k1", "scan", "delete-range k9 k1")) {
        out.add(execute(withOperator, s, line));
      }
    }
    assertThat(out)
        .containsExactly("ok", "ok", "ok", "ok", "ok", "a+b", "k1\ta+b\nk2\tc",
            "error: BEGIN k9 sorts after END k1 (the range is BEGIN inclusive to END exclusive,"
                + " in unsigned byte order)");
    Shell without = parsedShell();
    try (StrataDB s = StrataDB.open(db)) {
      assertThat(execute(without, s, "merge k1 z"))
          .isEqualTo("error: merge needs a merge operator: start the shell with --merge-operator"
              + " NAME (" + MergeOperatorOption.NAMES + ")");
      assertThat(execute(without, s, "get k1"))
          .startsWith("error: key k1 holds merge operands")
          .contains("start the shell with --merge-operator NAME");
    }
    assertThat(Shell.COMMANDS).contains("merge", "delete-range");
  }

  /** A shell whose options were parsed from {@code args} (plus the required --db). */
  private Shell parsedShell(String... args) {
    Shell shell = new Shell();
    List<String> all = new ArrayList<>(List.of("--db", tmp.toString()));
    all.addAll(List.of(args));
    new picocli.CommandLine(shell).parseArgs(all.toArray(new String[0]));
    return shell;
  }

  private static String execute(Shell shell, StrataDB db, String line) {
    StringWriter out = new StringWriter();
    shell.execute(db, line, new PrintWriter(out, true));
    return out.toString().trim().replace(System.lineSeparator(), "\n");
  }
}
