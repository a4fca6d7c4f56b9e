package dev.strata.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.bench.keys.ValueKind;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The independent preset at smoke size, in this JVM, as the command line runs it: {@code
 * --preset independent --num 2000 --value-size 100,1024 --value-kind ycsb --warmup 0}. Every
 * workload phase of both engines must have a row at each value size, compared with RocksDB's row
 * of the same size, in the table, the JSON lines and the report.
 */
class ValueSizesSmokeTest {
  private static final long NUM = 2000;
  private static final List<Integer> SIZES = List.of(100, 1024);
  private static final List<String> PHASES =
      List.of("fillrandom", "readrandom", "readwhilewriting", "readwhilewriting:writer", "ycsb-a");

  @TempDir static Path tmp;

  private static int exitCode;
  private static List<BenchResult> results;
  private static String output;

  @BeforeAll
  static void run() {
    BenchCommand command = new BenchCommand();
    CommandLine cl = new CommandLine(command);
    StringWriter out = new StringWriter();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(out, true));
    exitCode = cl.execute("--preset", "independent", "--num", Long.toString(NUM),
        "--value-size", "100,1024", "--value-kind", "ycsb", "--warmup", "0", "--no-fork",
        "--no-progress", "--engine-options", "memtable-mb=1", "--db", tmp.resolve("db").toString(),
        "--json", tmp.resolve("results.jsonl").toString(), "--report",
        tmp.resolve("report").toString());
    results = command.results();
    output = out.toString();
  }

  private static BenchResult row(String engine, String phase, int size) {
    return results.stream()
        .filter(r -> r.engine().equals(engine) && r.workload().equals(phase)
            && r.valueSize() == size)
        .findFirst().orElseThrow(() -> new AssertionError(
            "no row " + engine + " " + phase + " " + size + "\n" + output));
  }

  @Test
  void run_succeeds_withThePresetsEnginesAndWorkloads() {
    assertThat(exitCode).as(output).isZero();
    assertThat(output).contains("# preset independent (").contains("values 100,1024 B (ycsb")
        .contains("warm-up 0;");
    assertThat(results).hasSize(2 * PHASES.size() * SIZES.size());
  }

  @Test
  void run_everyPhase_hasARowPerValueSize() {
    for (String engine : List.of("strata", "rocksdb")) {
      for (int size : SIZES) {
        for (String phase : PHASES) {
          BenchResult r = row(engine, phase, size);
          assertThat(r.ops()).as(engine + " " + phase + " " + size).isPositive();
          assertThat(r.valueKind()).isEqualTo(ValueKind.YCSB);
          assertThat(r.cache()).isEqualTo(CacheState.WARM);
          assertThat(r.p999Micros()).isPositive();
          assertThat(r.maxMicros()).isGreaterThanOrEqualTo(r.p999Micros());
        }
        assertThat(row(engine, "readrandom", size).found()).isEqualTo(NUM);
      }
    }
  }

  @Test
  void run_eachSize_writesValuesOfThatSize() {
    for (String engine : List.of("strata", "rocksdb")) {
      BenchResult small = row(engine, "fillrandom", 100);
      BenchResult large = row(engine, "fillrandom", 1024);
      // 2,000 x 1,040 B against 2,000 x 116 B, neither compressible.
      assertThat(large.diskBytes()).as(engine).isGreaterThan(4 * small.diskBytes());
      assertThat(row(engine, "readrandom", 1024).mibPerSec())
          .isGreaterThan(0);
    }
  }

  @Test
  void run_ratios_comparedWithRocksDbOfTheSameSize() {
    for (int size : SIZES) {
      for (String phase : PHASES) {
        assertThat(ResultTable.baseline(results, row("strata", phase, size)))
            .contains(row("rocksdb", phase, size));
      }
    }
    List<String> strataRows = output.lines()
        .filter(l -> l.startsWith("strata ") && l.contains("x  ")).toList();
    assertThat(strataRows).hasSize(PHASES.size() * SIZES.size());
  }

  @Test
  void run_jsonAndReport_carryTheValueSize() throws Exception {
    List<BenchResult> back = JsonLines.read(tmp.resolve("results.jsonl"));
    assertThat(back).isEqualTo(results);
    assertThat(back).extracting(BenchResult::valueSize).containsOnly(100, 1024);
    assertThat(Files.readString(tmp.resolve("results.jsonl")))
        .contains("\"valueKind\":\"ycsb\"", "\"p999Micros\"", "\"maxMicros\"");
    for (int size : SIZES) {
      assertThat(tmp.resolve("report/throughput-t2-v" + size + ".png")).exists();
      assertThat(tmp.resolve("report/latency-readrandom-t2-v" + size + ".png")).exists();
    }
    assertThat(Files.readString(tmp.resolve("report/index.html")))
        .contains("<th>value B</th>", "<th>cache</th>", "throughput-t2-v1024.png");
  }
}
