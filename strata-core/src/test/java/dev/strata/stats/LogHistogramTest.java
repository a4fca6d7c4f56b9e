package dev.strata.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.strata.HistogramData;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LogHistogramTest {
  @Test
  void buckets_coverEveryLongInOrder() {
    for (int i = 0; i < LogHistogram.BUCKETS; i++) {
      long hi = LogHistogram.upperBound(i);
      assertThat(LogHistogram.bucketOf(hi)).as("bucket of %d", hi).isEqualTo(i);
      if (i + 1 < LogHistogram.BUCKETS) {
        assertThat(LogHistogram.bucketOf(hi + 1)).isEqualTo(i + 1);
      }
    }
    assertThat(LogHistogram.bucketOf(Long.MAX_VALUE)).isEqualTo(LogHistogram.BUCKETS - 1);
  }

  @Test
  void snapshot_uniformValues_percentilesWithinABucket() {
    LogHistogram h = new LogHistogram();
    for (long v = 1; v <= 10_000; v++) {
      h.record(v);
    }
    HistogramData d = h.snapshot();
    assertThat(d.count()).isEqualTo(10_000);
    assertThat(d.sum()).isEqualTo(10_000L * 10_001 / 2);
    assertThat(d.max()).isEqualTo(10_000);
    assertThat(d.mean()).isCloseTo(5000.5, within(1e-9));
    assertThat(d.p50()).isCloseTo(5000, within(5000 * 0.125));
    assertThat(d.p95()).isCloseTo(9500, within(9500 * 0.125));
    assertThat(d.p99()).isCloseTo(9900, within(9900 * 0.125));
    assertThat(d.p999()).isBetween(9990 * 0.875, 10_000.0);
  }

  @Test
  void snapshot_skewedValues_tailSeparatesFromMedian() {
    LogHistogram h = new LogHistogram();
    Random r = new Random(7);
    for (int i = 0; i < 9_900; i++) {
      h.record(1_000 + r.nextInt(100));
    }
    for (int i = 0; i < 100; i++) {
      h.record(1_000_000);
    }
    HistogramData d = h.snapshot();
    assertThat(d.p50()).isBetween(1_000 * 0.875, 1_100 * 1.125);
    assertThat(d.p95()).isLessThan(1_300);
    assertThat(d.p999()).isBetween(1_000_000 * 0.875, 1_000_000.0);
    assertThat(d.max()).isEqualTo(1_000_000);
  }

  @Test
  void snapshot_empty_isEmpty_andNegativeCountsAsZero() {
    LogHistogram h = new LogHistogram();
    assertThat(h.snapshot()).isEqualTo(HistogramData.EMPTY);
    h.record(-5);
    assertThat(h.snapshot().count()).isEqualTo(1);
    assertThat(h.snapshot().max()).isZero();
  }

  @Test
  void weightedRecords_countAndSumForTheirWeight_percentilesAsUnweighted() {
    LogHistogram weighted = new LogHistogram();
    LogHistogram plain = new LogHistogram();
    Random r = new Random(11);
    for (int i = 0; i < 5_000; i++) {
      long v = 100 + r.nextInt(100_000);
      weighted.record(v, 8);
      plain.record(v);
    }
    HistogramData w = weighted.snapshot();
    HistogramData p = plain.snapshot();
    assertThat(w.count()).isEqualTo(8 * p.count()).isEqualTo(weighted.count());
    assertThat(w.sum()).isEqualTo(8 * p.sum()).isEqualTo(weighted.sum());
    assertThat(w.p50()).isEqualTo(p.p50());
    assertThat(w.p999()).isEqualTo(p.p999());
    assertThat(w.max()).isEqualTo(p.max());
    assertThat(w.mean()).isEqualTo(p.mean());
  }

  @Test
  void max_concurrentRecorders_keepTheLargest() throws Exception {
    LogHistogram h = new LogHistogram();
    Thread[] ts = new Thread[4];
    for (int t = 0; t < ts.length; t++) {
      int id = t;
      ts[t] = new Thread(() -> {
        for (int i = 0; i < 100_000; i++) {
          h.record((long) i * ts.length + id);
        }
      });
      ts[t].start();
    }
    for (Thread t : ts) {
      t.join();
    }
    assertThat(h.snapshot().max()).isEqualTo(100_000L * ts.length - 1);
    assertThat(h.count()).isEqualTo(100_000L * ts.length);
  }
}
