package dev.strata.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ResultTableTest {
  private static BenchResult result(String engine, long maxLevel0, long stallMicros) {
    return new BenchResult(
        engine, "fillrandom", 2, 1000, 16, 100, 1, 1000, 0, -1, 5000, 5000, 5000, 0, 0.55, 3.0,
        40.0, 900.0, 1200.0, 0.2, 4 << 20, maxLevel0 < 0 ? Double.NaN : 1.25, maxLevel0,
        stallMicros, stallMicros < 0 ? -1 : 3, 100 << 20, 50 << 20, false, Map.of("k", "v"));
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
