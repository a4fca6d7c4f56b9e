package dev.strata.compaction;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;

/**
 * The limiter paces writers to its rate: never faster, whatever the number of writers. A write
 * may go once its reservation starts, so {@code n} writes of {@code b} bytes take at least {@code
 * (n - 1) * b / rate}, less the burst.
 */
class IoRateLimiterTest {
  private static final long RATE = 1 << 20;

  @Test
  void acquire_oneWriter_takesAtLeastBytesOverRate() {
    LongAdder waited = new LongAdder();
    IoRateLimiter limiter = new IoRateLimiter(RATE, waited);
    long start = System.nanoTime();
    for (int i = 0; i < 64; i++) {
      limiter.acquire(4096); // 256 KiB: a quarter second, less the 100 ms burst
    }
    long elapsed = System.nanoTime() - start;
    long floor = TimeUnit.MILLISECONDS.toNanos(250) * 63 / 64 - IoRateLimiter.BURST_NANOS;
    assertThat(elapsed).isGreaterThanOrEqualTo(floor);
    assertThat(waited.sum()).isGreaterThan(0);
  }

  @Test
  void acquire_twoWriters_shareTheRate() throws Exception {
    IoRateLimiter limiter = new IoRateLimiter(RATE, new LongAdder());
    Runnable write =
        () -> {
          for (int i = 0; i < 32; i++) {
            limiter.acquire(4096);
          }
        };
    long start = System.nanoTime();
    CompletableFuture<Void> a = CompletableFuture.runAsync(write);
    CompletableFuture<Void> b = CompletableFuture.runAsync(write);
    a.get(30, TimeUnit.SECONDS);
    b.get(30, TimeUnit.SECONDS);
    long elapsed = System.nanoTime() - start;
    assertThat(elapsed)
        .isGreaterThanOrEqualTo(
            TimeUnit.MILLISECONDS.toNanos(250) * 63 / 64 - IoRateLimiter.BURST_NANOS);
  }

  @Test
  void constructor_refusesAZeroRate() {
    assertThatThrownBy(() -> new IoRateLimiter(0, new LongAdder()))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
