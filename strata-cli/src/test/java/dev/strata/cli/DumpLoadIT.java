package dev.strata.cli;

import static dev.strata.cli.CliProcess.run;
import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.DBIterator;
import dev.strata.StrataDB;
import dev.strata.WriteBatch;
import dev.strata.WriteOptions;
import dev.strata.util.Bytes;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.NavigableMap;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** dump and load through the jar: lossless round trips, input formats, errors with lines. */
class DumpLoadIT {
  @TempDir Path tmp;

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static NavigableMap<byte[], byte[]> contents(Path db) {
    NavigableMap<byte[], byte[]> out = new TreeMap<>(Bytes.COMPARATOR);
    try (StrataDB d = StrataDB.open(db);
        DBIterator it = d.newIterator()) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        out.put(it.key(), it.value());
      }
    }
    return out;
  }

  /** An empty database, created in this JVM (so that the command needs no --create). */
  private Path emptyDb(String name) {
    Path db = tmp.resolve(name);
    StrataDB.open(db).close();
    return db;
  }

  private static List<String> entries(NavigableMap<byte[], byte[]> m) {
    List<String> out = new ArrayList<>();
    m.forEach((k, v) -> out.add(Bytes.toHex(k, 1 << 20) + "=" + Bytes.toHex(v, 1 << 20)));
    return out;
  }

  /** Random bytes biased to the ones text formats break on. */
  private static byte[] nasty(Random rnd, int maxLen) {
    byte[] special = {
      '\t', '\n', '\r', '\\', 'x', ',', '"', 0, 0x7F, (byte) 0x80, (byte) 0xC3, (byte) 0xA9,
      (byte) 0xEF, (byte) 0xBB, (byte) 0xBF, (byte) 0xFF, (byte) 0xE2, (byte) 0x80, (byte) 0xA8
    };
    byte[] out = new byte[rnd.nextInt(maxLen + 1)];
    for (int i = 0; i < out.length; i++) {
      out[i] = rnd.nextBoolean() ? special[rnd.nextInt(special.length)] : (byte) rnd.nextInt(256);
    }
    return out;
  }

  /**
   * Defect 5: dump then load restores exactly the bytes, for keys and values full of tabs,
   * newlines, backslashes, invalid UTF-8, byte-order marks and separators. Before the fix the
   * dump wrote raw bytes as text: load (with its default format) then failed or stored other
   * bytes: keys split at their tab, lines broken at newlines, invalid UTF-8 became U+FFFD.
   */
  @Test
  void dumpThenLoad_roundTripsAnyBytes() throws Exception {
    long seed = Long.getLong("strata.seed", System.nanoTime());
    System.out.println("dumpThenLoad_roundTripsAnyBytes seed " + seed + " (-Dstrata.seed=)");
    Random rnd = new Random(seed);
    Path source = tmp.resolve("source");
    NavigableMap<byte[], byte[]> want = new TreeMap<>(Bytes.COMPARATOR);
    try (StrataDB d = StrataDB.open(source)) {
      WriteBatch batch = new WriteBatch();
      for (int i = 0; i < 2000; i++) {
        byte[] k = nasty(rnd, 24);
        byte[] v = i % 10 == 0 ? new byte[0] : nasty(rnd, 200);
        batch.put(k, v);
        want.put(k, v);
      }
      batch.put(b("plain é ✓ 😀"), b("text\tvalue"));
      want.put(b("plain é ✓ 😀"), b("text\tvalue"));
      d.write(batch, WriteOptions.SYNC);
    }
    Path dump = tmp.resolve("dump.txt");
    CliProcess.Result dumped = run("dump", "--db", source.toString(), "-o", dump.toString());
    byte[] stdout = run("dump", "--db", source.toString()).expect(0).stdoutBytes();
    assertThat(stdout).isEqualTo(Files.readAllBytes(dump));

    Path copy = emptyDb("copy");
    CliProcess.Result loaded = run("load", "--db", copy.toString(), dump.toString());
    assertThat(entries(contents(copy))).as(loaded.err()).isEqualTo(entries(want));
    assertThat(dumped.expect(0).out())
        .isEqualTo("dumped " + want.size() + " entries to " + dump + "\n");
    assertThat(loaded.expect(0).out())
        .isEqualTo("loaded " + want.size() + " rows from " + dump
            + "; all committed and durable\n");
    assertThat(new String(stdout, StandardCharsets.UTF_8)).contains("plain é ✓ 😀\ttext\\tvalue\n");

    Path hexDump = tmp.resolve("dump.hex");
    run("dump", "--db", source.toString(), "--hex", "-o", hexDump.toString()).expect(0);
    Path hexCopy = emptyDb("hexcopy");
    run("load", "--db", hexCopy.toString(), "--hex", hexDump.toString()).expect(0);
    assertThat(entries(contents(hexCopy))).isEqualTo(entries(want));
  }

  /**
   * A dump cut short (a full disk, an interrupted copy) is refused at its last line. Before the
   * fix: "loaded 3 entries", exit 0.
   */
  @Test
  void load_ofACutDump_refusesTheCutLine() throws Exception {
    Path dump = tmp.resolve("dump.txt");
    Files.writeString(dump, "a\t1\nb\t2\nc\t3");
    CliProcess.Result r = run("load", "--db", emptyDb("db").toString(), dump.toString()).expect(1);
    assertThat(r.err()).isEqualTo("strata: " + dump + ":3: the last line has no newline: the file"
        + " is cut short; the 2 rows before line 3 are committed and durable, nothing from it on"
        + " was loaded\n");
  }

  /**
   * Defect 6, the good cases: CSV with a byte-order mark, a header, quoted fields holding the
   * delimiter, quotes and a newline; TSV the same. Before the fix there was no --format (exit 2
   * here); the same file loaded without it stored the header as the row "\uFEFFkey" -> "value\r",
   * split "k,1" at its comma into the key "\"k", and stopped at the quoted newline's second
   * line ("no tab or comma separator") with those rows kept.
   */
  @Test
  void load_csvAndTsv_parseQuotingHeaderAndBom() throws Exception {
    Path csv = tmp.resolve("in.csv");
    Files.write(csv, concat(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF},
        b("key,value\r\n\"k,1\",\"say \"\"hi\"\"\"\r\nk2,\"two\nlines\"\r\n ,  spaced \r\n")));
    String db = tmp.resolve("db").toString();
    assertThat(run("load", "--db", db, "--create", "--format", "csv", "--header", csv.toString())
        .expect(0).out()).startsWith("loaded 3 rows");
    assertThat(run("scan", "--db", db).expect(0).out())
        .isEqualTo(" \t  spaced \nk,1\tsay \"hi\"\nk2\ttwo\\nlines\n");

    Path tsv = tmp.resolve("in.tsv");
    Files.writeString(tsv, "t1\t\"a\tb\"\nt2\tplain, with comma\n");
    run("load", "--db", db, "--format", "tsv", tsv.toString()).expect(0);
    assertThat(run("get", "--db", db, "t1").expect(0).out()).isEqualTo("a\\tb\n");
    assertThat(run("get", "--db", db, "t2").expect(0).out()).isEqualTo("plain, with comma\n");
  }

  private static byte[] concat(byte[] a, byte[] c) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(a);
    out.writeBytes(c);
    return out.toByteArray();
  }

  /**
   * Defect 6: an extra column stops the load at its line; the rows before it are committed.
   * Before the fix (no --format: exit 2 here) the same file loaded "c" -> "3,extra", exit 0.
   */
  @Test
  void load_csvExtraColumn_stopsAtItsLine() throws Exception {
    Path csv = tmp.resolve("in.csv");
    Files.writeString(csv, "a,1\nb,2\nc,3,extra\nd,4\n");
    String db = tmp.resolve("db").toString();
    CliProcess.Result r =
        run("load", "--db", db, "--create", "--format", "csv", csv.toString()).expect(1);
    assertThat(r.err()).isEqualTo("strata: " + csv + ":3: 3 fields, expected 2 (key, value); the 2"
        + " rows before line 3 are committed and durable, nothing from it on was loaded\n");
    assertThat(run("scan", "--db", db).expect(0).out()).isEqualTo("a\t1\nb\t2\n");

    Path unclosed = tmp.resolve("bad.csv");
    Files.writeString(unclosed, "a,1\nb,\"never closed\nc,3\n");
    assertThat(run("load", "--db", db, "--format", "csv", unclosed.toString()).expect(1).err())
        .startsWith("strata: " + unclosed + ":2: malformed CSV: ");
  }

  /**
   * Defect 6: JSON lines, good and cut. Before the fix (no --format: exit 2 here) each line was
   * split at its first comma, the cut one included, and loaded as garbage with exit 0:
   * "{\"key\": \"a\"" -> " \"value\": \"1\"}".
   */
  @Test
  void load_jsonLines_loadsObjectsAndStopsAtACutLine() throws Exception {
    Path jsonl = tmp.resolve("in.jsonl");
    Files.writeString(jsonl, """
        {"key": "a", "value": "tab\\there \\u00e9"}

        {"value": "2", "key": "b, with comma"}
        {"key": "c", "value": "cut
        {"key": "d", "value": "4"}
        """);
    String db = tmp.resolve("db").toString();
    CliProcess.Result r =
        run("load", "--db", db, "--create", "--format", "jsonl", jsonl.toString()).expect(1);
    assertThat(r.err()).startsWith("strata: " + jsonl + ":4: malformed JSON at column ")
        .endsWith("; the 2 rows before line 4 are committed and durable, nothing from it on was"
            + " loaded\n");
    assertThat(run("scan", "--db", db).expect(0).out())
        .isEqualTo("a\ttab\\there é\nb, with comma\t2\n");

    Path others = tmp.resolve("others.jsonl");
    for (String[] bad :
        new String[][] {
          {"{\"key\": \"k\", \"value\": 1}", "\"value\" is number, expected a string"},
          {"{\"key\": \"k\", \"value\": \"v\", \"ttl\": 5}", "unknown member \"ttl\""},
          {"{\"key\": \"k\"}", "missing member \"value\""},
          {"{\"key\": \"k\", \"value\": \"v\"} trailing", "malformed JSON"},
          {"{\"key\": \"\\ud800\", \"value\": \"v\"}", "key is not valid Unicode text"},
        }) {
      Files.writeString(others, bad[0] + "\n");
      assertThat(run("load", "--db", db, "--format", "jsonl", others.toString()).expect(1).err())
          .as(bad[0])
          .startsWith("strata: " + others + ":1: ")
          .contains(bad[1]);
    }
  }

  /**
   * Defect 2's report: a load whose row count is a multiple of the batch size (1000) says how
   * many rows it committed, and they are there. That they survive a power loss is
   * LoadDurabilityTest's. Before the fix: "loaded 2000 entries", with nothing forced.
   */
  @Test
  void load_multipleOfBatchSize_reportsEveryRow() throws Exception {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 2000; i++) {
      sb.append(String.format("k%05d\tv%d\n", i, i));
    }
    Path input = tmp.resolve("in.txt");
    Files.writeString(input, sb);
    Path db = emptyDb("db");
    assertThat(run("load", "--db", db.toString(), input.toString()).expect(0).out())
        .isEqualTo("loaded 2000 rows from " + input + "; all committed and durable\n");
    assertThat(contents(db)).hasSize(2000);
  }

  /**
   * Defect 8. Before the fix, under LC_ALL=C the launcher decoded every non-ASCII byte of the
   * arguments as U+FFFD and the key was stored as ef bf bd ...; invalid UTF-8 was stored the same
   * way under any locale.
   */
  @Test
  void arguments_areUtf8_underAnyLocale() {
    String db = tmp.resolve("db").toString();
    CliProcess.strata("put", "--db", db, "--create", "ключ", "значение ✓")
        .env("LC_ALL", "C")
        .run()
        .expect(0);
    assertThat(CliProcess.strata("get", "--db", db, "--hex", ByteText.toHex(b("ключ")))
        .env("LC_ALL", "C.UTF-8")
        .run()
        .expect(0)
        .out())
        .isEqualTo(ByteText.toHex(b("значение ✓")) + "\n");
    assertThat(CliProcess.strata("get", "--db", db, "ключ").env("LC_ALL", "C").run().expect(0)
        .out()).isEqualTo("значение ✓\n");

    // Raw bytes that are not UTF-8 cannot pass through a Java String: the shell makes them.
    CliProcess.Result invalid =
        CliProcess.shell("exec $STRATA put --db '" + db + "' \"$(printf 'k\\377')\" v")
            .env("LC_ALL", "C.UTF-8")
            .run()
            .expect(2);
    assertThat(invalid.err()).contains("argument 4 is not valid UTF-8 (bytes 6bff)")
        .contains("--hex");
    assertThat(run("scan", "--db", db, "--hex").expect(0).out())
        .isEqualTo(ByteText.toHex(b("ключ")) + "\t" + ByteText.toHex(b("значение ✓")) + "\n");
  }
}
