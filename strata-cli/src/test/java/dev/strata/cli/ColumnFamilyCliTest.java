package dev.strata.cli;

import static dev.strata.cli.CliResult.run;
import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.ColumnFamilyHandle;
import dev.strata.ColumnFamilyOptions;
import dev.strata.StrataDB;
import dev.strata.WriteBatch;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --cf} on the database commands, and {@code list-cf}, {@code create-cf}, {@code drop-cf}:
 * every command works on the family it names and leaves the others alone; an unknown family is an
 * error naming the families there are; {@code verify}, {@code wal-dump} and {@code checkpoint}
 * handle a database with families whole.
 */
class ColumnFamilyCliTest {
  @TempDir Path tmp;

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static CliResult ok(String... args) {
    CliResult r = run(args);
    assertThat(r.code()).as("%s: %s", String.join(" ", args), r.err()).isZero();
    return r;
  }

  @Test
  void everyDatabaseCommand_worksOnTheFamilyItNames() throws IOException {
    String db = tmp.resolve("db").toString();
    ok("put", "--db", db, "--create", "k", "default-value");
    assertThat(ok("create-cf", "--db", db, "users").out()).contains("created column family users");
    assertThat(ok("list-cf", "--db", db).out().lines()).containsExactly("default", "users");
    ok("put", "--db", db, "--cf", "users", "k", "user-value");
    ok("put", "--db", db, "--cf", "users", "k2", "v2");
    ok("put", "--db", db, "--cf", "users", "gone", "x");
    ok("delete", "--db", db, "--cf", "users", "gone");
    assertThat(ok("get", "--db", db, "--cf", "users", "k").out().strip()).isEqualTo("user-value");
    assertThat(ok("get", "--db", db, "k").out().strip()).isEqualTo("default-value");
    assertThat(ok("get", "--db", db, "--cf", "default", "k").out().strip()).isEqualTo("default-value");
    assertThat(ok("get", "--db", db, "--cf", "users", "k", "k2").out())
        .contains("k\tuser-value").contains("k2\tv2");
    assertThat(ok("scan", "--db", db, "--cf", "users").out().lines())
        .containsExactly("k\tuser-value", "k2\tv2");
    assertThat(ok("scan", "--db", db).out().lines()).containsExactly("k\tdefault-value");
    ok("merge", "--db", db, "--cf", "users", "--merge-operator", "stringappend", "list", "a");
    ok("merge", "--db", db, "--cf", "users", "--merge-operator", "stringappend", "list", "b");
    assertThat(ok("get", "--db", db, "--cf", "users", "--merge-operator", "stringappend", "list")
            .out().strip()).isEqualTo("a,b");
    ok("delete-range", "--db", db, "--cf", "users", "--merge-operator", "stringappend", "l", "m");
    ok("compact", "--db", db, "--cf", "users");
    // dump and load move a family's keys, and only them.
    Path dump = tmp.resolve("users.dump");
    Files.writeString(dump, ok("dump", "--db", db, "--cf", "users").out());
    ok("create-cf", "--db", db, "copy");
    ok("load", "--db", db, "--cf", "copy", dump.toString());
    assertThat(ok("scan", "--db", db, "--cf", "copy").out().lines())
        .containsExactly("k\tuser-value", "k2\tv2");
    ok("create-cf", "--db", db, "bulk");
    ok("load", "--db", db, "--cf", "bulk", "--sst", dump.toString());
    assertThat(ok("scan", "--db", db, "--cf", "bulk").out().lines())
        .containsExactly("k\tuser-value", "k2\tv2");
    assertThat(ok("stats", "--db", db, "--cf", "bulk").out()).isNotEmpty();
    assertThat(ok("scan", "--db", db).out().lines()).containsExactly("k\tdefault-value");
    // An unknown family names the ones there are.
    CliResult unknown = run("get", "--db", db, "--cf", "nope", "k");
    assertThat(unknown.code()).isNotZero();
    assertThat(unknown.err()).contains("no column family 'nope'").contains("users");
    CliResult twice = run("create-cf", "--db", db, "users");
    assertThat(twice.code()).isNotZero();
    assertThat(twice.err()).contains("exists");
    assertThat(ok("drop-cf", "--db", db, "copy").out()).contains("dropped column family copy");
    assertThat(ok("list-cf", "--db", db).out().lines()).containsExactly("default", "users", "bulk");
    CliResult dropped = run("scan", "--db", db, "--cf", "copy");
    assertThat(dropped.code()).isNotZero();
    CliResult dropDefault = run("drop-cf", "--db", db, "default");
    assertThat(dropDefault.code()).isNotZero();
    assertThat(dropDefault.err()).contains("default column family cannot be dropped");
  }

  @Test
  void verify_walDump_andCheckpoint_handleEveryFamily() throws IOException {
    Path db = tmp.resolve("db");
    // The close leaves the last writes in the WAL, for wal-dump to show.
    try (StrataDB d =
        StrataDB.open(db, dev.strata.Options.builder().flushOnClose(false).build())) {
      ColumnFamilyHandle a = d.createColumnFamily("a", ColumnFamilyOptions.defaults());
      for (int i = 0; i < 200; i++) {
        d.write(new WriteBatch().put(a, b("k" + i), b("a")).put(b("k" + i), b("d")));
      }
      d.flush(a);
      d.put(a, b("in-wal"), b("w"));
      ColumnFamilyHandle gone = d.createColumnFamily("gone", ColumnFamilyOptions.defaults());
      d.put(gone, b("x"), b("y"));
      d.flush(gone);
      // An iterator keeps the dropped family's directory past the drop until the database closes.
      try (var it = d.newIterator(gone)) {
        d.dropColumnFamily(gone);
      }
    }
    CliResult verify = run("verify", "--db", db.toString());
    assertThat(verify.code()).as(verify.out() + verify.err()).isZero();
    assertThat(verify.out()).contains("ok:");
    Path wal;
    try (var files = Files.list(db)) {
      wal = files.filter(p -> p.toString().endsWith(".log")).sorted().findFirst().orElseThrow();
    }
    // Opened and closed since the writes: they are in tables now, the WAL is fresh; write one,
    // left in the WAL by the close.
    try (StrataDB d =
        StrataDB.open(db, dev.strata.Options.builder().flushOnClose(false).build())) {
      d.put(d.columnFamily("a"), b("logged"), b("l"));
    }
    try (var files = Files.list(db)) {
      wal = files.filter(p -> p.toString().endsWith(".log")).sorted().reduce((x, y) -> y).orElseThrow();
    }
    assertThat(ok("wal-dump", wal.toString()).out()).contains(" cf ").contains("logged");
    // A table of the family, damaged: verify names it under the family's directory.
    Path table;
    int id;
    try (StrataDB d = StrataDB.open(db)) {
      id = d.columnFamily("a").id();
    }
    try (var files = Files.list(db.resolve("cf-" + id))) {
      table = files.filter(p -> p.toString().endsWith(".sst")).findFirst().orElseThrow();
    }
    CliResult refused = run("checkpoint", "--db", db.toString(), "--cf", "a", tmp.resolve("cp").toString());
    assertThat(refused.code()).isNotZero();
    assertThat(refused.err()).contains("every column family");
    ok("checkpoint", "--db", db.toString(), tmp.resolve("cp").toString());
    assertThat(ok("list-cf", "--db", tmp.resolve("cp").toString()).out().lines())
        .containsExactly("default", "a");
    assertThat(ok("get", "--db", tmp.resolve("cp").toString(), "--cf", "a", "logged").out().strip())
        .isEqualTo("l");
    byte[] bytes = Files.readAllBytes(table);
    bytes[10] ^= 0x40;
    Files.write(table, bytes);
    CliResult damaged = run("verify", "--db", db.toString());
    assertThat(damaged.code()).isNotZero();
    assertThat(damaged.out()).contains("cf-" + id + "/" + table.getFileName());
  }

  /** The shell took --cf and then worked on the default family; every line now uses the one named. */
  @Test
  void shell_worksOnTheFamilyItNames() throws IOException {
    String db = tmp.resolve("db").toString();
    ok("put", "--db", db, "--create", "k", "default-value");
    ok("create-cf", "--db", db, "users");
    Shell shell = new Shell();
    new picocli.CommandLine(shell)
        .parseArgs("--db", db, "--cf", "users", "--merge-operator", "stringappend");
    try (StrataDB d = shell.open()) {
      assertThat(shellLine(shell, d, "get k")).isEqualTo("(not found)");
      assertThat(shellLine(shell, d, "put k user-value")).isEqualTo("ok");
      assertThat(shellLine(shell, d, "put gone x")).isEqualTo("ok");
      assertThat(shellLine(shell, d, "delete gone")).isEqualTo("ok");
      assertThat(shellLine(shell, d, "merge list a")).isEqualTo("ok");
      assertThat(shellLine(shell, d, "merge list b")).isEqualTo("ok");
      assertThat(shellLine(shell, d, "get list")).isEqualTo("a,b");
      assertThat(shellLine(shell, d, "put r1 x")).isEqualTo("ok");
      assertThat(shellLine(shell, d, "delete-range r r9")).isEqualTo("ok");
      assertThat(shellLine(shell, d, "scan")).isEqualTo("k\tuser-value\nlist\ta,b");
      assertThat(shellLine(shell, d, "stats")).isNotEmpty();
    }
    assertThat(ok("get", "--db", db, "k").out().strip()).isEqualTo("default-value");
    assertThat(ok("scan", "--db", db, "--cf", "users", "--merge-operator", "stringappend")
            .out().lines())
        .containsExactly("k\tuser-value", "list\ta,b");

    Shell unknown = new Shell();
    new picocli.CommandLine(unknown).parseArgs("--db", db, "--cf", "nope");
    try (StrataDB d = unknown.open()) {
      assertThat(shellLine(unknown, d, "get k"))
          .isEqualTo("error: no column family 'nope' in " + db + " (it has: default, users)");
    }
  }

  private static String shellLine(Shell shell, StrataDB db, String line) {
    java.io.StringWriter out = new java.io.StringWriter();
    shell.execute(db, line, new java.io.PrintWriter(out, true));
    return out.toString().trim().replace(System.lineSeparator(), "\n");
  }
}
