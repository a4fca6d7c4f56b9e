package dev.strata.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.bench.keys.ValueKind;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ResultTableTest {
  private static BenchResult result(String engine, long maxLevel0, long stallMicros) {
    return new BenchResult(
        engine, "fillrandom", 2, 1000, 16, 100, ValueKind.HALF, CacheState.WARM, 1, 1000, 0, -1,
        5000, 5000, 5000, 0, 0.55, 3.0, 40.0, 900.0, 1200.0, 0.2, 4 << 20,
        maxLevel0 < 0 ? Double.NaN : 1.25, maxLevel0, stallMicros, stallMicros < 0 ? -1 : 3, 100 << 20, 50 << 20, false, Map.of("k", "v"));
  }

  private static BenchResult result(
      String engine, int valueSize, CacheState cache, double opsPerSec, double p99) {
    return new BenchResult(
        engine, "readrandom", 2, 1000, 16, valueSize, ValueKind.HALF, cache, 1, 1000, 1000, 1000,
        opsPerSec, opsPerSec, opsPerSec, 0, 1.0, 3.0, p99, 2 * p99, 3 * p99, 0.2, 1 << 20,
        Double.NaN, -1, -1, -1, 100 << 20, 50 << 20, false, Map.of());
  }

  /** The cells of each table row under the header named {@code column}. */
  private static List<String> column(String table, String column) {
    List<String> lines = table.lines().dropWhile(l -> !l.startsWith("engine")).toList();
    String header = lines.get(0);
    int end = header.indexOf(column) + column.length();
    return lines.stream().skip(1)
        .map(l -> {
          String upToColumn = l.substring(0, end);
          return upToColumn.substring(upToColumn.lastIndexOf(' ') + 1);
        })
        .toList();
  }

  @Test
  void print_level0AndStalls_areColumnsWithNotApplicableWhereUnknown() {
    StringWriter out = new StringWriter();
    List<BenchResult> results = List.of(
        result("strata", 7, 12_345_600), result("rocksdb", 4, 2_500), result("leveldb", -1, -1),
        result("skiplist-map", -1, -1));

    ResultTable.print(results, new PrintWriter(out, true));

    String table = out.toString();
    assertThat(table).contains("max L0").contains("stall ms");
    assertThat(column(table, "max L0")).containsExactly("7", "4", "n/a", "n/a");
    assertThat(column(table, "stall ms")).containsExactly("12,346", "2.5", "n/a", "n/a");
  }

  @Test
  void print_severalValueSizes_ratiosComparedPerSize() {
    StringWriter out = new StringWriter();
    List<BenchResult> results = List.of(
        result("strata", 100, CacheState.WARM, 300, 10), result("strata", 1024, CacheState.WARM,
            100, 40),
        result("rocksdb", 100, CacheState.WARM, 200, 20), result("rocksdb", 1024, CacheState.WARM,
            400, 20));

    ResultTable.print(results, new PrintWriter(out, true));

    String table = out.toString();
    assertThat(column(table, "value B")).containsExactly("100", "1024", "100", "1024");
    assertThat(column(table, "ops/s vs rocksdb"))
        .containsExactly("1.50x", "0.25x", "1.00x", "1.00x");
    assertThat(column(table, "p99 vs rocksdb")).containsExactly("0.50x", "2.00x", "1.00x", "1.00x");
  }

  @Test
  void print_warmAndDroppedRows_comparedWithinTheirCacheState() {
    StringWriter out = new StringWriter();
    List<BenchResult> results = List.of(
        result("strata", 1024, CacheState.WARM, 300, 10),
        result("strata", 1024, CacheState.DROPPED, 30, 1000),
        result("rocksdb", 1024, CacheState.WARM, 150, 10),
        result("rocksdb", 1024, CacheState.DROPPED, 60, 500));

    ResultTable.print(results, new PrintWriter(out, true));

    String table = out.toString();
    assertThat(column(table, "ops/s vs rocksdb"))
        .containsExactly("2.00x", "0.50x", "1.00x", "1.00x");
    assertThat(column(table, "p99 vs rocksdb")).containsExactly("1.00x", "2.00x", "1.00x", "1.00x");
    assertThat(ResultTable.baseline(results, results.get(1))).contains(results.get(3));
    assertThat(table.lines().filter(l -> l.startsWith("strata")))
        .satisfiesExactly(l -> assertThat(l).contains(" warm "),
            l -> assertThat(l).contains(" dropped "));
  }

  @Test
  void print_p999AndMax_shownForEveryRow() {
    StringWriter out = new StringWriter();
    List<BenchResult> results = List.of(
        result("strata", 100, CacheState.WARM, 300, 10),
        result("rocksdb", 4096, CacheState.NOT_DROPPED, 200, 300));

    ResultTable.print(results, new PrintWriter(out, true));

    String table = out.toString();
    assertThat(column(table, "p99.9 us")).containsExactly("20.0", "600");
    assertThat(column(table, "max us")).containsExactly("30.0", "900");
    assertThat(ResultTable.line(results.get(1)))
        .contains("t=2", "v=4096", "not dropped", "p99.9 600", "max 900 us");
  }

  @Test
  void jsonLine_carriesValueSizeKindCacheAndTailLatencies() throws Exception {
    BenchResult r = new BenchResult(
        "strata", "ycsb-a", 2, 1000, 16, 4096, ValueKind.YCSB, CacheState.DROPPED, 1, 1000, 900,
        1000, 500, 500, 500, 0, 1.0, 3.0, 40, 900, 1200, 0.2, 1 << 20, Double.NaN, -1, -1, -1,
        100 << 20, 50 << 20, true, Map.of());

    String line = JsonLines.toLine(r);

    assertThat(line).contains("\"valueSize\":4096", "\"valueKind\":\"ycsb\"",
        "\"cache\":\"dropped\"", "\"p999Micros\":900.0", "\"maxMicros\":1200.0");
    assertThat(JsonLines.fromLine(line)).isEqualTo(r);
    BenchResult old = JsonLines.fromLine(line.replace("\"valueKind\":\"ycsb\",", "")
        .replace("\"cache\":\"dropped\",", ""));
    assertThat(old.valueKind()).isEqualTo(ValueKind.HALF);
    assertThat(old.cache()).isEqualTo(CacheState.WARM);
  }

  @Test
  void cells_zeroStallsAndLevel0_areNumbersNotUnknown() {
    BenchResult r = result("rocksdb", 0, 0);

    assertThat(ResultTable.maxLevel0(r)).isEqualTo("0");
    assertThat(ResultTable.stallMillis(r)).isEqualTo("0.0");
  }

  @Test
  void align_rightAlignsNumbers() {
    String s = ResultTable.align(Arrays.asList(
        new String[] {"engine", "workload", "max L0"}, new String[] {"rocksdb", "fill", "12"}));

    assertThat(s.lines()).containsExactly("engine   workload  max L0", "rocksdb  fill          12");
  }
}
