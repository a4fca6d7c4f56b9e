package dev.strata.ycsb;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * End to end: the suite runs YCSB's own site.ycsb.Client in child JVMs on both bindings (a
 * load of 1,000 records, then 1,000 operations of workload A) and reads the outputs with the
 * parser the summary uses.
 */
class YcsbSuiteTest {
  @TempDir Path tmp;

  private int run(StringWriter out, String... args) {
    CommandLine cl = new CommandLine(new YcsbSuite());
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(out, true));
    return cl.execute(args);
  }

  @Test
  void suite_loadAndWorkloadAOnBothEngines_completeWithoutErrors() throws Exception {
    Path results = tmp.resolve("results");
    StringWriter out = new StringWriter();

    int exit = run(out, "--engines", "strata,rocksdb", "--phases", "load,a", "--records", "1000",
        "--operations", "1000", "--heap", "256m", "--jvm-option", "-XX:TieredStopAtLevel=1",
        "--db", tmp.resolve("db").toString(), "--results", results.toString(),
        "--timeout", "120");

    assertThat(exit).as(out.toString()).isZero();
    assertThat(out.toString()).containsPattern("r1 strata +load .* ops/s, INSERT p99 .*, peak RSS [0-9,]+ MiB");
    for (String engine : new String[] {"strata", "rocksdb"}) {
      YcsbOutput load = YcsbOutput.read(results.resolve("r1-" + engine + "-01-load.out"));
      assertThat(load.completed()).isTrue();
      assertThat(load.operationsDone()).isEqualTo(1000);
      assertThat(load.operation("INSERT").orElseThrow().operations()).isEqualTo(1000);
      YcsbOutput a = YcsbOutput.read(results.resolve("r1-" + engine + "-02-a.out"));
      assertThat(a.completed()).isTrue();
      assertThat(a.operationsDone()).isEqualTo(1000);
      assertThat(a.errors()).isZero();
      assertThat(a.notFound()).isZero();
      assertThat(a.operation("READ").orElseThrow().operations()
          + a.operation("UPDATE").orElseThrow().operations()).isEqualTo(1000);
    }
    String summary = Files.readString(results.resolve("summary.md"));
    assertThat(summary).contains("| phase | op | Strata ops/s | RocksDB ops/s | Strata / RocksDB",
        "| a | UPDATE |", "- Strata: memtable", "- RocksDB ", "no ERROR and no NOT_FOUND");
    assertThat(Files.readString(results.resolve("commands.txt")))
        .contains("site.ycsb.Client -load -db dev.strata.ycsb.StrataClient");
    assertThat(results.resolve("workloads/workloade")).exists();
    // Each phase's peak RSS was read from /proc while its JVM ran: a number in MiB, not "n/a".
    assertThat(summary).containsPattern(
        "\\| load \\| INSERT \\|( [^|]+ \\|){5} [0-9,]+ \\| [0-9,]+ \\| [0-9.]+x \\|");
  }

  @Test
  void defaultHeap_passesNoXmx() throws Exception {
    Path results = tmp.resolve("results-default-heap");
    StringWriter out = new StringWriter();

    int exit = run(out, "--engines", "strata", "--phases", "load", "--records", "100",
        "--heap", "default", "--jvm-option", "-XX:TieredStopAtLevel=1",
        "--db", tmp.resolve("db2").toString(), "--results", results.toString(),
        "--timeout", "120");

    assertThat(exit).as(out.toString()).isZero();
    assertThat(Files.readString(results.resolve("commands.txt"))).doesNotContain("-Xmx");
    assertThat(Files.readString(results.resolve("summary.md"))).contains("(the default heap");
  }

  @Test
  void suite_badArguments_exitTwo() {
    assertThat(run(new StringWriter(), "--records", "0")).isEqualTo(2);
    assertThat(run(new StringWriter(), "--engines", "leveldb")).isEqualTo(2);
    assertThat(run(new StringWriter(), "--phases", "load,g")).isEqualTo(2);
  }

  @Test
  void help_listsTheOptions() {
    StringWriter out = new StringWriter();

    assertThat(run(out, "--help")).isZero();

    assertThat(out.toString()).contains("--engines", "--phases", "--records", "--operations",
        "--threads", "--repeat", "--heap", "--results");
  }
}
