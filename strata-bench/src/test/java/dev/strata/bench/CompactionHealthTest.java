package dev.strata.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.bench.engine.EngineOptions;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A fill that makes Strata and RocksDB flush, with {@code --stats}: 2,000 keys with 1,800-byte
 * values (about 3.5 MiB) through a 1 MiB memtable. Both engines hold at most two immutable
 * memtables (Strata) or one (RocksDB) beside the active one, so filling the fourth memtable waits
 * for a flush to finish: level 0 must have held a file during the session.
 */
class CompactionHealthTest {
  @TempDir static Path tmp;

  private static List<BenchResult> results;
  private static String output;
  private static BenchRunner runner;

  @BeforeAll
  static void fill() throws Exception {
    BenchConfig config = new BenchConfig(
        List.of("strata", "rocksdb"), List.of(Workload.FILLRANDOM), 2000, List.of(2), 16, 1800,
        tmp.resolve("db"), new EngineOptions(Map.of("memtable-mb", "1")), 301, 1, Warmup.NONE,
        false, null, null, false, true, null);
    StringWriter out = new StringWriter();
    runner = new BenchRunner(config, new PrintWriter(out, true));
    results = runner.run();
    output = out.toString();
  }

  private static BenchResult of(String engine) {
    return results.stream().filter(r -> r.engine().equals(engine)).findFirst().orElseThrow();
  }

  @Test
  void fill_bothEngines_succeed() {
    assertThat(runner.failures()).as(output).isEmpty();
    assertThat(results).hasSize(2);
  }

  @Test
  void fill_strata_reportsTheLevel0FilesItsFlushesMade() {
    assertThat(of("strata").maxLevel0Files()).as(output).isPositive();
    assertThat(of("strata").stallMicros()).isGreaterThanOrEqualTo(0);
    assertThat(of("strata").stallCount()).isGreaterThanOrEqualTo(0);
  }

  @Test
  void fill_rocksdb_reportsSampledLevel0AndStallTicker() {
    // RocksDB may compact level 0 away between two samples, so only presence is certain.
    assertThat(of("rocksdb").maxLevel0Files()).as(output).isGreaterThanOrEqualTo(0);
    assertThat(of("rocksdb").stallMicros()).isGreaterThanOrEqualTo(0);
    assertThat(of("rocksdb").stallCount()).isGreaterThanOrEqualTo(0);
  }

  @Test
  void fill_withStats_printsEachEnginesOwnStatistics() {
    assertThat(output)
        .contains("strata       statistics after fillrandom (t=2):")
        .contains("rocksdb      statistics after fillrandom (t=2):")
        .contains("max level-0 files:")
        .contains("Compaction Stats");
  }

  @Test
  void fill_table_showsLevel0AndStallColumns() {
    assertThat(output).contains("max L0").contains("stall ms");
    assertThat(ResultTable.maxLevel0(of("strata"))).isNotEqualTo("n/a");
    assertThat(ResultTable.maxLevel0(of("rocksdb"))).isNotEqualTo("n/a");
  }
}
