package dev.strata.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.strata.DBIterator;
import dev.strata.HistogramData;
import dev.strata.HistogramType;
import dev.strata.Options;
import dev.strata.Statistics;
import dev.strata.StatisticsLevel;
import dev.strata.StrataDB;
import dev.strata.Ticker;
import dev.strata.WriteBatch;
import dev.strata.WriteOptions;
import dev.strata.stats.StatsRecorder;
import dev.strata.testing.FaultInjectionFileSystem;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The statistics follow the work done: each assertion compares a ticker or histogram with a figure
 * the test knows from what it did (keys and bytes written, lookups of absent keys, the tables a
 * flush wrote), so a ticker that stops counting, or counts twice, fails.
 */
class StatisticsTest {
  private static final Path DIR = Path.of("/db");

  private final FaultInjectionFileSystem fs = new FaultInjectionFileSystem(1);

  /** A database that times every get and write (not one in 8), so that counts are exact. */
  private StrataDB open(StatisticsLevel level) {
    StrataDB db = openSampled(level);
    ((DbImpl) db).timeEveryCallForTesting();
    return db;
  }

  /** A database that times a sample of gets and writes, as every database does. */
  private StrataDB openSampled(StatisticsLevel level) {
    return StrataDB.open(
        DIR,
        Options.builder()
            .fileSystem(fs)
            .jmx(false)
            .statisticsLevel(level)
            .backgroundCompaction(false)
            // A cache of its own, whose counters are the database's at every level (a shared one,
            // the JVM's default included, is counted by the database's lookups, with statistics on).
            .blockCacheBytes(1 << 20)
            .build());
  }

  private static byte[] key(int i) {
    return String.format("key%06d", i).getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] value(int i) {
    return new byte[10 + i % 7];
  }

  @Test
  void writes_countKeysBytesGroupsAndLatencies() {
    try (StrataDB db = open(StatisticsLevel.ALL)) {
      Statistics s = db.getStatistics();
      long bytes = 0;
      for (int i = 0; i < 100; i++) {
        db.put(key(i), value(i));
        bytes += key(i).length + value(i).length;
      }
      WriteBatch batch = new WriteBatch();
      for (int i = 100; i < 105; i++) {
        batch.put(key(i), value(i));
        bytes += key(i).length + value(i).length;
      }
      batch.delete(key(0));
      bytes += key(0).length;
      db.write(batch);
      db.put(key(200), value(200), WriteOptions.SYNC);
      db.put(key(201), value(201), WriteOptions.SYNC);
      bytes += key(200).length + value(200).length + key(201).length + value(201).length;

      assertThat(s.tickerCount(Ticker.KEYS_WRITTEN)).isEqualTo(108);
      assertThat(s.tickerCount(Ticker.BYTES_WRITTEN)).isEqualTo(bytes);
      assertThat(s.tickerCount(Ticker.WAL_SYNCS)).isEqualTo(2);
      assertThat(s.tickerCount(Ticker.WAL_BYTES)).isGreaterThan(bytes);
      // One writer at a time: every write is a group of one.
      assertThat(s.tickerCount(Ticker.COMMIT_GROUPS)).isEqualTo(103);
      HistogramData groups = s.histogram(HistogramType.COMMIT_GROUP_SIZE);
      assertThat(groups.count()).isEqualTo(103);
      assertThat(groups.sum()).isEqualTo(103);
      assertThat(groups.max()).isEqualTo(1);
      assertThat(s.histogram(HistogramType.WRITE_NANOS).count()).isEqualTo(103);
      assertThat(s.histogram(HistogramType.WRITE_NANOS).p50()).isPositive();
      assertThat(s.histogram(HistogramType.WAL_SYNC_NANOS).count()).isEqualTo(2);
      assertThat(db.getProperty("strata.bytes-written-user")).isEqualTo(Long.toString(bytes));
    }
  }

  @Test
  void multiGet_countsTheBloomProbesOfSortedLevels() {
    try (StrataDB db = open(StatisticsLevel.ALL)) {
      Statistics s = db.getStatistics();
      for (int i = 0; i < 200; i++) {
        db.put(key(i), value(i));
      }
      // Into a sorted level, where multiGet walks the files itself.
      db.compactRange(null, null);
      long checkedBefore = s.tickerCount(Ticker.BLOOM_CHECKED);
      long usefulBefore = s.tickerCount(Ticker.BLOOM_USEFUL);
      java.util.List<byte[]> absent = new java.util.ArrayList<>();
      for (int i = 0; i < 100; i++) {
        absent.add((new String(key(i), StandardCharsets.UTF_8) + "x").getBytes(StandardCharsets.UTF_8));
      }
      assertThat(db.multiGet(absent)).containsOnlyNulls();
      assertThat(s.tickerCount(Ticker.BLOOM_CHECKED) - checkedBefore).isEqualTo(100);
      assertThat(s.tickerCount(Ticker.BLOOM_USEFUL) - usefulBefore).isBetween(90L, 100L);
    }
  }

  @Test
  void reads_countHitsMissesBloomAndBlockCache() {
    try (StrataDB db = open(StatisticsLevel.ALL)) {
      Statistics s = db.getStatistics();
      for (int i = 0; i < 200; i++) {
        db.put(key(i), value(i));
      }
      assertThat(db.get(key(3))).hasSize(value(3).length);
      assertThat(s.tickerCount(Ticker.MEMTABLE_HIT)).isEqualTo(1);
      db.flush();

      long bloomBefore = s.tickerCount(Ticker.BLOOM_USEFUL);
      for (int i = 0; i < 100; i++) {
        // Within the table's key range, so the table is consulted and its filter probed.
        byte[] absent = (new String(key(i), StandardCharsets.UTF_8) + "x").getBytes(StandardCharsets.UTF_8);
        assertThat(db.get(absent)).isNull();
      }
      // One table; 10 bits per key give about 1% false positives.
      long useful = s.tickerCount(Ticker.BLOOM_USEFUL) - bloomBefore;
      assertThat(useful).isBetween(90L, 100L);
      assertThat(s.tickerCount(Ticker.BLOOM_CHECKED)).isEqualTo(100);
      assertThat(s.tickerCount(Ticker.MEMTABLE_MISS)).isEqualTo(100);
      assertThat(s.tickerCount(Ticker.KEYS_FOUND)).isEqualTo(1);

      long valueBytes = 0;
      for (int round = 0; round < 2; round++) {
        for (int i = 0; i < 200; i += 50) {
          valueBytes += db.get(key(i)).length;
        }
      }
      assertThat(s.tickerCount(Ticker.KEYS_READ)).isEqualTo(1 + 100 + 8);
      assertThat(s.tickerCount(Ticker.KEYS_FOUND)).isEqualTo(1 + 8);
      assertThat(s.tickerCount(Ticker.BYTES_READ)).isEqualTo(value(3).length + valueBytes);
      assertThat(s.histogram(HistogramType.BYTES_PER_READ).count()).isEqualTo(9);
      assertThat(s.histogram(HistogramType.GET_NANOS).count()).isEqualTo(109);
      // The second round finds in the cache the blocks the first round read and added.
      long misses = s.tickerCount(Ticker.BLOCK_CACHE_DATA_MISS);
      assertThat(misses).isBetween(1L, 4L);
      assertThat(s.tickerCount(Ticker.BLOCK_CACHE_DATA_ADD)).isEqualTo(misses);
      // Data-block lookups: the 8 found gets and the filter's false positives.
      assertThat(s.tickerCount(Ticker.BLOCK_CACHE_DATA_HIT)).isEqualTo(8 + (100 - useful) - misses);
      assertThat(s.tickerCount(Ticker.FILES_OPENED)).isGreaterThanOrEqualTo(1);
    }
  }

  @Test
  void flushAndCompaction_countFilesBytesAndDurations() {
    try (StrataDB db = open(StatisticsLevel.ALL)) {
      Statistics s = db.getStatistics();
      for (int i = 0; i < 300; i++) {
        db.put(key(i), value(i));
      }
      db.flush();
      for (int i = 0; i < 300; i += 2) {
        db.put(key(i), value(i + 1));
      }
      db.flush();
      long level0 = Long.parseLong(db.getProperty("strata.level-bytes0"));
      assertThat(s.tickerCount(Ticker.FLUSHES)).isEqualTo(2);
      assertThat(s.tickerCount(Ticker.FLUSH_BYTES_WRITTEN)).isEqualTo(level0);
      assertThat(s.histogram(HistogramType.FLUSH_NANOS).count()).isEqualTo(2);

      db.compactRange(null, null);
      long total = Long.parseLong(db.getProperty("strata.total-sst-bytes"));
      assertThat(s.tickerCount(Ticker.COMPACTIONS)).isGreaterThanOrEqualTo(1);
      assertThat(s.tickerCount(Ticker.COMPACTION_BYTES_READ)).isGreaterThanOrEqualTo(level0);
      // Only the last compaction's output remains; earlier ones' were read again.
      assertThat(s.tickerCount(Ticker.COMPACTION_BYTES_WRITTEN)).isGreaterThanOrEqualTo(total);
      assertThat(s.histogram(HistogramType.COMPACTION_NANOS).count())
          .isEqualTo(s.tickerCount(Ticker.COMPACTIONS));
    }
  }

  @Test
  void iterator_countsSeeksAndSteps_timesOneStepIn64() {
    try (StrataDB db = open(StatisticsLevel.ALL)) {
      Statistics s = db.getStatistics();
      for (int i = 0; i < 300; i++) {
        db.put(key(i), value(i));
      }
      int steps = 0;
      try (DBIterator it = db.newIterator()) {
        it.seek(key(50));
        for (; it.isValid() && steps < 200; it.next()) {
          steps++;
        }
        assertThat(s.tickerCount(Ticker.ITER_NEXTS)).isEqualTo(192);
      }
      assertThat(steps).isEqualTo(200);
      assertThat(s.tickerCount(Ticker.ITER_SEEKS)).isEqualTo(1);
      assertThat(s.tickerCount(Ticker.ITER_NEXTS)).isEqualTo(200);
      assertThat(s.histogram(HistogramType.SEEK_NANOS).count()).isEqualTo(1);
      // Three timed steps, each standing for 64, as the sampled gets and writes stand for 8.
      assertThat(s.histogram(HistogramType.NEXT_NANOS).count()).isEqualTo(3 * 64);
    }
  }

  @Test
  void tickersOnly_countsButKeepsNoHistogram() {
    try (StrataDB db = open(StatisticsLevel.TICKERS_ONLY)) {
      Statistics s = db.getStatistics();
      for (int i = 0; i < 10; i++) {
        db.put(key(i), value(i));
        db.get(key(i));
      }
      assertThat(s.level()).isEqualTo(StatisticsLevel.TICKERS_ONLY);
      assertThat(s.tickerCount(Ticker.KEYS_WRITTEN)).isEqualTo(10);
      assertThat(s.tickerCount(Ticker.KEYS_READ)).isEqualTo(10);
      assertThat(s.histogram(HistogramType.GET_NANOS)).isEqualTo(HistogramData.EMPTY);
      assertThat(s.histograms()).isEmpty();
      assertThat(s.dump()).contains("strata.keys.written COUNT : 10").doesNotContain("P50");
    }
  }

  @Test
  void off_keepsOnlyTheEnginesOwnCounters() {
    try (StrataDB db = open(StatisticsLevel.OFF)) {
      Statistics s = db.getStatistics();
      for (int i = 0; i < 10; i++) {
        db.put(key(i), value(i));
      }
      db.flush();
      for (int i = 0; i < 10; i++) {
        db.get(key(i));
      }
      // Counted for strata.stats whatever the level:
      assertThat(s.tickerCount(Ticker.KEYS_WRITTEN)).isEqualTo(10);
      assertThat(s.tickerCount(Ticker.KEYS_READ)).isEqualTo(10);
      assertThat(s.tickerCount(Ticker.FLUSHES)).isEqualTo(1);
      // Read from what the engine keeps anyway (reads less memtable hits; the database's own
      // block cache):
      assertThat(s.tickerCount(Ticker.MEMTABLE_MISS)).isEqualTo(10);
      assertThat(s.tickerCount(Ticker.BLOCK_CACHE_DATA_MISS)).isPositive();
      // Statistics' own:
      assertThat(s.tickerCount(Ticker.BLOOM_CHECKED)).isZero();
      assertThat(s.tickerCount(Ticker.KEYS_FOUND)).isZero();
      assertThat(s.histograms()).isEmpty();
    }
  }

  @Test
  void setLevel_turnsHistogramsAndTickersOnAndOffWhileOpen() {
    try (StrataDB db = open(StatisticsLevel.TICKERS_ONLY)) {
      Statistics s = db.getStatistics();
      for (int i = 0; i < 10; i++) {
        db.put(key(i), value(i));
      }
      db.get(key(0));
      assertThat(s.histogram(HistogramType.GET_NANOS)).isEqualTo(HistogramData.EMPTY);

      s.setLevel(StatisticsLevel.ALL);
      assertThat(s.level()).isEqualTo(StatisticsLevel.ALL);
      for (int i = 0; i < 4; i++) {
        db.get(key(i));
      }
      // Only the gets made at ALL are timed; the tickers kept counting throughout.
      assertThat(s.histogram(HistogramType.GET_NANOS).count()).isEqualTo(4);
      assertThat(s.histograms()).containsKey(HistogramType.GET_NANOS);
      assertThat(s.tickerCount(Ticker.KEYS_FOUND)).isEqualTo(5);

      s.setLevel(StatisticsLevel.OFF);
      db.get(key(5));
      db.put(key(11), value(11));
      assertThat(s.tickerCount(Ticker.KEYS_FOUND)).isEqualTo(5);
      assertThat(s.tickerCount(Ticker.KEYS_READ)).isEqualTo(6);
      assertThat(s.histograms()).isEmpty();

      // Back at ALL, what the histograms held is still there; writes made at OFF were not timed.
      s.setLevel(StatisticsLevel.ALL);
      assertThat(s.histogram(HistogramType.GET_NANOS).count()).isEqualTo(4);
      assertThat(s.histogram(HistogramType.WRITE_NANOS).count()).isZero();
      db.put(key(12), value(12));
      assertThat(s.histogram(HistogramType.WRITE_NANOS).count()).isEqualTo(1);
    }
  }

  @Test
  void getsAndWrites_timeOneCallInEight_countsStayExact() {
    try (StrataDB db = openSampled(StatisticsLevel.ALL)) {
      Statistics s = db.getStatistics();
      int n = 8_000;
      for (int i = 0; i < n; i++) {
        db.put(key(i % 100), value(i));
        db.get(key(i % 200));
      }
      // A random eighth is timed, each for 8 calls: 8,000 expected, standard deviation about 240.
      for (HistogramType h : new HistogramType[] {HistogramType.GET_NANOS, HistogramType.WRITE_NANOS}) {
        HistogramData d = s.histogram(h);
        assertThat(d.count()).as(h.name()).isBetween(6_000L, 10_000L);
        assertThat(d.count() % StatsRecorder.LATENCY_SAMPLE).as(h.name()).isZero();
        assertThat(d.p50()).as(h.name()).isPositive();
        assertThat(d.mean()).as(h.name()).isBetween(d.p50() / 100, (double) d.max());
      }
      // Counts stay exact: every call, found or not.
      assertThat(s.tickerCount(Ticker.KEYS_READ)).isEqualTo(n);
      assertThat(s.tickerCount(Ticker.KEYS_WRITTEN)).isEqualTo(n);
      assertThat(s.tickerCount(Ticker.KEYS_FOUND)).isEqualTo(n / 2);
      assertThat(s.histogram(HistogramType.BYTES_PER_READ).count()).isEqualTo(n / 2);
      assertThat(s.tickerCount(Ticker.BYTES_READ))
          .isEqualTo(s.histogram(HistogramType.BYTES_PER_READ).sum());
      // The sampled writers' waits stand for the whole: a multiple of the period.
      assertThat(s.tickerCount(Ticker.COMMIT_WAIT_NANOS) % StatsRecorder.LATENCY_SAMPLE).isZero();
    }
  }

  @Test
  void keysFoundAndBytesRead_addUpAcrossLevelChanges() {
    try (StrataDB db = open(StatisticsLevel.TICKERS_ONLY)) {
      Statistics s = db.getStatistics();
      db.put(key(1), value(1));
      db.get(key(1));
      s.setLevel(StatisticsLevel.ALL);
      db.get(key(1));
      db.get(key(2));
      s.setLevel(StatisticsLevel.TICKERS_ONLY);
      db.get(key(1));
      assertThat(s.tickerCount(Ticker.KEYS_FOUND)).isEqualTo(3);
      assertThat(s.tickerCount(Ticker.BYTES_READ)).isEqualTo(3L * value(1).length);
    }
  }

  @Test
  void setLevel_rejectsNull() {
    try (StrataDB db = open(StatisticsLevel.ALL)) {
      assertThatThrownBy(() -> db.getStatistics().setLevel(null))
          .isInstanceOf(NullPointerException.class)
          .hasMessageContaining("level");
      assertThat(db.getStatistics().level()).isEqualTo(StatisticsLevel.ALL);
    }
  }

  @Test
  void dump_listsEveryTickerAndHistogram() {
    try (StrataDB db = open(StatisticsLevel.ALL)) {
      db.put(key(1), value(1));
      String dump = db.getStatistics().dump();
      for (Ticker t : Ticker.values()) {
        assertThat(dump).contains(t.statName() + " COUNT : ");
      }
      for (HistogramType h : HistogramType.values()) {
        assertThat(dump).contains(h.statName() + " P50 : ");
      }
      assertThat(dump).contains("strata.keys.written COUNT : 1\n");
    }
  }
}
