package dev.strata.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.ColumnFamilyHandle;
import dev.strata.ColumnFamilyOptions;
import dev.strata.Options;
import dev.strata.StrataDB;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StatsWatchTest {
  @TempDir Path tmp;

  private static StatsSample sample(double seconds, long written, long read, long hits, long misses) {
    return new StatsSample(
        (long) (seconds * 1e9),
        Map.of(
            "strata.keys.written", written,
            "strata.keys.read", read,
            "strata.bytes.written", written * 100,
            "strata.bytes.read", read * 10,
            "strata.stall.count", 3L,
            "strata.block.cache.data.hit", hits,
            "strata.block.cache.data.miss", misses),
        4096,
        "NORMAL");
  }

  @Test
  void row_ratesOverTheInterval() {
    String row =
        StatsWatch.row(sample(1, 1000, 50, 10, 10), sample(3, 5000, 250, 40, 20), 2_000_000_000L);
    assertThat(row.trim().split("\\s+"))
        .containsExactly("2.0s", "2000", "100", "200000", "1000", "0", "75.0", "4096", "NORMAL");
  }

  @Test
  void row_unknownFiguresPrintAsDashes() {
    StatsSample a = new StatsSample(0, Map.of("strata.keys.written", 10L), -1, "?");
    StatsSample b = new StatsSample(1_000_000_000L, Map.of("strata.keys.written", 30L), -1, "?");
    assertThat(StatsWatch.row(a, b, 1_000_000_000L).trim().split("\\s+"))
        .containsExactly("1.0s", "20", "-", "-", "-", "-", "-", "-", "?");
  }

  private static String[] run(String... args) {
    StringWriter out = new StringWriter();
    int code = StrataCli.run(args, new PrintWriter(out, true), new PrintWriter(new StringWriter(), true));
    assertThat(code).isZero();
    return out.toString().split("\\R");
  }

  @Test
  void watch_throughLocalJmx_printsHeaderAndRowsOfTheRunningDatabase() throws Exception {
    String name = "watch-" + UUID.randomUUID();
    Path dir = tmp.resolve("db");
    try (StrataDB db = StrataDB.open(dir, Options.builder().name(name).build())) {
      // The bean registers in the background after the open.
      assertThat(((dev.strata.engine.DbImpl) db).awaitJmxRegistrationForTesting()).isNotNull();
      for (int i = 0; i < 10; i++) {
        db.put(("k" + i).getBytes(), new byte[10]);
      }
      String[] lines =
          run("stats", "--db", dir.toString(), "--jmx", "local", "--name", name, "--watch", "0.05", "--count", "2");
      assertThat(lines).hasSize(3);
      assertThat(lines[0]).isEqualTo(StatsWatch.HEADER);
      for (int i = 1; i < 3; i++) {
        String[] cols = lines[i].trim().split("\\s+");
        assertThat(cols).hasSize(9);
        assertThat(cols[1]).isEqualTo("0"); // no writes while watching
        assertThat(cols[7]).isEqualTo("0");
        assertThat(cols[8]).isEqualTo("NORMAL");
      }

      String json = String.join("\n", run("stats", "--db", dir.toString(), "--json", "--jmx", "local", "--name", name));
      assertThat(json).contains("\"source\":\"jmx\"").contains("\"strata.keys.written\":10");
    }
  }

  @Test
  void watch_fromTheFiles_printsWritesOnly() {
    Path dir = tmp.resolve("db");
    try (StrataDB db = StrataDB.open(dir, Options.builder().jmx(false).build())) {
      db.put("k".getBytes(), "v".getBytes());
    }
    String[] lines = run("stats", "--db", dir.toString(), "--watch", "0.05", "--count", "1");
    assertThat(lines).hasSize(2);
    assertThat(lines[1].trim().split("\\s+"))
        .containsExactly(lines[1].trim().split("\\s+")[0], "0", "-", "-", "-", "-", "-", "0", "?");
  }

  @Test
  void watch_fromTheFiles_countsPendingCompactionOfEveryColumnFamily() {
    Path dir = tmp.resolve("db");
    long pending;
    try (StrataDB db =
        StrataDB.open(dir, Options.builder().jmx(false).backgroundCompaction(false).build())) {
      ColumnFamilyHandle a = db.createColumnFamily("a", ColumnFamilyOptions.defaults());
      // Level-0 files past the default trigger, in family "a" only.
      for (int i = 0; i < 6; i++) {
        db.put(a, ("k" + i).getBytes(), new byte[1000]);
        db.flush(a);
      }
      assertThat(db.getProperty("strata.estimate-pending-compaction-bytes")).isEqualTo("0");
      pending = db.getAggregatedLongProperty("strata.estimate-pending-compaction-bytes");
      assertThat(pending).isPositive();
    }
    String[] lines = run("stats", "--db", dir.toString(), "--watch", "0.05", "--count", "1");
    assertThat(lines).hasSize(2);
    String[] row = lines[1].trim().split("\\s+");
    assertThat(row[row.length - 2]).isEqualTo(Long.toString(pending));
  }
}
