package dev.strata.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.bench.engine.EngineOptions;
import dev.strata.bench.engine.LmdbAdapter;
import dev.strata.bench.engine.SkipListMapAdapter;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchRunnerTest {
  @TempDir Path tmp;

  private static BenchConfig config(boolean fork, int repeat, Warmup warmup, Path db) {
    return new BenchConfig(
        List.of("skiplist-map"), List.of(Workload.FILLSEQ, Workload.READRANDOM), 500, List.of(2),
        16, 100, db, EngineOptions.none(), 301, repeat, warmup, fork, null, null, false, false,
        null);
  }

  @Test
  void run_forked_returnsTheChildsResults() throws Exception {
    StringWriter out = new StringWriter();
    BenchRunner runner =
        new BenchRunner(config(true, 2, Warmup.parse("100"), tmp), new PrintWriter(out, true));

    List<BenchResult> results = runner.run();

    assertThat(runner.failures()).as(out.toString()).isEmpty();
    assertThat(results).extracting(BenchResult::workload).containsExactly("fillseq", "readrandom");
    assertThat(results).allSatisfy(r -> {
      assertThat(r.forked()).isTrue();
      assertThat(r.repeats()).isEqualTo(2);
      assertThat(r.opsPerSecMin()).isLessThanOrEqualTo(r.opsPerSec());
      assertThat(r.opsPerSecMax()).isGreaterThanOrEqualTo(r.opsPerSec());
    });
    assertThat(results.get(1).found()).isEqualTo(500);
    assertThat(out.toString()).contains("skiplist-map").contains("ops/s");
  }

  @Test
  void run_forkedWithStats_childsOutputReachesThisOutput() throws Exception {
    StringWriter out = new StringWriter();
    BenchConfig config = new BenchConfig(
        List.of("skiplist-map"), List.of(Workload.FILLSEQ), 200, List.of(1), 16, 100, tmp,
        EngineOptions.none(), 301, 1, Warmup.NONE, true, null, null, false, true, null);
    BenchRunner runner = new BenchRunner(config, new PrintWriter(out, true));

    List<BenchResult> results = runner.run();

    assertThat(runner.failures()).as(out.toString()).isEmpty();
    assertThat(results).singleElement().satisfies(r -> assertThat(r.forked()).isTrue());
    // Both lines are printed by the child; the parent prints only the final table.
    assertThat(out.toString())
        .contains("skiplist-map statistics after fillseq (t=1):")
        .contains("(skiplist-map reports no statistics)")
        .containsPattern("skiplist-map +fillseq +t=1 ");
  }

  @Test
  void run_forkedWithAnotherEnginesOption_eachChildAcceptsItsOptions() throws Exception {
    StringWriter out = new StringWriter();
    BenchConfig config = new BenchConfig(
        List.of("skiplist-map", "h2-mvstore"), List.of(Workload.FILLSEQ), 200, List.of(1), 16,
        100, tmp, new EngineOptions(Map.of("h2-mvstore.autocommit-delay-ms", "100")), 301, 1,
        Warmup.NONE, true, null, null, false, false, null);
    BenchRunner runner = new BenchRunner(config, new PrintWriter(out, true));

    List<BenchResult> results = runner.run();

    assertThat(runner.failures()).as(out.toString()).isEmpty();
    assertThat(results).extracting(BenchResult::engine)
        .containsExactly("skiplist-map", "h2-mvstore");
    assertThat(results.get(1).configuration().get("autocommit"))
        .startsWith("background commit every 100 ms");
  }

  @Test
  void command_forChild_runsThisRunnerWithoutForkingAgain() {
    BenchConfig child = config(true, 1, Warmup.NONE, tmp)
        .forChild(new SkipListMapAdapter(), tmp, tmp.resolve("r.jsonl"));

    List<String> cmd = ForkedRun.command(child, List.of());

    assertThat(cmd.get(0)).endsWith("java");
    assertThat(cmd).contains("-cp", BenchRunner.class.getName(), "--no-fork",
        "--engine=skiplist-map", "--result-file=" + tmp.resolve("r.jsonl"));
  }

  @Test
  void command_engineWithJvmOptions_passesThemOnceBeforeTheRunner() {
    BenchConfig child = config(true, 1, Warmup.NONE, tmp)
        .forChild(new LmdbAdapter(), tmp, tmp.resolve("r.jsonl"));
    List<String> flags = new LmdbAdapter().jvmOptions();

    List<String> cmd = ForkedRun.command(child, flags);

    assertThat(flags).isNotEmpty();
    for (String flag : flags) {
      assertThat(cmd).containsOnlyOnce(flag);
      assertThat(cmd.indexOf(flag)).isLessThan(cmd.indexOf(BenchRunner.class.getName()));
    }
  }

  @Test
  void run_warmupInSeconds_stillTimesTheFullWorkload() throws Exception {
    BenchRunner runner = new BenchRunner(config(false, 1, Warmup.parse("0.05s"), tmp),
        new PrintWriter(new StringWriter(), true));

    List<BenchResult> results = runner.run();

    assertThat(results.get(1).ops()).isEqualTo(500);
    assertThat(results.get(1).found()).isEqualTo(500);
  }

  @Test
  void run_freshDbWorkloadWithWarmup_warmsUpOnceOnAScratchDatabaseItThenDeletes()
      throws Exception {
    StringWriter out = new StringWriter();
    BenchConfig config = new BenchConfig(
        List.of("strata"), List.of(Workload.FILLRANDOM, Workload.READRANDOM), 400, List.of(2),
        16, 100, tmp, new EngineOptions(java.util.Map.of("memtable-mb", "1")), 301, 2,
        Warmup.parse("300"), false, null, null, false, false, null);
    BenchRunner runner = new BenchRunner(config, new PrintWriter(out, true));

    List<BenchResult> results = runner.run();

    assertThat(runner.failures()).as(out.toString()).isEmpty();
    String text = out.toString();
    // Once for fillrandom, before its first run only; readrandom warms up in place.
    assertThat(text.split("warm-up for fillrandom on a scratch database", -1)).hasSize(2);
    assertThat(text).doesNotContain("warm-up for readrandom on a scratch");
    assertThat(tmp.resolve("strata-warmup")).doesNotExist();
    assertThat(results.get(0).ops()).isEqualTo(400);
    assertThat(results.get(1).found()).isEqualTo(400);
  }
}
