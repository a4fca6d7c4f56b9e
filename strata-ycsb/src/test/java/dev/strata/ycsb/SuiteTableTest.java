package dev.strata.ycsb;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SuiteTableTest {
  private static final Phase LOAD = new Phase("load");
  private static final Phase A = new Phase("a");

  private static PhaseResult result(Engine engine, int step, int rep, double opsPerSec,
      String op, long count, double p99) {
    return result(engine, step, rep, opsPerSec, op, count, p99, -1);
  }

  private static PhaseResult result(Engine engine, int step, int rep, double opsPerSec,
      String op, long count, double p99, long rssMib) {
    List<String> lines = new ArrayList<>(List.of(
        "[OVERALL], RunTime(ms), 1000",
        "[OVERALL], Throughput(ops/sec), " + opsPerSec,
        "[" + op + "], Operations, " + count,
        "[" + op + "], AverageLatency(us), 10.5",
        "[" + op + "], 99thPercentileLatency(us), " + p99,
        "[" + op + "], Return=OK, " + count,
        "[CLEANUP], Operations, 2"));
    Phase phase = step == 0 ? LOAD : A;
    return new PhaseResult(engine, phase, step, rep, count, 0, YcsbOutput.parse(lines),
        Path.of("r" + rep + "-" + engine.id + "-0" + (step + 1) + "-" + phase.name() + ".out"),
        rssMib < 0 ? -1 : rssMib << 20);
  }

  @Test
  void render_threeRepetitionsOfTwoEngines_showsMediansAndTheRatio() {
    List<PhaseResult> results = new ArrayList<>();
    double[] strata = {150, 200, 400};
    double[] rocks = {90, 100, 500};
    for (int rep = 1; rep <= 3; rep++) {
      results.add(result(Engine.STRATA, 0, rep, strata[rep - 1], "INSERT", 1000, 10 * rep,
          new long[] {900, 300, 600}[rep - 1]));
      results.add(result(Engine.ROCKSDB, 0, rep, rocks[rep - 1], "INSERT", 1000, 20 * rep,
          new long[] {500, 400, 450}[rep - 1]));
      results.add(result(Engine.STRATA, 1, rep, 1000, "UPDATE", 1000, 5));
      results.add(result(Engine.ROCKSDB, 1, rep, 1000, "UPDATE", 1000, 7));
    }

    String table = new SuiteTable(List.of(Engine.STRATA, Engine.ROCKSDB), List.of(LOAD, A),
        results).render();

    assertThat(table).contains(
        "| phase | op | Strata ops/s | RocksDB ops/s | Strata / RocksDB | Strata p99 us "
            + "| RocksDB p99 us | Strata peak RSS MiB | RocksDB peak RSS MiB "
            + "| RSS Strata / RocksDB |",
        "| load | INSERT | 200 | 100 | 2.00x | 20 | 40 | 600 | 450 | 1.33x |",
        "| a | UPDATE | 1,000 | 1,000 | 1.00x | 5 | 7 | n/a | n/a | n/a |",
        "| load | Strata | INSERT | 1,000 | 10.5 | 20 | 0 | 0 |",
        "Every run completed with no ERROR and no NOT_FOUND.");
    assertThat(table).doesNotContain("CLEANUP");
  }

  @Test
  void render_aFailedRun_isLeftOutOfTheMedianAndNoted() {
    List<PhaseResult> results = new ArrayList<>();
    results.add(result(Engine.STRATA, 0, 1, 100, "INSERT", 1000, 10));
    results.add(result(Engine.STRATA, 0, 2, 300, "INSERT", 1000, 30));
    results.add(new PhaseResult(Engine.STRATA, LOAD, 0, 3, 1000, 1,
        YcsbOutput.parse(List.of()), Path.of("r3-strata-01-load.out"), 5000L << 20));
    results.add(new PhaseResult(Engine.STRATA, A, 1, 1, 1000, 0,
        YcsbOutput.parse(List.of("[OVERALL], Throughput(ops/sec), 0.0")),
        Path.of("r1-strata-02-a.out"), 5000L << 20));

    String table = new SuiteTable(List.of(Engine.STRATA), List.of(LOAD, A), results).render();

    assertThat(table).contains(
        "| phase | op | Strata ops/s | Strata p99 us | Strata peak RSS MiB |",
        "| load | INSERT | 200 | 20 | n/a |",
        "| a | UPDATE | failed | failed | n/a |",
        "- r3 strata load (r3-strata-01-load.out): FAILED, exit status 1",
        "- r1 strata a (r1-strata-02-a.out): FAILED, 0 of 1000 operations done");
    assertThat(table).doesNotContain("/ RocksDB");
  }

  @Test
  void render_phaseListedTwice_labelsTheSecond() {
    List<PhaseResult> results = List.of(
        result(Engine.STRATA, 0, 1, 100, "INSERT", 10, 1),
        new PhaseResult(Engine.STRATA, LOAD, 1, 1, 10, 0, YcsbOutput.parse(List.of(
            "[OVERALL], Throughput(ops/sec), 50", "[INSERT], Operations, 10",
            "[INSERT], 99thPercentileLatency(us), 3", "[INSERT], Return=OK, 10")),
            Path.of("r1-strata-02-load.out"), 70L << 20));

    String table = new SuiteTable(List.of(Engine.STRATA), List.of(LOAD, LOAD), results).render();

    assertThat(table).contains("| load | INSERT | 100 | 1 | n/a |",
        "| load (2) | INSERT | 50 | 3 | 70 |");
  }

  @Test
  void median_evenCount_meanOfTheMiddleTwo() {
    assertThat(SuiteTable.median(List.of(4.0, 1.0, 3.0, 2.0)).getAsDouble()).isEqualTo(2.5);
    assertThat(SuiteTable.median(List.of(5.0)).getAsDouble()).isEqualTo(5.0);
    assertThat(SuiteTable.median(List.<Double>of())).isEmpty();
  }
}
