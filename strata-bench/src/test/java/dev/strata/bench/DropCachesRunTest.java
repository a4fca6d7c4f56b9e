package dev.strata.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.bench.engine.EngineAdapter;
import dev.strata.bench.engine.EngineCursor;
import dev.strata.bench.engine.EngineOptions;
import dev.strata.bench.engine.EngineSettings;
import dev.strata.bench.engine.Engines;
import dev.strata.bench.engine.StrataAdapter;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --drop-caches} in whole runs, through a drop file of the test's own: which rows start
 * dropped, the order of close, drop and reopen, warm-up before the drop, and a failing drop that
 * the header reports once while the run goes on.
 */
class DropCachesRunTest {
  private static final long NUM = 400;

  @TempDir Path tmp;

  private BenchConfig config(List<String> engines, List<Workload> workloads, DropCaches mode,
      Path dropFile, int repeat, Warmup warmup) {
    return new BenchConfig(
        engines, workloads, NUM, List.of(1), 16, 100, tmp.resolve("db"),
        new EngineOptions(Map.of("memtable-mb", "1")), 301, repeat, warmup, false, null,
        tmp.resolve("results.jsonl"), false, false, null)
        .withDropCaches(mode, dropFile);
  }

  private Path dropFile() throws IOException {
    return Files.writeString(tmp.resolve("drop_caches"), "");
  }

  private static CacheState cacheOf(List<BenchResult> results, String workload) {
    return results.stream().filter(r -> r.workload().equals(workload)).findFirst().orElseThrow()
        .cache();
  }

  @Test
  void run_on_readWorkloadsStartDropped_writeWorkloadsStayWarm() throws Exception {
    Path dropFile = dropFile();
    StringWriter out = new StringWriter();
    BenchRunner runner = new BenchRunner(
        config(List.of("strata"), List.of(Workload.FILLRANDOM, Workload.READRANDOM,
            Workload.OVERWRITE, Workload.READWHILEWRITING), DropCaches.ON, dropFile, 1,
            Warmup.NONE),
        new PrintWriter(out, true));

    List<BenchResult> results = runner.run();

    assertThat(runner.failures()).as(out.toString()).isEmpty();
    assertThat(cacheOf(results, "fillrandom")).isEqualTo(CacheState.WARM);
    assertThat(cacheOf(results, "readrandom")).isEqualTo(CacheState.DROPPED);
    assertThat(cacheOf(results, "overwrite")).isEqualTo(CacheState.WARM);
    assertThat(cacheOf(results, "readwhilewriting")).isEqualTo(CacheState.DROPPED);
    assertThat(cacheOf(results, "readwhilewriting:writer")).isEqualTo(CacheState.DROPPED);
    assertThat(results.stream().filter(r -> r.workload().equals("readrandom")).findFirst()
        .orElseThrow().found()).isEqualTo(NUM);
    assertThat(Files.readString(dropFile)).isEqualTo("3\n");
    assertThat(out.toString())
        .contains("# page cache: dropped before each timed run of a workload that reads")
        .doesNotContain("NOT dropped");
  }

  @Test
  void run_dropFails_headerSaysWhyOnce_rowsNotDropped_runGoesOn() throws Exception {
    // A directory: no process can write it, root included.
    Path unwritable = Files.createDirectories(tmp.resolve("not-a-file"));
    StringWriter out = new StringWriter();
    BenchRunner runner = new BenchRunner(
        config(List.of("strata", "skiplist-map"), List.of(Workload.FILLRANDOM,
            Workload.READRANDOM, Workload.YCSB_C), DropCaches.ON, unwritable, 2, Warmup.NONE),
        new PrintWriter(out, true));

    List<BenchResult> results = runner.run();

    String text = out.toString();
    assertThat(runner.failures()).as(text).isEmpty();
    List<String> notDropped =
        text.lines().filter(l -> l.contains("page cache NOT dropped")).toList();
    assertThat(notDropped).as(text).singleElement().satisfies(l -> assertThat(l)
        .startsWith("# page cache NOT dropped: cannot write " + unwritable + ": ")
        .contains("'not dropped'"));
    for (BenchResult r : results) {
      assertThat(r.cache()).as(r.engine() + " " + r.workload())
          .isEqualTo(r.workload().equals("fillrandom") ? CacheState.WARM : CacheState.NOT_DROPPED);
    }
    assertThat(results).filteredOn(r -> r.workload().equals("readrandom"))
        .hasSize(2).allSatisfy(r -> assertThat(r.found()).isEqualTo(NUM));
    assertThat(text).contains("not dropped");
  }

  @Test
  void run_both_readsWarmThenDropped_eachWithItsRepeats() throws Exception {
    StringWriter out = new StringWriter();
    BenchRunner runner = new BenchRunner(
        config(List.of("strata"), List.of(Workload.FILLRANDOM, Workload.READRANDOM),
            DropCaches.BOTH, dropFile(), 2, Warmup.NONE),
        new PrintWriter(out, true));

    List<BenchResult> results = runner.run();

    assertThat(runner.failures()).as(out.toString()).isEmpty();
    assertThat(results).extracting(BenchResult::workload, BenchResult::cache)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("fillrandom", CacheState.WARM),
            org.assertj.core.groups.Tuple.tuple("readrandom", CacheState.WARM),
            org.assertj.core.groups.Tuple.tuple("readrandom", CacheState.DROPPED));
    assertThat(results).allSatisfy(r -> assertThat(r.repeats()).isEqualTo(2));
    assertThat(JsonLines.read(tmp.resolve("results.jsonl"))).isEqualTo(results);
    assertThat(out.toString()).contains("# page cache: each workload that reads runs twice");
  }

  /** Strata, logging opens (and whether a drop came just before) and closes with their gets. */
  static final class RecordingEngine implements EngineAdapter {
    private final StrataAdapter inner = new StrataAdapter();
    private final List<String> log;
    private final Path dropFile;
    private long gets;

    RecordingEngine(List<String> log, Path dropFile) {
      this.log = log;
      this.dropFile = dropFile;
    }

    @Override
    public String name() {
      return "recording";
    }

    @Override
    public void open(Path dir, EngineSettings settings, Map<String, String> engineOptions)
        throws IOException {
      // A drop writes the file; reading and emptying it tells whether one came since last open.
      boolean dropped = !Files.readString(dropFile).isEmpty();
      Files.writeString(dropFile, "");
      log.add(dropped ? "drop, open" : "open");
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
    public synchronized byte[] get(byte[] key) {
      gets++;
      return inner.get(key);
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
      log.add("close after " + gets + " gets");
    }
  }

  @Test
  void run_dropWithWarmup_warmsUpInASessionOfItsOwn_thenDropsAndReopens() throws Exception {
    Path dropFile = dropFile();
    List<String> log = new ArrayList<>();
    Supplier<EngineAdapter> recording = () -> new RecordingEngine(log, dropFile);
    StringWriter out = new StringWriter();
    BenchRunner runner = new BenchRunner(
        config(List.of("recording"), List.of(Workload.FILLSEQ, Workload.READRANDOM),
            DropCaches.ON, dropFile, 1, Warmup.parse("100")),
        new PrintWriter(out, true), Engines.of(Map.of("recording", recording)));

    List<BenchResult> results = runner.run();

    assertThat(runner.failures()).as(out.toString()).isEmpty();
    // The header's probe wrote the file before anything opened, so the first open sees it.
    // Then: fillseq's scratch warm-up and its session; readrandom's warm-up session (100 gets),
    // the drop, and the timed session (each session is a fresh adapter, counting from 0).
    assertThat(log).containsExactly(
        "drop, open", "close after 0 gets",
        "open", "close after 0 gets",
        "open", "close after 100 gets",
        "drop, open", "close after " + NUM + " gets");
    assertThat(results.get(1).cache()).isEqualTo(CacheState.DROPPED);
    assertThat(results.get(1).ops()).isEqualTo(NUM);
    assertThat(results.get(1).found()).isEqualTo(NUM);
  }

  @Test
  void run_forked_childDropsThroughTheSameFile() throws Exception {
    StringWriter out = new StringWriter();
    BenchConfig config = new BenchConfig(
        List.of("skiplist-map"), List.of(Workload.FILLSEQ, Workload.READRANDOM), 200,
        List.of(1), 16, 100, tmp.resolve("db"), EngineOptions.none(), 301, 1, Warmup.NONE, true,
        null, null, false, false, null)
        .withDropCaches(DropCaches.BOTH, dropFile());
    BenchRunner runner = new BenchRunner(config, new PrintWriter(out, true));

    List<BenchResult> results = runner.run();

    assertThat(runner.failures()).as(out.toString()).isEmpty();
    assertThat(results).extracting(BenchResult::cache)
        .containsExactly(CacheState.WARM, CacheState.WARM, CacheState.DROPPED);
    assertThat(results).allSatisfy(r -> assertThat(r.forked()).isTrue());
  }

  @Test
  void run_forkedDropFails_saidOnceInTheHeader_notAgainByTheChild() throws Exception {
    Path unwritable = Files.createDirectories(tmp.resolve("not-a-file"));
    StringWriter out = new StringWriter();
    BenchConfig config = new BenchConfig(
        List.of("skiplist-map"), List.of(Workload.FILLSEQ, Workload.READRANDOM), 200,
        List.of(1), 16, 100, tmp.resolve("db"), EngineOptions.none(), 301, 1, Warmup.NONE, true,
        null, null, false, false, null)
        .withDropCaches(DropCaches.ON, unwritable);
    BenchRunner runner = new BenchRunner(config, new PrintWriter(out, true));

    List<BenchResult> results = runner.run();

    String text = out.toString();
    assertThat(runner.failures()).as(text).isEmpty();
    assertThat(text.lines().filter(l -> l.contains("page cache NOT dropped"))).as(text)
        .singleElement().asString().startsWith("# page cache NOT dropped: cannot write ");
    assertThat(results).extracting(BenchResult::cache)
        .containsExactly(CacheState.WARM, CacheState.NOT_DROPPED);
  }
}
