package dev.strata.cli;

import static dev.strata.cli.CliProcess.run;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.strata.Options;
import dev.strata.StrataDB;
import dev.strata.WriteOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The jar's everyday commands, their exit codes and messages. */
class CliBasicsIT {
  @TempDir Path tmp;

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** A database holding {@code keys}, each with value "v" + key, written in this JVM. */
  private Path dbWith(String... keys) {
    Path db = tmp.resolve("db");
    // The close leaves the writes in the WAL, where the commands under test find them.
    try (StrataDB d =
        StrataDB.open(db, Options.builder().flushOnClose(false).build())) {
      for (String k : keys) {
        d.put(b(k), b("v" + k), WriteOptions.SYNC);
      }
    }
    return db;
  }

  /** An empty database, created in this JVM (so that the command needs no --create). */
  private Path emptyDb() {
    Path db = tmp.resolve("db");
    StrataDB.open(db).close();
    return db;
  }

  @Test
  void putGetScanDelete_roundTrip() {
    String db = tmp.resolve("db").toString();
    run("put", "--db", db, "--create", "b", "2").expect(0);
    run("put", "--db", db, "a", "1").expect(0);
    assertThat(run("get", "--db", db, "b").expect(0).out()).isEqualTo("2\n");
    assertThat(run("scan", "--db", db).expect(0).out()).isEqualTo("a\t1\nb\t2\n");
    run("delete", "--db", db, "b").expect(0);
    CliProcess.Result missing = run("get", "--db", db, "b").expect(1);
    assertThat(missing.err()).isEqualTo("strata: key not found: b\n");
  }

  /**
   * Merge operands through the jar: written with merge, read back merged with --merge-operator,
   * and without it exactly one line on stderr naming the option, exit 1.
   */
  @Test
  void merge_readsMergedWithTheOperator_andOneLineWithoutIt() {
    Path db = dbWith("a");
    String op = "--merge-operator=stringappend:;";
    run("merge", "--db", db.toString(), op, "a", "w").expect(0);
    run("delete-range", "--db", db.toString(), "b", "c").expect(0);
    assertThat(run("get", "--db", db.toString(), op, "a").expect(0).out()).isEqualTo("va;w\n");
    CliProcess.Result without = run("scan", "--db", db.toString()).expect(1);
    assertThat(without.out()).isEmpty();
    assertThat(without.err())
        .isEqualTo("strata: key a holds merge operands, which only a merge operator can read:"
            + " pass --merge-operator NAME (uint64add, stringappend or stringappend:DELIMITER),"
            + " the operator they were written with\n");
  }

  /**
   * Defect 1. Before the fix: exit 0 with nothing on stdout (the text was printed without a
   * newline and never flushed before System.exit), and --json showed counters since the open.
   */
  @Test
  void stats_printsTotals() throws Exception {
    Path db = dbWith("a", "b", "c");
    CliProcess.Result text = run("stats", "--db", db.toString()).expect(0);
    assertThat(text.out())
        .contains("L0 ")
        .contains("keys (estimated): 3")
        .contains("WAL: ")
        .contains("manifest: MANIFEST-")
        .contains("directory: ");
    JsonNode json =
        new ObjectMapper().readTree(run("stats", "--db", db.toString(), "--json").expect(0).out());
    assertThat(json.get("estimated-keys").asLong()).isEqualTo(3);
    // The three rows are only in the WAL: a read-only open replays it into memory and writes no
    // table, so the tables hold nothing while the estimate still counts them.
    assertThat(json.get("total-sst-bytes").asLong()).isZero();
    assertThat(json.has("wal-bytes")).isTrue();
    assertThat(json.has("stall-count")).as("no counters since the open").isFalse();
  }

  /**
   * Defect 10. Before the fix: load created a database at a mistyped path ("loaded 1 entries",
   * exit 0), and created it even when its input file was missing ("strata: missing.tsv").
   */
  @Test
  void nothingIsCreated_withoutCreate() throws Exception {
    Path input = tmp.resolve("in.txt");
    Files.writeString(input, "k\tv\n");
    Path typo = tmp.resolve("tyop");
    CliProcess.Result load = run("load", "--db", typo.toString(), input.toString()).expect(1);
    assertThat(load.err()).contains("no database at " + typo).contains("--create");
    assertThat(typo).doesNotExist();

    CliProcess.Result noInput =
        run("load", "--db", typo.toString(), "--create", tmp.resolve("missing.txt").toString())
            .expect(1);
    assertThat(noInput.err()).contains("no such input file: " + tmp.resolve("missing.txt"));
    assertThat(typo).as("nothing touched before the input is found").doesNotExist();

    assertThat(run("put", "--db", typo.toString(), "k", "v").expect(1).err()).contains("--create");
    assertThat(run("get", "--db", typo.toString(), "k").expect(1).err())
        .isEqualTo("strata: no database at " + typo + ": no such directory\n");
    assertThat(typo).doesNotExist();

    Path empty = Files.createDirectory(tmp.resolve("empty"));
    assertThat(run("load", "--db", empty.toString(), input.toString()).expect(1).err())
        .contains("does not hold a database");
    assertThat(empty).isEmptyDirectory();
    run("load", "--db", empty.toString(), "--create", input.toString()).expect(0);
    assertThat(run("get", "--db", empty.toString(), "k").expect(0).out()).isEqualTo("v\n");
  }

  /**
   * Defect 9. Before the fix: the jar bound slf4j-nop, so recovery's warning about the torn WAL
   * tail it dropped reached nobody (stderr empty), and --verbose logged nothing either.
   */
  @Test
  void warnings_reachStderr_andVerboseAddsInfo() throws Exception {
    Path db = dbWith("a");
    Path wal = DbFixtures.lastFile(db, ".log");
    Files.write(wal, new byte[] {1, 2, 3}, java.nio.file.StandardOpenOption.APPEND);
    CliProcess.Result get = run("get", "--db", db.toString(), "a").expect(0);
    assertThat(get.out()).isEqualTo("va\n");
    assertThat(get.err()).contains("WARN").contains("torn tail").doesNotContain("INFO");
    CliProcess.Result verbose = run("get", "--db", db.toString(), "a", "--verbose").expect(0);
    assertThat(verbose.err()).contains("INFO").contains("opened " + db);
  }

  /**
   * {@code scan --limit} reads nothing past the limit. Before the fix the loop stepped the
   * iterator once more after the last entry printed, so a damaged block just past the limit
   * failed `scan --limit 1` (exit 1, corruption) although the entry it printed was fine.
   */
  @Test
  void scanLimit_readsNothingPastIt() throws Exception {
    Path db = tmp.resolve("db");
    try (StrataDB d =
        StrataDB.open(db, Options.builder().blockSizeBytes(256).flushOnClose(false).build())) {
      for (int i = 0; i < 6; i++) {
        d.put(b("key" + i), "x".repeat(300).getBytes(StandardCharsets.UTF_8));
      }
      d.flush();
    }
    Path table = DbFixtures.lastFile(db, ".sst");
    List<Long> blocks = DbFixtures.blockOffsets(table);
    assertThat(blocks).hasSizeGreaterThan(3);
    DbFixtures.flipByte(table, blocks.get(1) + 20);
    CliProcess.Result one = run("scan", "--db", db.toString(), "--limit", "1").expect(0);
    assertThat(one.out()).startsWith("key0\txxx").hasLineCount(1);
    CliProcess.Result two = run("scan", "--db", db.toString(), "--limit", "2").expect(1);
    assertThat(two.err())
        .startsWith("strata: corruption in ")
        .contains(table.getFileName() + " at offset " + blocks.get(1) + ": block checksum");
  }

  /** Before the fix: {@code --reverse --from c} printed e, d, c (from the end down to c). */
  @Test
  void scanReverseFrom_startsThereAndGoesDown() {
    String db = dbWith("a", "b", "c", "d", "e").toString();
    assertThat(run("scan", "--db", db, "--reverse", "--from", "c").expect(0).out())
        .isEqualTo("c\tvc\nb\tvb\na\tva\n");
    assertThat(run("scan", "--db", db, "--reverse", "--from", "cc", "--to", "a").expect(0).out())
        .isEqualTo("c\tvc\nb\tvb\n");
    assertThat(run("scan", "--db", db, "--from", "b", "--to", "d", "--limit", "5").expect(0).out())
        .isEqualTo("b\tvb\nc\tvc\n");
    assertThat(run("scan", "--db", db, "--reverse", "--limit", "2").expect(0).out())
        .isEqualTo("e\tve\nd\tvd\n");
  }

  /** Before the fix: "Unmatched argument at index 0: 'help'", exit 2. */
  @Test
  void help_listsCommandsAndExplainsOne() {
    assertThat(run("help").expect(0).out()).contains("load").contains("verify").contains("shell");
    assertThat(run("help", "load").expect(0).out()).contains("--format").contains("--create");
  }

  /**
   * Before the fix: stderr of a load got the progress bar anyway, "\r" and ANSI colour escapes
   * ("\u001b[33m") on every update, although it was a pipe.
   */
  @Test
  void progressBar_writesNoEscapesToANonTerminal() throws Exception {
    Path input = tmp.resolve("in.txt");
    Files.writeString(input, "a\t1\nb\t2\n");
    String db = emptyDb().toString();
    for (CliProcess.Result r :
        List.of(
            run("load", "--db", db, input.toString()).expect(0),
            run("compact", "--db", db).expect(0),
            run("verify", "--db", db).expect(0))) {
      assertThat(r.err()).doesNotContain("\u001b").doesNotContain("\r");
      assertThat(r.out()).doesNotContain("\u001b").doesNotContain("\r");
    }
  }

  /**
   * Before the fix: "strata: Input length = 1", naming neither the file nor the line, nor what
   * was loaded before it.
   */
  @Test
  void errors_sayWhatFailedAndWhere() throws Exception {
    Path input = tmp.resolve("in.txt");
    Files.write(input, new byte[] {'a', '\t', '1', '\n', 'b', '\t', (byte) 0xC3, '(', '\n'});
    CliProcess.Result r = run("load", "--db", emptyDb().toString(), input.toString()).expect(1);
    assertThat(r.err())
        .isEqualTo(
            "strata: "
                + input
                + ":2: not valid UTF-8 at byte 3 of the line; text input must be UTF-8 (give other"
                + " bytes as \\xHH escapes in the dump format, or everything in hex with --hex);"
                + " the 1 rows before line 2 are committed and durable, nothing from it on was"
                + " loaded\n");
    assertThat(run("get", "--db", tmp.resolve("db").toString(), "a").expect(0).out())
        .isEqualTo("1\n");
  }

  /**
   * Before the fix: wal-dump of a short file printed "0 records, torn tail at 0" with exit 0, of a
   * longer text file "corruption in notes.txt at offset 0", and of a manifest "strata: Index 8 out
   * of bounds for length 3"; manifest-dump of a WAL printed its records as edits.
   */
  @Test
  void walAndManifestDump_refuseOtherFiles() throws Exception {
    Path db = dbWith("a", "b");
    Path text = tmp.resolve("notes.txt");
    Files.writeString(text, "this is not a log at all, just some text\n");
    Path manifest = DbFixtures.lastFile(db, "MANIFEST-");
    Path wal = DbFixtures.lastFile(db, ".log");

    Path tiny = tmp.resolve("tiny.log");
    Files.writeString(tiny, "abc");
    assertThat(run("wal-dump", tiny.toString()).expect(1).err())
        .isEqualTo("strata: " + tiny + " is not a write-ahead log: it holds no complete log"
            + " record\n");
    assertThat(run("wal-dump", text.toString()).expect(1).err())
        .contains(text + " is not a write-ahead log");
    assertThat(run("wal-dump", manifest.toString()).expect(1).err())
        .contains(manifest + " is not a write-ahead log").contains("manifest-dump");
    assertThat(run("manifest-dump", text.toString()).expect(1).err())
        .contains(text + " is not a manifest");
    assertThat(run("manifest-dump", wal.toString()).expect(1).err())
        .contains(wal + " is not a manifest").contains("wal-dump");

    assertThat(run("wal-dump", wal.toString()).expect(0).out())
        .contains("VALUE a va")
        .endsWith("2 records\n");
    assertThat(run("manifest-dump", manifest.toString()).expect(0).out()).endsWith("2 edits\n");
  }
}
