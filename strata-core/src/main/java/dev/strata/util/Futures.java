package dev.strata.util;

import java.io.IOException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

/**
 * Waiting for work handed to another thread when the waiter must not give up: a file being forced
 * or synced must not be left open because its owner was interrupted. Stateless.
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
