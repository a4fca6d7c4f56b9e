package dev.strata.util;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

class FuturesTest {
  @Test
  void getUninterruptibly_interruptedCaller_waitsForTheResultAndKeepsTheFlag() throws Exception {
    // Interrupted before it waits: the first get() throws at once and clears the flag; the
    // result comes only once the waiter is parked in the second.
    CompletableFuture<String> f = new CompletableFuture<>();
    Thread waiter = Thread.currentThread();
    Thread completer =
        new Thread(
            () -> {
              while (waiter.getState() != Thread.State.WAITING) {
                Thread.onSpinWait();
              }
              f.complete("done");
            });
    Thread.currentThread().interrupt();
    completer.start();
    String result;
    try {
      result = Futures.getUninterruptibly(f);
    } finally {
      assertThat(Thread.interrupted()).as("the interrupt is kept").isTrue();
      completer.join();
    }
    assertThat(result).isEqualTo("done");
  }

  @Test
  void joinUninterruptibly_interruptedCaller_waitsForTheThreadAndKeepsTheFlag() throws Exception {
    // The thread ends only once the caller is parked in join after its interrupt.
    Thread waiter = Thread.currentThread();
    Thread worker =
        new Thread(
            () -> {
              while (waiter.getState() != Thread.State.WAITING) {
                Thread.onSpinWait();
              }
            });
    Thread.currentThread().interrupt();
    worker.start();
    try {
      Futures.joinUninterruptibly(worker);
      assertThat(worker.isAlive()).isFalse();
    } finally {
      assertThat(Thread.interrupted()).as("the interrupt is kept").isTrue();
    }
  }

  @Test
  void joinUninterruptibly_pastTheDeadline_returnsFalseWithTheThreadAlive() throws Exception {
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    Thread worker =
        new Thread(
            () -> {
              try {
                release.await();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
    worker.start();
    assertThat(Futures.joinUninterruptibly(worker, System.nanoTime() + 20_000_000L)).isFalse();
    assertThat(worker.isAlive()).isTrue();
    release.countDown();
    assertThat(Futures.joinUninterruptibly(worker, System.nanoTime() + 30_000_000_000L)).isTrue();
  }

  @Test
  void getUninterruptibly_failedWork_throwsExecutionExceptionWithItsCause() {
    CompletableFuture<String> f = CompletableFuture.failedFuture(new IOException("disk"));

    assertThatThrownBy(() -> Futures.getUninterruptibly(f))
        .isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(IOException.class);
  }

  @Test
  void asIoException_throwsIoRuntimeAndErrorAsTheyAre_wrapsTheRest() throws IOException {
    IOException io = new IOException("io");
    RuntimeException rt = new UncheckedIOException(io);
    Error err = new AssertionError("error");
    Exception checked = new Exception("checked");

    assertThatThrownBy(() -> Futures.asIoException(io, "m")).isSameAs(io);
    assertThatThrownBy(() -> Futures.asIoException(rt, "m")).isSameAs(rt);
    assertThatThrownBy(() -> Futures.asIoException(err, "m")).isSameAs(err);
    IOException wrapped = Futures.asIoException(checked, "m");
    assertThat(wrapped).hasMessage("m").hasCause(checked);
  }
}
