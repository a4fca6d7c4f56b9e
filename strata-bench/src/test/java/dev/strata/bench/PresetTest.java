package dev.strata.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code --preset} expands as documented, and options given explicitly win. */
class PresetTest {
  private static BenchConfig parse(String... args) {
    BenchCommand cmd = new BenchCommand();
    new CommandLine(cmd).parseArgs(args);
    return cmd.toConfig();
  }

  @Test
  void independent_expandsToTheIssuesConditions() {
    BenchConfig c = parse("--preset", "independent");

    assertThat(c.engines()).containsExactly("strata", "rocksdb");
    assertThat(c.workloads()).containsExactly(Workload.FILLRANDOM, Workload.READRANDOM,
        Workload.READWHILEWRITING, Workload.YCSB_A);
    assertThat(c.warmup().isNone()).isTrue();
    assertThat(c.valueSizes()).containsExactly(100, 1024, 4096);
    // Everything else stays at the defaults.
    BenchConfig d = BenchConfig.defaults();
    assertThat(c.num()).isEqualTo(d.num());
    assertThat(c.threads()).isEqualTo(d.threads());
    assertThat(c.valueKind()).isEqualTo(d.valueKind());
    assertThat(c.dropCaches()).isEqualTo(DropCaches.OFF);
    assertThat(c.engineOptions().raw()).isEmpty();
  }

  @Test
  void largerThanCache_expandsToTenMillionKiBValuesBesideA64MiBCache() {
    BenchConfig c = parse("--preset", "larger-than-cache");

    assertThat(c.engines()).containsExactly("strata", "rocksdb");
    assertThat(c.workloads()).containsExactly(Workload.FILLRANDOM, Workload.READRANDOM);
    assertThat(c.num()).isEqualTo(10_000_000);
    assertThat(c.valueSizes()).containsExactly(1024);
    assertThat(c.engineOptions().raw()).containsExactly(Map.entry("cache-mb", "64"));
    assertThat(c.dropCaches()).isEqualTo(DropCaches.BOTH);
    assertThat(c.warmup()).isEqualTo(BenchConfig.DEFAULT_WARMUP);
    // At least 8x the cache, as the condition asks.
    assertThat(c.num() * (c.keySize() + 1024)).isGreaterThan(8L * (64 << 20));
  }

  @Test
  void explicitOptions_winOverThePreset_wherePlacedOnTheLine() {
    BenchConfig c = parse("--engine", "strata", "--preset", "independent", "--warmup", "5s",
        "--value-size", "512");

    assertThat(c.engines()).containsExactly("strata");
    assertThat(c.warmup().duration().toSeconds()).isEqualTo(5);
    assertThat(c.valueSizes()).containsExactly(512);
    assertThat(c.workloads()).containsExactly(Workload.FILLRANDOM, Workload.READRANDOM,
        Workload.READWHILEWRITING, Workload.YCSB_A);
  }

  @Test
  void explicitDropCachesAndNum_winOverLargerThanCache() {
    assertThat(parse("--preset", "larger-than-cache", "--drop-caches=off").dropCaches())
        .isEqualTo(DropCaches.OFF);
    assertThat(parse("--preset", "larger-than-cache", "--drop-caches").dropCaches())
        .isEqualTo(DropCaches.ON);
    assertThat(parse("--preset", "larger-than-cache", "--num", "20000").num()).isEqualTo(20_000);
  }

  @Test
  void engineOptions_mergeKeyByKey_explicitValueWins() {
    BenchConfig c = parse("--preset", "larger-than-cache", "--engine-options",
        "cache-mb=128,memtable-mb=32,rocksdb.bloom-bits=12");

    assertThat(c.engineOptions().raw()).containsOnly(Map.entry("cache-mb", "128"),
        Map.entry("memtable-mb", "32"), Map.entry("rocksdb.bloom-bits", "12"));
    assertThat(parse("--preset", "larger-than-cache", "--engine-options", "shards=4")
        .engineOptions().raw()).containsOnly(Map.entry("cache-mb", "64"), Map.entry("shards", "4"));
  }

  @Test
  void toConfig_twice_givesTheSameConfig() {
    BenchCommand cmd = new BenchCommand();
    new CommandLine(cmd).parseArgs("--preset", "larger-than-cache", "--engine-options",
        "memtable-mb=32");

    assertThat(cmd.toConfig()).isEqualTo(cmd.toConfig());
  }

  @Test
  void expandedConfig_reproducedByItsArgumentsWithoutThePreset() {
    BenchConfig c = parse("--preset", "independent", "--threads", "1,2");

    assertThat(parse(c.toArguments().toArray(String[]::new))).isEqualTo(c);
  }

  @Command(name = "tool", subcommands = BenchCommand.class)
  static final class Tool {}

  @Test
  void preset_asSubcommandOfAnotherTool_appliesTheSameWay() {
    CommandLine tool = new CommandLine(new Tool());
    tool.parseArgs("bench", "--preset", "independent", "--engine", "rocksdb");
    BenchCommand bench = tool.getSubcommands().get("bench").getCommand();

    BenchConfig c = bench.toConfig();

    assertThat(c.engines()).containsExactly("rocksdb");
    assertThat(c.valueSizes()).containsExactly(100, 1024, 4096);
    assertThat(bench.preset()).contains(Preset.INDEPENDENT);
  }

  @Test
  void unknownPreset_failsNamingTheKnownOnes() {
    StringWriter err = new StringWriter();
    CommandLine cl = new CommandLine(new BenchCommand());
    cl.setErr(new PrintWriter(err, true));

    assertThat(cl.execute("--preset", "fast")).isEqualTo(2);
    assertThat(err.toString()).contains("unknown preset 'fast'")
        .contains("independent, larger-than-cache");
    assertThatThrownBy(() -> Preset.parse("x")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void help_showsEachPresetsExpansion() {
    StringWriter out = new StringWriter();
    CommandLine cl = new CommandLine(new BenchCommand());
    cl.setOut(new PrintWriter(out, true));
    cl.execute("--help");
    String help = out.toString().replaceAll("\\s+", " ");

    for (Preset p : Preset.values()) {
      assertThat(help).contains(p.id() + " " + String.join(" ", p.arguments()));
    }
    assertThat(List.of(Preset.values())).hasSize(2);
  }
}
