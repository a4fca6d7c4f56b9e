package dev.strata.bench.jmh;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.bench.jmh.ScalingTable.Score;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScalingTableTest {
  private static final byte[] PNG_MAGIC = {(byte) 0x89, 'P', 'N', 'G'};

  private static List<String> sweepOutput() {
    String table = MemtableScaling.align(List.of(
        new String[] {"benchmark", "params", "threads", "ops/s", "error"},
        new String[] {"put", "memtable=sharded-16", "1", "370,278", "949,063"},
        new String[] {"put", "memtable=skiplist", "1", "204,183", "578,314"},
        new String[] {"put", "memtable=sharded-16", "2", "494,884", "901,063"},
        new String[] {"mixed", "memtable=sharded-1 readPercent=90", "2", "285,127", "665,750"},
        new String[] {"mixed", "memtable=sharded-1 readPercent=50", "2", "213,637", "NaN"}));
    return ("# Benchmark: dev.strata.bench.jmh.MemtableBenchmark.put\n"
        + "Iteration   1: 482069.764 ops/s\n\n" + table).lines().toList();
  }

  @Test
  void parse_tablePrintedBySweep_readsEveryRowWithItsMemtableAndOtherParams() {
    List<Score> scores = ScalingTable.parse(sweepOutput());

    assertThat(scores).containsExactly(
        new Score("put", "sharded-16", "", 1, 370_278, 949_063),
        new Score("put", "skiplist", "", 1, 204_183, 578_314),
        new Score("put", "sharded-16", "", 2, 494_884, 901_063),
        new Score("mixed", "sharded-1", "readPercent=90", 2, 285_127, 665_750),
        new Score("mixed", "sharded-1", "readPercent=50", 2, 213_637, Double.NaN));
    assertThat(scores.get(3).chart()).isEqualTo("mixed-readPercent=90");
  }

  @Test
  void parse_withoutTable_isEmpty() {
    assertThat(ScalingTable.parse(List.of("# JMH version: 1.37", "Iteration 1: 5 ops/s")))
        .isEmpty();
  }

  @Test
  void draw_writesOnePngPerBenchmarkAndParameterSet(@TempDir Path dir) throws IOException {
    List<Path> files = ScalingTable.draw(ScalingTable.parse(sweepOutput()), dir);

    assertThat(files).extracting(p -> p.getFileName().toString()).containsExactly(
        "memtable-put.png", "memtable-mixed-readpercent90.png",
        "memtable-mixed-readpercent50.png");
    for (Path f : files) {
      byte[] head = new byte[4];
      System.arraycopy(Files.readAllBytes(f), 0, head, 0, 4);
      assertThat(head).isEqualTo(PNG_MAGIC);
    }
  }
}
