package dev.strata.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.strata.bench.engine.WriteStalls;
import dev.strata.bench.keys.ValueKind;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
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
    return run(ops, elapsedMillis, latencyMicros, wa, OptionalInt.of((int) ops / 10),
        Optional.of(new WriteStalls(ops * 3, ops / 50)));
  }

  private static Measurement run(
      long ops, long elapsedMillis, long latencyMicros, double wa, OptionalInt maxLevel0,
      Optional<WriteStalls> stalls) {
    Histogram h = new Histogram(3);
    for (int i = 0; i < ops; i++) {
      h.recordValue(latencyMicros * 1000);
    }
    return new Measurement("readrandom", 2, ops, ops, ops, ops * 116, elapsedMillis * 1_000_000,
        h, OptionalDouble.of(wa), maxLevel0, stalls, 1000 + ops, 10 * ops, ops, CacheState.WARM);
  }

  @Test
  void aggregate_threeRuns_reportsMedianRunAndMergedLatency() {
    List<Measurement> runs = List.of(run(100, 100, 5, 1.1), run(300, 100, 7, 1.3),
        run(200, 100, 6, 1.2));

    BenchResult r = BenchResult.aggregate(
        "rocksdb", runs, 1000, 16, 100, ValueKind.HALF, false, Map.of("k", "v"));

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
  void aggregate_threeRuns_takesLargestLevel0AndMedianRunsStalls() {
    List<Measurement> runs = List.of(
        run(100, 100, 5, 1.1, OptionalInt.of(9), Optional.of(new WriteStalls(700, 7))),
        run(300, 100, 7, 1.3, OptionalInt.of(2), Optional.of(new WriteStalls(100, 1))),
        run(200, 100, 6, 1.2, OptionalInt.of(4), Optional.of(new WriteStalls(400, -1))));

    BenchResult r =
        BenchResult.aggregate("strata", runs, 1000, 16, 100, ValueKind.HALF, false, Map.of());

    assertThat(r.maxLevel0Files()).isEqualTo(9);
    assertThat(r.stallMicros()).isEqualTo(400);
    assertThat(r.stallCount()).isEqualTo(-1);
  }

  @Test
  void aggregate_engineWithoutLevelsOrStalls_isUnknown() {
    BenchResult r = BenchResult.aggregate("leveldb",
        List.of(run(50, 10, 3, Double.NaN, OptionalInt.empty(), Optional.empty())), 50, 16, 100,
        ValueKind.HALF, false, Map.of());

    assertThat(r.maxLevel0Files()).isEqualTo(-1);
    assertThat(r.stallMicros()).isEqualTo(-1);
    assertThat(r.stallCount()).isEqualTo(-1);
  }

  @Test
  void writeStalls_minus_keepsAnUncountedCountUnknown() {
    assertThat(new WriteStalls(900, 5).minus(new WriteStalls(400, 2)))
        .isEqualTo(new WriteStalls(500, 3));
    assertThat(new WriteStalls(900, -1).minus(new WriteStalls(400, -1)))
        .isEqualTo(new WriteStalls(500, -1));
  }

  @Test
  void jsonLine_roundTrip_keepsEveryField() throws Exception {
    BenchResult r = BenchResult.aggregate("strata", List.of(run(50, 10, 3, 2.5)), 50, 16, 100,
        ValueKind.HALF, true, Map.of("memtable", "64 MiB"));

    BenchResult back = JsonLines.fromLine(JsonLines.toLine(r));

    assertThat(back).isEqualTo(r);
    assertThat(JsonLines.toLine(r)).contains("\"maxLevel0Files\":5", "\"stallMicros\":150",
        "\"stallCount\":1");
    assertThat(back.maxLevel0Files()).isEqualTo(5);
    assertThat(back.stallMicros()).isEqualTo(150);
    assertThat(back.stallCount()).isEqualTo(1);
  }

  @Test
  void jsonLine_unknownLevel0AndStalls_areNullAndReadBackUnknown() throws Exception {
    BenchResult r = BenchResult.aggregate("skiplist-map",
        List.of(run(50, 10, 3, Double.NaN, OptionalInt.empty(), Optional.empty())), 50, 16, 100,
        ValueKind.HALF, true, Map.of());

    String line = JsonLines.toLine(r);
    BenchResult back = JsonLines.fromLine(line);

    assertThat(line).contains("\"maxLevel0Files\":null", "\"stallMicros\":null",
        "\"stallCount\":null");
    assertThat(back).isEqualTo(r);
  }

  @Test
  void jsonLine_withoutLevel0AndStallFields_readsThemAsUnknown() throws Exception {
    BenchResult r = BenchResult.aggregate("rocksdb", List.of(run(50, 10, 3, 1.5)), 50, 16, 100,
        ValueKind.HALF, false, Map.of());
    String line = JsonLines.toLine(r).replaceAll("\"(maxLevel0Files|stallMicros|stallCount)\":"
        + "[0-9]+,", "");

    BenchResult back = JsonLines.fromLine(line);

    assertThat(line).doesNotContain("stallMicros");
    assertThat(back.maxLevel0Files()).isEqualTo(-1);
    assertThat(back.stallMicros()).isEqualTo(-1);
    assertThat(back.opsPerSec()).isEqualTo(r.opsPerSec());
  }

  @Test
  void jsonLine_unknownWriteAmplification_isNull() {
    BenchResult r = BenchResult.aggregate("leveldb", List.of(run(50, 10, 3, Double.NaN)), 50, 16,
        100, ValueKind.HALF, false, Map.of());

    assertThat(JsonLines.toLine(r)).contains("\"writeAmplification\":null");
  }
}
