package dev.strata.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.bench.engine.EngineAdapter;
import dev.strata.bench.engine.EngineCursor;
import dev.strata.bench.engine.EngineOptions;
import dev.strata.bench.engine.EngineSettings;
import dev.strata.bench.engine.Engines;
import dev.strata.bench.engine.SkipListMapAdapter;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One failing workload is reported and does not discard the engine's other results. */
class WorkloadFailureTest {
  @TempDir Path tmp;

  /** The skip-list engine, except that every point read fails. */
  static final class FailingReads implements EngineAdapter {
    private final SkipListMapAdapter inner = new SkipListMapAdapter();

    @Override
    public String name() {
      return "failing-reads";
    }

    @Override
    public boolean persistent() {
      return inner.persistent();
    }

    @Override
    public void open(Path dir, EngineSettings settings, Map<String, String> engineOptions)
        throws IOException {
      inner.open(dir, settings, engineOptions);
    }

    @Override
    public Map<String, String> configuration() {
      return inner.configuration();
    }

    @Override
    public void put(byte[] key, byte[] value) {
      inner.put(key, value);
    }

    @Override
    public byte[] get(byte[] key) {
      throw new IllegalStateException("injected read failure");
    }

    @Override
    public void delete(byte[] key) {
      inner.delete(key);
    }

    @Override
    public EngineCursor newCursor() {
      return inner.newCursor();
    }

    @Override
    public void close() throws IOException {
      inner.close();
    }
  }

  @Test
  void run_workloadFails_otherWorkloadsStillReportedAndFailureRecorded() throws Exception {
    Supplier<EngineAdapter> failing = FailingReads::new;
    Engines engines = Engines.of(Map.of("failing-reads", failing));
    BenchConfig config = new BenchConfig(
        List.of("failing-reads"),
        List.of(Workload.FILLSEQ, Workload.READRANDOM, Workload.READSEQ), 300, List.of(1), 16,
        100, tmp, EngineOptions.none(), 301, 1, Warmup.NONE, false, null, null, false, false,
        null);
    StringWriter out = new StringWriter();
    BenchRunner runner = new BenchRunner(config, new PrintWriter(out, true), engines);

    List<BenchResult> results = runner.run();

    assertThat(results).extracting(BenchResult::workload).containsExactly("fillseq", "readseq");
    assertThat(results.get(1).found()).isEqualTo(300);
    assertThat(runner.failures()).containsOnlyKeys("failing-reads");
    assertThat(runner.failures().get("failing-reads"))
        .contains("readrandom (t=1)")
        .contains("injected read failure");
    assertThat(out.toString()).contains("error: engine failing-reads failed readrandom (t=1)");
  }
}
