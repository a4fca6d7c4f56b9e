package dev.strata.observe;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class StatsDumperTest {
  @Test
  void schedule_runsEveryPeriod_survivesAThrowingDump_andStopsWhenClosed() throws Exception {
    CountDownLatch three = new CountDownLatch(3);
    AtomicInteger runs = new AtomicInteger();
    AutoCloseable handle =
        StatsDumper.schedule(
            Duration.ofMillis(5),
            this,
            self -> {
              runs.incrementAndGet();
              three.countDown();
              throw new IllegalStateException("a dump that fails");
            });
    assertThat(three.await(30, TimeUnit.SECONDS)).isTrue();
    handle.close();
    // A run in flight when closed may still end; after a later run of another task, none follows.
    CountDownLatch fence = new CountDownLatch(1);
    AutoCloseable other = StatsDumper.schedule(Duration.ofMillis(1), this, self -> fence.countDown());
    assertThat(fence.await(30, TimeUnit.SECONDS)).isTrue();
    other.close();
    int after = runs.get();
    CountDownLatch fence2 = new CountDownLatch(1);
    AutoCloseable third = StatsDumper.schedule(Duration.ofMillis(1), this, self -> fence2.countDown());
    assertThat(fence2.await(30, TimeUnit.SECONDS)).isTrue();
    third.close();
    assertThat(runs.get()).isEqualTo(after);
  }

  @Test
  void schedule_zeroPeriod_runsNothing() throws Exception {
    AtomicInteger runs = new AtomicInteger();
    StatsDumper.schedule(Duration.ZERO, this, self -> runs.incrementAndGet()).close();
    CountDownLatch fence = new CountDownLatch(1);
    AutoCloseable other = StatsDumper.schedule(Duration.ofMillis(1), this, self -> fence.countDown());
    assertThat(fence.await(30, TimeUnit.SECONDS)).isTrue();
    other.close();
    assertThat(runs.get()).isZero();
  }
}
