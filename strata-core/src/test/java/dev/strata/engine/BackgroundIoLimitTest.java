package dev.strata.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.Options;
import dev.strata.StrataDB;
import dev.strata.Ticker;
import dev.strata.testing.FaultInjectionFileSystem;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code backgroundIoBytesPerSecond} holds a compaction to the rate: with a limit, writing its
 * output takes at least its bytes over the limit (less the limiter's burst); without, the same
 * compaction on the in-memory file system takes a small part of that (not asserted: a timing
 * upper bound would fail on a slow or paused machine).
 */
class BackgroundIoLimitTest {
  private static final long RATE = 512 << 10;

  private static long compactNanos(long limit, long[] written) {
    FaultInjectionFileSystem fs = new FaultInjectionFileSystem(1);
    Options o =
        Options.builder()
            .fileSystem(fs)
            .jmx(false)
            .backgroundCompaction(false)
            .compression(dev.strata.Compression.NONE)
            .backgroundIoBytesPerSecond(limit)
            .build();
    try (StrataDB db = StrataDB.open(Path.of("/db"), o)) {
      Random r = new Random(3);
      for (int round = 0; round < 2; round++) {
        for (int i = 0; i < 600; i++) {
          byte[] v = new byte[400];
          r.nextBytes(v);
          db.put(String.format("key%06d", i).getBytes(), v);
        }
        db.flush();
      }
      long before = db.getStatistics().tickerCount(Ticker.COMPACTION_BYTES_WRITTEN);
      long start = System.nanoTime();
      db.compactRange(null, null);
      long nanos = System.nanoTime() - start;
      written[0] = db.getStatistics().tickerCount(Ticker.COMPACTION_BYTES_WRITTEN) - before;
      if (limit > 0) {
        assertThat(db.getStatistics().tickerCount(Ticker.BACKGROUND_IO_WAIT_NANOS)).isPositive();
      }
      return nanos;
    }
  }

  @Test
  void limitedCompaction_takesAtLeastBytesOverTheLimit() {
    long[] written = new long[1];
    long nanos = compactNanos(RATE, written);
    assertThat(written[0]).isGreaterThan(200_000);
    // Less the limiter's 100 ms burst, and the last append, which may go as its reservation starts
    // (one block, or a table's index and filter: far below 64 KiB here).
    long floor =
        (long) ((written[0] - (64 << 10)) * 1e9 / RATE) - TimeUnit.MILLISECONDS.toNanos(100);
    assertThat(nanos).as("compaction of %d bytes at %d B/s", written[0], RATE).isGreaterThanOrEqualTo(floor);
  }
}
