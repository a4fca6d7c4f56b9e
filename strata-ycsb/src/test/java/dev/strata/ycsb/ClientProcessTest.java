package dev.strata.ycsb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ClientProcessTest {
  private static ClientProcess process(Engine engine, Phase phase, String options) {
    return new ClientProcess(Path.of("/jdk/bin/java"), List.of("-Xmx2g", "-XX:+UseG1GC"),
        "app.jar", engine, phase, Path.of("/w/" + phase.workloadFile()), Path.of("/db/x"),
        1000, 2000, 2, options, Map.of("fieldcount", "5"));
  }

  @Test
  void peakRssBytes_ofThisJvm_isItsHighWaterMark_andOfNoProcess_unknown() {
    long peak = ClientProcess.peakRssBytes(ProcessHandle.current().pid());
    // The tests run on Linux: this JVM's heap in use alone is resident.
    Runtime rt = Runtime.getRuntime();
    assertThat(peak).isGreaterThan(rt.totalMemory() - rt.freeMemory());
    assertThat(ClientProcess.peakRssBytes(Long.MAX_VALUE)).isEqualTo(-1);
  }

  @Test
  void command_load_usesYcsbClientWithLoadAndWorkloadA() {
    assertThat(process(Engine.STRATA, new Phase("load"), null).command()).containsExactly(
        "/jdk/bin/java", "-Xmx2g", "-XX:+UseG1GC", "-cp", "app.jar", "site.ycsb.Client",
        "-load", "-db", "dev.strata.ycsb.StrataClient", "-P", "/w/workloada", "-threads", "2",
        "-p", "recordcount=1000", "-p", "operationcount=2000", "-p", "strata.dir=/db/x",
        "-p", "fieldcount=5");
  }

  @Test
  void command_runWithOptions_usesTransactionsAndTheEngineProperties() {
    List<String> cmd = process(Engine.ROCKSDB, new Phase("e"), "cache-mb=8").command();

    assertThat(cmd).containsSubsequence("-t", "-db", "dev.strata.ycsb.RocksDbClient", "-P",
        "/w/workloade");
    assertThat(cmd).containsSubsequence("-p", "rocksdb.dir=/db/x", "-p",
        "rocksdb.options=cache-mb=8");
    assertThat(cmd).doesNotContain("-s");
  }

  @Test
  void shellLine_quotesWhatTheShellWouldSplit() {
    ClientProcess p = new ClientProcess(Path.of("java"), List.of(), "a b.jar", Engine.STRATA,
        new Phase("c"), Path.of("/w/workloadc"), Path.of("/db/it's"), 1, 1, 1, null, Map.of());

    assertThat(p.shellLine()).contains("-cp 'a b.jar'", "'strata.dir=/db/it'\\''s'");
  }

  @Test
  void phase_namesAndMainOperations() {
    assertThat(Phase.parse("WorkloadF").name()).isEqualTo("f");
    assertThat(new Phase("f").mainOperation()).isEqualTo("READ-MODIFY-WRITE");
    assertThat(new Phase("e").mainOperation()).isEqualTo("SCAN");
    assertThat(new Phase("a").mainOperation()).isEqualTo("UPDATE");
    assertThat(new Phase("d").mainOperation()).isEqualTo("READ");
    assertThat(new Phase("load").mainOperation()).isEqualTo("INSERT");
    assertThatThrownBy(() -> Phase.parse("g")).isInstanceOf(IllegalArgumentException.class);
    assertThat(Engine.parse("RocksDB")).isEqualTo(Engine.ROCKSDB);
    assertThatThrownBy(() -> Engine.parse("leveldb")).hasMessageContaining("strata or rocksdb");
  }
}
