package dev.strata.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The schedule of a failed flush's or compaction's next attempts. */
class RetryBackoffTest {
  private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

  @Test
  void oneSecondFiveTimes_thenDoubling_upToThirtySeconds_andAtOnceAfterASuccess() {
    BackgroundJobs.Backoff b = new BackgroundJobs.Backoff();
    long now = 1_000 * SECOND;
    assertThat(b.due(now)).isTrue();
    List<Long> waits = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      long waitMillis = b.failed(now);
      waits.add(waitMillis);
      long wait = TimeUnit.MILLISECONDS.toNanos(waitMillis);
      assertThat(b.due(now + wait - 1)).as("attempt %d before its wait", i + 2).isFalse();
      assertThat(b.due(now + wait)).as("attempt %d after its wait", i + 2).isTrue();
      now += wait;
    }
    assertThat(waits)
        .containsExactly(
            1_000L, 1_000L, 1_000L, 1_000L, 1_000L, 2_000L, 4_000L, 8_000L, 16_000L, 30_000L,
            30_000L, 30_000L);
    assertThat(b.failures()).isEqualTo(12);
    b.failed(now);
    assertThat(b.due(now + 1)).isFalse();
    assertThat(b.succeeded()).isEqualTo(13);
    assertThat(b.due(now + 1)).isTrue();
    assertThat(b.succeeded()).isZero();
    assertThat(b.failed(now)).isEqualTo(1_000L);
  }

  @Test
  void aCallerWhoAsksForTheJob_makesItDueAtOnce() {
    BackgroundJobs.Backoff b = new BackgroundJobs.Backoff();
    long now = System.nanoTime();
    for (int i = 0; i < 9; i++) {
      b.failed(now);
    }
    assertThat(b.due(System.nanoTime())).isFalse();
    b.dueNow();
    assertThat(b.due(System.nanoTime())).isTrue();
  }
}
