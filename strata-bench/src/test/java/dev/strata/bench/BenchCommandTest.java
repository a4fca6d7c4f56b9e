package dev.strata.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.strata.bench.engine.LmdbAdapter;
import dev.strata.bench.engine.RocksDbAdapter;
import dev.strata.bench.engine.StrataAdapter;
import dev.strata.bench.keys.ValueKind;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class BenchCommandTest {
  private static BenchConfig parse(String... args) {
    BenchCommand cmd = new BenchCommand();
    new CommandLine(cmd).parseArgs(args);
    return cmd.toConfig();
  }

  /** Runs the command as the CLI would; returns the exit code and what it printed on stderr. */
  private static Map.Entry<Integer, String> execute(String... args) {
    StringWriter err = new StringWriter();
    CommandLine cl = new CommandLine(new BenchCommand());
    cl.setErr(new PrintWriter(err, true));
    cl.setOut(new PrintWriter(new StringWriter(), true));
    int code = cl.execute(args);
    return Map.entry(code, err.toString());
  }

  @Test
  void parse_noArguments_givesStandardComparison() {
    BenchConfig c = parse();

    assertThat(c.engines()).containsExactly("strata", "rocksdb", "leveldb");
    assertThat(c.workloads()).containsExactly(
        Workload.FILLRANDOM, Workload.READRANDOM, Workload.READSEQ, Workload.READWHILEWRITING);
    assertThat(c.num()).isEqualTo(1_000_000);
    assertThat(c.threads()).containsExactly(2);
    assertThat(c.keySize()).isEqualTo(16);
    assertThat(c.valueSizes()).containsExactly(100);
    assertThat(c.db()).isNull();
    assertThat(c.repeat()).isEqualTo(1);
    assertThat(c.warmup().duration()).isEqualTo(Duration.ofSeconds(10));
    assertThat(c.fork()).isTrue();
    assertThat(c.reportDir()).isNull();
    assertThat(c.jsonFile()).isNull();
    assertThat(c.stats()).isFalse();
    assertThat(c).isEqualTo(BenchConfig.defaults());
  }

  @Test
  void parse_commaLists_keepOrder() {
    BenchConfig c = parse("--engine", "rocksdb,skiplist-map", "--benchmarks", "ycsb-a,readseq",
        "--threads", "1,2,4", "--engine-options", "rocksdb.compression=none,cache-mb=8");

    assertThat(c.engines()).containsExactly("rocksdb", "skiplist-map");
    assertThat(c.workloads()).containsExactly(Workload.YCSB_A, Workload.READSEQ);
    assertThat(c.threads()).containsExactly(1, 2, 4);
    assertThat(c.engineOptions().raw())
        .containsEntry("rocksdb.compression", "none").containsEntry("cache-mb", "8");
  }

  @Test
  void parse_scalarOptions_areApplied() {
    BenchConfig c = parse("--num", "5000", "--key-size", "12", "--value-size", "64", "--db",
        "/tmp/x", "--seed", "7", "--repeat", "3", "--warmup", "2.5s", "--no-fork", "--report",
        "rep", "--json", "out.jsonl");

    assertThat(c.num()).isEqualTo(5000);
    assertThat(c.keySize()).isEqualTo(12);
    assertThat(c.valueSizes()).containsExactly(64);
    assertThat(c.db()).isEqualTo(Path.of("/tmp/x"));
    assertThat(c.seed()).isEqualTo(7);
    assertThat(c.repeat()).isEqualTo(3);
    assertThat(c.warmup().duration()).isEqualTo(Duration.ofMillis(2500));
    assertThat(c.fork()).isFalse();
    assertThat(c.reportDir()).isEqualTo(Path.of("rep"));
    assertThat(c.jsonFile()).isEqualTo(Path.of("out.jsonl"));
  }

  @Test
  void parse_stats_printsEngineStatistics() {
    BenchConfig c = parse("--stats", "--engine", "strata");

    assertThat(c.stats()).isTrue();
    assertThat(c.toArguments()).contains("--stats");
    assertThat(c.forChild(new StrataAdapter(), Path.of("/tmp/x"), Path.of("r.jsonl")).stats())
        .isTrue();
    assertThat(parse().toArguments()).doesNotContain("--stats");
  }

  @Test
  void forChild_engineOptions_keepOnlyThoseReachingTheEngine_unprefixed() {
    BenchConfig c = parse("--engine", "strata,rocksdb,lmdb", "--engine-options",
        "cache-mb=8,shards=4,strata.memtable=skiplist,rocksdb.dynamic-level-bytes=false,"
            + "lmdb.map-size-mb=64");

    assertThat(c.forChild(new StrataAdapter(), Path.of("/tmp/x"), null).engineOptions().raw())
        .containsOnly(Map.entry("cache-mb", "8"), Map.entry("shards", "4"),
            Map.entry("memtable", "skiplist"));
    BenchConfig rocks = c.forChild(new RocksDbAdapter(), Path.of("/tmp/x"), null);
    assertThat(rocks.engineOptions().raw())
        .containsOnly(Map.entry("cache-mb", "8"), Map.entry("dynamic-level-bytes", "false"));
    assertThat(c.forChild(new LmdbAdapter(), Path.of("/tmp/x"), null).engineOptions().raw())
        .containsOnly(Map.entry("cache-mb", "8"), Map.entry("map-size-mb", "64"));
    // What the child parses must pass the child's check, which knows only its own engine.
    assertThat(parse(rocks.toArguments().toArray(String[]::new)).engineOptions())
        .isEqualTo(rocks.engineOptions());
  }

  @Test
  void toArguments_parsedAgain_givesSameConfig() {
    BenchConfig c = parse("--engine", "leveldb", "--benchmarks", "fillseq,ycsb-e", "--threads",
        "1,3", "--num", "777", "--warmup", "100", "--engine-options", "memtable-mb=4",
        "--no-fork", "--repeat", "2", "--stats");

    BenchConfig again = parse(c.toArguments().toArray(new String[0]));

    assertThat(again).isEqualTo(c);
  }

  @Test
  void parse_valueSizesKindAndDropCaches_areApplied() {
    BenchConfig c = parse("--value-size", "100,1024,4096,1024", "--value-kind", "ycsb",
        "--drop-caches", "both");

    assertThat(c.valueSizes()).containsExactly(100, 1024, 4096);
    assertThat(c.valueKind()).isEqualTo(ValueKind.YCSB);
    assertThat(c.dropCaches()).isEqualTo(DropCaches.BOTH);
    assertThat(c.dropCachesFile()).isEqualTo(Path.of("/proc/sys/vm/drop_caches"));
  }

  @Test
  void parse_conditionDefaults_areOneSizeHalfAndWarm() {
    BenchConfig c = parse();

    assertThat(c.valueSizes()).containsExactly(100);
    assertThat(c.valueKind()).isEqualTo(ValueKind.HALF);
    assertThat(c.dropCaches()).isEqualTo(DropCaches.OFF);
  }

  @Test
  void parse_dropCachesAlone_isOn_andTakesAnExplicitMode() {
    assertThat(parse("--drop-caches").dropCaches()).isEqualTo(DropCaches.ON);
    assertThat(parse("--drop-caches", "--num", "5").dropCaches()).isEqualTo(DropCaches.ON);
    assertThat(parse("--drop-caches=off").dropCaches()).isEqualTo(DropCaches.OFF);
    assertThat(parse("--drop-caches=on").dropCaches()).isEqualTo(DropCaches.ON);
  }

  @Test
  void execute_badConditions_failNamingTheChoices() {
    assertThat(execute("--value-size", "100,0").getValue()).contains("--value-size must be from 1");
    assertThat(execute("--value-size", "100,big").getValue()).contains("--value-size")
        .contains("big");
    Map.Entry<Integer, String> kind = execute("--value-kind", "zeros");
    assertThat(kind.getKey()).isEqualTo(2);
    assertThat(kind.getValue()).contains("unknown value kind 'zeros'")
        .contains("half, random, ycsb");
    Map.Entry<Integer, String> drop = execute("--drop-caches=sometimes");
    assertThat(drop.getKey()).isEqualTo(2);
    assertThat(drop.getValue()).contains("--drop-caches must be one of off, on, both");
  }

  @Test
  void toArguments_withConditions_parsedAgain_givesSameConfig() {
    BenchConfig c = parse("--value-size", "100,4096", "--value-kind", "random",
        "--drop-caches", "--drop-caches-file", "/tmp/drop", "--num", "50");

    List<String> args = c.toArguments();
    BenchConfig again = parse(args.toArray(new String[0]));

    assertThat(args).contains("--value-size=100,4096", "--value-kind=random",
        "--drop-caches=on", "--drop-caches-file=/tmp/drop");
    assertThat(again).isEqualTo(c);
    assertThat(parse().toArguments()).noneMatch(a -> a.startsWith("--drop-caches-file"));
  }

  @Test
  void forChild_keepsValueSizesKindAndDropCaches() {
    BenchConfig c = parse("--engine", "strata", "--value-size", "100,1024", "--value-kind",
        "ycsb", "--drop-caches=both", "--drop-caches-file", "/tmp/drop");

    BenchConfig child = c.forChild(new StrataAdapter(), Path.of("/tmp/x"), Path.of("r.jsonl"));

    assertThat(child.valueSizes()).containsExactly(100, 1024);
    assertThat(child.valueKind()).isEqualTo(ValueKind.YCSB);
    assertThat(child.dropCaches()).isEqualTo(DropCaches.BOTH);
    assertThat(child.dropCachesFile()).isEqualTo(Path.of("/tmp/drop"));
  }

  @Test
  void execute_unknownEngine_failsNamingKnownEngines() {
    Map.Entry<Integer, String> r = execute("--engine", "rocksdb,mongo");

    assertThat(r.getKey()).isEqualTo(2);
    assertThat(r.getValue()).contains("unknown engine 'mongo'").contains("skiplist-map");
  }

  @Test
  void execute_unknownBenchmark_failsNamingKnownBenchmarks() {
    Map.Entry<Integer, String> r = execute("--benchmarks", "fillrandom,readfast");

    assertThat(r.getKey()).isEqualTo(2);
    assertThat(r.getValue()).contains("unknown benchmark 'readfast'").contains("ycsb-f");
  }

  @Test
  void execute_badNumbers_failWithTheOptionName() {
    assertThat(execute("--num", "0").getValue()).contains("--num must be from 1");
    assertThat(execute("--num", "lots").getValue()).contains("--num").contains("lots");
    assertThat(execute("--threads", "2,0").getValue()).contains("--threads must be from 1");
    assertThat(execute("--repeat", "0").getValue()).contains("--repeat must be >= 1");
    assertThat(execute("--value-size", "0").getValue()).contains("--value-size");
    assertThat(execute("--warmup", "soon").getKey()).isEqualTo(2);
    assertThat(execute("--warmup", "soon").getValue()).contains("warm-up must be");
  }

  @Test
  void execute_keySizeTooSmallForNum_saysHowManyBytesAreNeeded() {
    Map.Entry<Integer, String> r = execute("--num", "1000000", "--key-size", "6");

    assertThat(r.getKey()).isEqualTo(2);
    assertThat(r.getValue()).contains("--key-size 6 is too small").contains("needs 7 bytes");
  }

  @Test
  void execute_engineOptionNoEngineAccepts_fails() {
    Map.Entry<Integer, String> r = execute("--engine", "rocksdb", "--engine-options", "shards=4");

    assertThat(r.getKey()).isEqualTo(2);
    assertThat(r.getValue()).contains("no selected engine accepts option 'shards'");
  }

  @Test
  void execute_engineOptionForUnselectedEngine_fails() {
    Map.Entry<Integer, String> r =
        execute("--engine", "rocksdb", "--engine-options", "strata.shards=4");

    assertThat(r.getValue()).contains("names engine 'strata', which is not selected");
  }

  @Test
  void parse_malformedEngineOption_isRejected() {
    assertThatThrownBy(() -> parse("--engine-options", "cache-mb"))
        .isInstanceOf(CommandLine.ParameterException.class);
  }

  @Test
  void help_listsEveryOption() {
    StringWriter out = new StringWriter();
    CommandLine cl = new CommandLine(new BenchCommand());
    cl.setOut(new PrintWriter(out, true));

    assertThat(cl.execute("--help")).isZero();
    for (String option : List.of("--engine", "--benchmarks", "--num", "--threads", "--key-size",
        "--value-size", "--db", "--engine-options", "--seed", "--repeat", "--report", "--json",
        "--warmup", "--[no-]fork", "--stats", "--preset", "--value-kind", "--drop-caches",
        "independent", "larger-than-cache")) {
      assertThat(out.toString()).contains(option);
    }
  }
}
