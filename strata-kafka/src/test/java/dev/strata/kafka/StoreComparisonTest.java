package dev.strata.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link StoreComparison} at a tiny size, so that the harness the measurement will use keeps
 * working: every store kind processes the whole input and restores every changelog record (caching
 * off: one changelog record per input record and store, two stores), every figure is there, and a
 * kind's own heap size reaches its JVM.
 */
class StoreComparisonTest {
  @TempDir Path dir;

  @Test
  void tinyComparison_reportsEveryFigureForEveryStoreKind() throws Exception {
    int records = 3_000;
    Map<String, String> options =
        StoreComparison.options(
            new String[] {"--records", String.valueOf(records), "--keys", "200", "--heap", "256m",
                "--heap-strata", "384m", "--kinds", "rocksdb,strata,inmemory", "--cache-bytes", String.valueOf(8 << 20), "--budget-bytes",
                String.valueOf(16 << 20), "--dir", dir.toString()});
    List<String> lines = StoreComparison.run(options);
    System.out.println(String.join("\n", lines));
    List<String> results = lines.stream().filter(l -> l.startsWith("RESULT ")).toList();
    assertThat(results).hasSize(3);
    for (String result : results) {
      Map<String, String> f = StoreComparison.fields(result);
      assertThat(f.get("records")).isEqualTo(String.valueOf(records));
      assertThat(Double.parseDouble(f.get("records_per_s"))).as(result).isPositive();
      assertThat(Long.parseLong(f.get("p99_us"))).as(result).isPositive();
      assertThat(Double.parseDouble(f.get("rss_peak_mib"))).as(result).isPositive();
      if (!f.get("kind").equals("inmemory")) {
        assertThat(Double.parseDouble(f.get("state_dir_mib"))).as(result).isPositive();
      }
      assertThat(Long.parseLong(f.get("restored_records"))).as(result).isEqualTo(2L * records);
    }
    assertThat(StoreComparison.fields(results.get(0)).get("kind")).isEqualTo("rocksdb");
    assertThat(StoreComparison.fields(results.get(1)).get("kind")).isEqualTo("strata");
    assertThat(StoreComparison.fields(results.get(2)).get("kind")).isEqualTo("inmemory");
    long rocksHeap = Long.parseLong(StoreComparison.fields(results.get(0)).get("max_heap_mib"));
    long strataHeap = Long.parseLong(StoreComparison.fields(results.get(1)).get("max_heap_mib"));
    assertThat(rocksHeap).isBetween(200L, 256L);
    assertThat(strataHeap).isBetween(320L, 384L);
    assertThat(lines).anyMatch(l -> l.startsWith("| strata | "));
  }
}
