package dev.strata.compaction;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The worker survives what a host application does to threads and executors. */
class BackgroundWorkerTest {
  private static final long NO_PERIODIC_CHECK = TimeUnit.HOURS.toNanos(1);

  /**
   * Failed before this change: an interrupt of the worker's own thread ended its loop, so later
   * signals never ran the work again (the flushes of that database would stop for good).
   */
  @Test
  void signal_afterTheWorkerThreadWasInterrupted_stillRunsTheWork() throws Exception {
    Semaphore units = new Semaphore(0);
    BackgroundWorker worker =
        new BackgroundWorker(
            "strata-test-worker",
            () -> {
              units.release();
              return false;
            },
            null,
            NO_PERIODIC_CHECK,
            e -> {});
    worker.start();
    try {
      worker.signal();
      assertThat(units.tryAcquire(30, TimeUnit.SECONDS)).isTrue();

      worker.threadForTesting().interrupt();
      worker.signal();

      assertThat(units.tryAcquire(30, TimeUnit.SECONDS)).as("work after the interrupt").isTrue();
      assertThat(worker.threadForTesting().isAlive()).isTrue();
    } finally {
      assertThat(worker.close(30_000)).isTrue();
    }
    assertThat(worker.threadForTesting().isAlive()).isFalse();
  }

  /**
   * Failed before this change: with the shared executor shut down while the worker's task was
   * still queued, close waited its whole timeout for a task that would never run, and returned
   * false.
   */
  @Test
  void close_sharedExecutorShutDownWithTheTaskQueued_stopsAtOnce() throws Exception {
    ExecutorService shared = Executors.newSingleThreadExecutor();
    CountDownLatch blockerRunning = new CountDownLatch(1);
    CountDownLatch releaseBlocker = new CountDownLatch(1);
    shared.execute(
        () -> {
          blockerRunning.countDown();
          try {
            releaseBlocker.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });
    assertThat(blockerRunning.await(30, TimeUnit.SECONDS)).isTrue();
    AtomicBoolean ran = new AtomicBoolean();
    BackgroundWorker worker =
        new BackgroundWorker(
            "strata-test-shared",
            () -> {
              ran.set(true);
              return false;
            },
            shared,
            NO_PERIODIC_CHECK,
            e -> {});
    worker.start();
    worker.signal();

    assertThat(shared.shutdownNow()).hasSize(1);
    long start = System.nanoTime();
    boolean stopped = worker.close(10_000);

    assertThat(stopped).isTrue();
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(5_000);
    AtomicReference<Thread> stoppedOn = new AtomicReference<>();
    worker.whenStopped(() -> stoppedOn.set(Thread.currentThread()));
    assertThat(stoppedOn.get()).as("already stopped: runs at once").isSameAs(Thread.currentThread());
    assertThat(ran).isFalse();
  }

  @Test
  void whenStopped_unitStillRunningAfterTheWait_runsWhenTheUnitEnds() throws Exception {
    CountDownLatch inUnit = new CountDownLatch(1);
    CountDownLatch releaseUnit = new CountDownLatch(1);
    BackgroundWorker worker =
        new BackgroundWorker(
            "strata-test-slow",
            () -> {
              inUnit.countDown();
              try {
                releaseUnit.await();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              return false;
            },
            null,
            NO_PERIODIC_CHECK,
            e -> {});
    worker.start();
    worker.signal();
    assertThat(inUnit.await(30, TimeUnit.SECONDS)).isTrue();

    assertThat(worker.close(20)).as("the unit outlives the wait").isFalse();
    CountDownLatch stopped = new CountDownLatch(1);
    worker.whenStopped(stopped::countDown);

    assertThat(stopped.getCount()).isEqualTo(1);
    releaseUnit.countDown();
    assertThat(stopped.await(30, TimeUnit.SECONDS)).isTrue();
  }
}
