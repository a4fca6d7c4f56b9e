package dev.strata.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.bench.engine.EngineOptions;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs every workload on every engine in this JVM with 2,000 keys and 2 threads, once, and checks
 * each result and the outputs. Workloads run in declaration order, so deleterandom empties the
 * database and the workloads after it exercise the implicit refill. A 1 MiB memtable makes the
 * engines flush and compact during the run.
 */
class AllWorkloadsSmokeTest {
  private static final long NUM = 2000;
  private static final int THREADS = 2;
  private static final List<String> ENGINES =
      List.of("strata", "rocksdb", "leveldb", "skiplist-map", "lmdb", "h2-mvstore");

  @TempDir static Path tmp;

  private static List<BenchResult> results;
  private static String output;
  private static BenchRunner runner;

  @BeforeAll
  static void runEverything() throws Exception {
    BenchConfig config = new BenchConfig(
        ENGINES, Arrays.asList(Workload.values()), NUM, List.of(THREADS), 16, 100,
        tmp.resolve("db"), new EngineOptions(Map.of("memtable-mb", "1")), 301, 1, Warmup.NONE,
        false, tmp.resolve("report"), tmp.resolve("results.jsonl"), false, false, null);
    StringWriter out = new StringWriter();
    runner = new BenchRunner(config, new PrintWriter(out, true));
    results = runner.run();
    output = out.toString();
  }

  private Map<String, BenchResult> of(String engine) {
    return results.stream().filter(r -> r.engine().equals(engine))
        .collect(Collectors.toMap(BenchResult::workload, Function.identity()));
  }

  @Test
  void run_everyEngine_succeeds() {
    assertThat(runner.failures()).as(output).isEmpty();
  }

  @Test
  void run_everyWorkloadOnEveryEngine_producesOperations() {
    for (String engine : ENGINES) {
      Map<String, BenchResult> r = of(engine);
      for (Workload w : Workload.values()) {
        assertThat(r).as(engine + " " + w.id()).containsKey(w.id());
        assertThat(r.get(w.id()).ops()).as(engine + " " + w.id()).isPositive();
        assertThat(r.get(w.id()).opsPerSec()).as(engine + " " + w.id()).isPositive();
        assertThat(r.get(w.id()).configuration()).as(engine).isNotEmpty();
      }
      assertThat(r.get("readwhilewriting:writer").ops()).as(engine).isPositive();
      assertThat(r.get("readwhilewriting").threads()).isEqualTo(THREADS);
      assertThat(r.get("readwhilewriting:writer").threads()).isEqualTo(THREADS);
    }
  }

  @Test
  void run_readWorkloads_findWhatTheyShould() {
    for (String engine : ENGINES) {
      Map<String, BenchResult> r = of(engine);
      assertThat(r.get("readrandom").found()).as(engine).isEqualTo(NUM);
      assertThat(r.get("readrandom").ops()).as(engine).isEqualTo(NUM);
      assertThat(r.get("readmissing").found()).as(engine).isZero();
      assertThat(r.get("readseq").found()).as(engine).isEqualTo(THREADS * NUM);
      assertThat(r.get("seekrandom").found()).as(engine).isEqualTo(NUM);
      assertThat(r.get("readwhilewriting").found()).as(engine)
          .isEqualTo(r.get("readwhilewriting").ops());
      for (String ycsb : List.of("ycsb-a", "ycsb-b", "ycsb-c", "ycsb-e", "ycsb-f")) {
        BenchResult y = r.get(ycsb);
        assertThat(y.found()).as(engine + " " + ycsb).isEqualTo(y.expectedFound()).isPositive();
      }
      assertThat(r.get("ycsb-c").found()).as(engine).isEqualTo(NUM);
    }
  }

  @Test
  void run_writeAmplification_comesFromEnginesThatCountBytes() {
    assertThat(of("rocksdb").get("fillrandom").writeAmplification()).isGreaterThanOrEqualTo(1.0);
    assertThat(of("leveldb").get("fillrandom").writeAmplification()).isNaN();
    assertThat(of("skiplist-map").get("fillrandom").writeAmplification()).isNaN();
    assertThat(of("lmdb").get("fillrandom").writeAmplification()).isNaN();
    assertThat(of("h2-mvstore").get("fillrandom").writeAmplification()).isNaN();
  }

  @Test
  void run_level0AndStalls_comeFromEnginesThatReportThem() {
    for (String engine : List.of("strata", "rocksdb")) {
      for (BenchResult r : of(engine).values()) {
        assertThat(r.maxLevel0Files()).as(engine + " " + r.workload()).isGreaterThanOrEqualTo(0);
        assertThat(r.stallMicros()).as(engine + " " + r.workload()).isGreaterThanOrEqualTo(0);
        assertThat(r.stallCount()).as(engine + " " + r.workload()).isGreaterThanOrEqualTo(0);
      }
    }
    for (String engine : List.of("leveldb", "skiplist-map", "lmdb", "h2-mvstore")) {
      BenchResult fill = of(engine).get("fillrandom");
      assertThat(fill.maxLevel0Files()).as(engine).isEqualTo(-1);
      assertThat(fill.stallMicros()).as(engine).isEqualTo(-1);
      assertThat(ResultTable.maxLevel0(fill)).isEqualTo("n/a");
    }
    assertThat(output).contains("max L0").contains("stall ms");
  }

  @Test
  void run_persistentEngines_leaveBytesOnDisk() {
    assertThat(of("rocksdb").get("fillrandom").diskBytes()).isPositive();
    assertThat(of("leveldb").get("fillrandom").diskBytes()).isPositive();
    assertThat(of("strata").get("fillrandom").diskBytes()).isPositive();
    assertThat(of("lmdb").get("fillrandom").diskBytes()).isPositive();
    assertThat(of("h2-mvstore").get("fillrandom").diskBytes()).isPositive();
    assertThat(of("skiplist-map").get("fillrandom").diskBytes()).isZero();
  }

  @Test
  void run_tableAndOutputs_areWritten() throws Exception {
    assertThat(output).contains("ops/s vs rocksdb").contains("configuration of rocksdb:")
        .contains("implicit fill");
    assertThat(Files.readAllLines(tmp.resolve("results.jsonl"))).hasSize(results.size());
    assertThat(tmp.resolve("report/index.html")).exists();
    assertThat(tmp.resolve("report/throughput-t2.png")).exists();
    assertThat(tmp.resolve("report/latency-readrandom-t2.png")).exists();
    assertThat(Files.readString(tmp.resolve("report/index.html"))).contains("throughput-t2.png");
  }
}
