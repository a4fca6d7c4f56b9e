package dev.strata.ycsb;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Parses outputs captured from real runs of site.ycsb.Client 0.17.0 with the Strata binding. */
class YcsbOutputTest {
  private static YcsbOutput testdata(String name) throws IOException {
    try (InputStream in = YcsbOutputTest.class.getResourceAsStream("/testdata/ycsb/" + name)) {
      String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      return YcsbOutput.parse(text.lines().toList());
    }
  }

  @Test
  void parse_workloadF_readsThroughputAndEveryOperation() throws IOException {
    YcsbOutput o = testdata("strata-workloadf.out");

    assertThat(o.completed()).isTrue();
    assertThat(o.throughput().getAsDouble()).isEqualTo(3378.3783783783783);
    assertThat(o.runtimeMs().getAsDouble()).isEqualTo(592);
    assertThat(o.operations().keySet())
        .containsExactly("READ", "READ-MODIFY-WRITE", "CLEANUP", "UPDATE");
    YcsbOutput.Operation read = o.operation("READ").orElseThrow();
    assertThat(read.operations()).isEqualTo(2000);
    assertThat(read.averageUs()).isEqualTo(164.5725);
    assertThat(read.p99Us()).isEqualTo(3127);
    assertThat(read.returns()).containsExactlyEntriesOf(Map.of("OK", 2000L));
    YcsbOutput.Operation rmw = o.operation("READ-MODIFY-WRITE").orElseThrow();
    assertThat(rmw.operations()).isEqualTo(1013);
    assertThat(rmw.p99Us()).isEqualTo(10463);
    assertThat(o.operationsDone()).isEqualTo(2000);
    assertThat(o.errors()).isZero();
    assertThat(o.notFound()).isZero();
  }

  @Test
  void parse_readsOfAnEmptyDatabase_countsNotFoundOnce() throws IOException {
    YcsbOutput o = testdata("strata-workloadc-empty-db.out");

    assertThat(o.completed()).isTrue();
    assertThat(o.notFound()).isEqualTo(100);
    assertThat(o.errors()).isZero();
    assertThat(o.operationsDone()).isEqualTo(100);
    assertThat(o.operation("READ-FAILED").orElseThrow().operations()).isEqualTo(100);
  }

  @Test
  void parse_initFailedInEveryThread_completedButNoOperationDone() throws IOException {
    YcsbOutput o = testdata("strata-init-failed.out");

    assertThat(o.completed()).isTrue();
    assertThat(o.throughput().getAsDouble()).isZero();
    assertThat(o.operationsDone()).isZero();
    assertThat(o.operations()).isEmpty();
  }

  @Test
  void parse_errorStatuses_countedAsErrorsNotAsNotFound() {
    YcsbOutput o = YcsbOutput.parse(List.of(
        "[OVERALL], Throughput(ops/sec), 10.0",
        "[UPDATE], Operations, 7",
        "[UPDATE], Return=OK, 7",
        "[UPDATE], Return=ERROR, 2",
        "[UPDATE], Return=UNEXPECTED_STATE, 1",
        "[UPDATE-FAILED], Operations, 3",
        "[UPDATE-FAILED], Return=ERROR, 99",
        "[READ], Operations, 4",
        "[READ], Return=NOT_FOUND, 4"));

    assertThat(o.errors()).isEqualTo(3);
    assertThat(o.notFound()).isEqualTo(4);
    assertThat(o.operationsDone()).isEqualTo(14);
  }

  @Test
  void parse_noOverallLine_notCompleted() {
    YcsbOutput o = YcsbOutput.parse(List.of("Exception in thread main", "", "[READ], oops"));

    assertThat(o.completed()).isFalse();
    assertThat(o.operations()).isEmpty();
  }
}
