package dev.strata.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

class ResultMathTest {
  @Test
  void median_oddCount_isMiddleValue() {
    assertThat(ResultMath.median(5, 1, 3)).isEqualTo(3);
  }

  @Test
  void median_evenCount_isMeanOfMiddleValues() {
    assertThat(ResultMath.median(4, 1, 3, 10)).isEqualTo(3.5);
  }

  @Test
  void median_noValues_isRejected() {
    assertThatThrownBy(ResultMath::median).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void spreadPercent_isRangeOverMedian() {
    assertThat(ResultMath.spreadPercent(90, 100, 110)).isCloseTo(20.0, within(1e-9));
    assertThat(ResultMath.spreadPercent(42)).isZero();
    assertThat(ResultMath.spreadPercent(0, 0, 0)).isNaN();
  }

  @Test
  void perSecond_andMibPerSecond_scaleByElapsedTime() {
    assertThat(ResultMath.perSecond(500, 250_000_000L)).isCloseTo(2000, within(1e-9));
    assertThat(ResultMath.mibPerSecond(3L << 20, 2_000_000_000L)).isCloseTo(1.5, within(1e-9));
    assertThat(ResultMath.perSecond(5, 0)).isZero();
  }

  @Test
  void percentileMicros_readsNanosecondHistogram() {
    Histogram h = new Histogram(3);
    for (int i = 1; i <= 1000; i++) {
      h.recordValue(i * 1000L);
    }

    assertThat(ResultMath.percentileMicros(h, 50)).isCloseTo(500, within(1.0));
    assertThat(ResultMath.percentileMicros(h, 99)).isCloseTo(990, within(1.0));
    assertThat(ResultMath.percentileMicros(h, 99.9)).isCloseTo(999, within(1.0));
    assertThat(ResultMath.percentileMicros(new Histogram(3), 99)).isZero();
  }

  @Test
  void ratio_zeroOrMissingBaseline_isNaN() {
    assertThat(ResultMath.ratio(3, 2)).isEqualTo(1.5);
    assertThat(ResultMath.ratio(3, 0)).isNaN();
    assertThat(ResultMath.ratio(Double.NaN, 2)).isNaN();
  }

  private static Measurement run(long ops, long elapsedMillis, long latencyMicros, double wa) {
    Histogram h = new Histogram(3);
    for (int i = 0; i < ops; i++) {
      h.recordValue(latencyMicros * 1000);
    }
    return new Measurement("readrandom", 2, ops, ops, ops, ops * 116, elapsedMillis * 1_000_000,
        h, OptionalDouble.of(wa), 1000 + ops, 10 * ops, ops);
  }

  @Test
  void aggregate_threeRuns_reportsMedianRunAndMergedLatency() {
    List<Measurement> runs = List.of(run(100, 100, 5, 1.1), run(300, 100, 7, 1.3),
        run(200, 100, 6, 1.2));

    BenchResult r = BenchResult.aggregate("rocksdb", runs, 1000, 16, 100, false, Map.of("k", "v"));

    assertThat(r.opsPerSec()).isCloseTo(2000, within(1e-6));
    assertThat(r.opsPerSecMin()).isCloseTo(1000, within(1e-6));
    assertThat(r.opsPerSecMax()).isCloseTo(3000, within(1e-6));
    assertThat(r.spreadPercent()).isCloseTo(100, within(1e-6));
    assertThat(r.ops()).isEqualTo(200);
    assertThat(r.writeAmplification()).isEqualTo(1.2);
    assertThat(r.diskBytes()).isEqualTo(1200);
    assertThat(r.peakRssBytes()).isEqualTo(3000);
    assertThat(r.mibPerSec()).isCloseTo(2000 * 116 / 1048576.0, within(1e-9));
    assertThat(r.p50Micros()).isCloseTo(6, within(0.01));
    assertThat(r.maxMicros()).isCloseTo(7, within(0.01));
    assertThat(r.repeats()).isEqualTo(3);
  }

  @Test
  void jsonLine_roundTrip_keepsEveryField() throws Exception {
    BenchResult r = BenchResult.aggregate("strata", List.of(run(50, 10, 3, 2.5)), 50, 16, 100,
        true, Map.of("memtable", "64 MiB"));

    BenchResult back = JsonLines.fromLine(JsonLines.toLine(r));

    assertThat(back).isEqualTo(r);
  }

  @Test
  void jsonLine_unknownWriteAmplification_isNull() {
    BenchResult r = BenchResult.aggregate("leveldb", List.of(run(50, 10, 3, Double.NaN)), 50, 16,
        100, false, Map.of());

    assertThat(JsonLines.toLine(r)).contains("\"writeAmplification\":null");
  }
}
