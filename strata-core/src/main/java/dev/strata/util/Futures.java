package dev.strata.util;

import java.io.IOException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Waiting for work handed to another thread, or for the thread itself, when the waiter must not
 * give up: a file being forced or synced must not be left open because its owner was interrupted,
 * nor a thread left running by a close that was. Stateless.
 */
public final class Futures {
  private Futures() {}

  /**
   * {@code f.get()}, waiting on through interrupts; an interrupt that arrived meanwhile is set on
   * the calling thread again before this returns or throws.
   *
   * @throws ExecutionException if the work failed
   */
  public static <T> T getUninterruptibly(Future<T> f) throws ExecutionException {
    boolean interrupted = false;
    try {
      while (true) {
        try {
          return f.get();
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * {@code t.join()}, waiting on through interrupts; an interrupt that arrived meanwhile is set on
   * the calling thread again before this returns.
   */
  public static void joinUninterruptibly(Thread t) {
    joinUninterruptibly(t, Long.MAX_VALUE);
  }

  /**
   * Joins {@code t} until {@code deadline} ({@link System#nanoTime}; {@code Long.MAX_VALUE}: no
   * deadline), waiting on through interrupts, which are set on the calling thread again after.
   *
   * @return whether {@code t} ended
   */
  public static boolean joinUninterruptibly(Thread t, long deadline) {
    boolean interrupted = false;
    try {
      while (t.isAlive()) {
        long waitMillis = 0;
        if (deadline != Long.MAX_VALUE) {
          long left = deadline - System.nanoTime();
          if (left <= 0) {
            return false;
          }
          waitMillis = Math.max(1, TimeUnit.NANOSECONDS.toMillis(left));
        }
        try {
          t.join(waitMillis);
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
      return true;
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * Throws {@code cause} (what a {@link Future}'s work failed with) as it is if it is an {@link
   * IOException}, a {@link RuntimeException} or an {@link Error}; otherwise returns it wrapped in
   * an {@code IOException} with {@code message}, for the caller to throw.
   */
  public static IOException asIoException(Throwable cause, String message) throws IOException {
    if (cause instanceof IOException io) {
      throw io;
    }
    if (cause instanceof RuntimeException re) {
      throw re;
    }
    if (cause instanceof Error err) {
      throw err;
    }
    return new IOException(message, cause);
  }
}
