package dev.strata.compaction;

import dev.strata.CorruptionException;
import dev.strata.util.Futures;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * A flush or compaction could not write its output tables, and nothing refers to them: no manifest
 * edit was made, the partial outputs are deleted, and the inputs (the memtable, the input tables)
 * are as they were. The same job may therefore succeed later, once the cause passes: a disk with no
 * space left, an I/O error reading an input, the heap running out while the job ran. The engine
 * retries such a job instead of refusing writes ({@code engine.BackgroundJobs}).
 *
 * <p>Only failures that {@link #retryable} admits are wrapped: a corrupt input, a programming
 * error, or any failure once the job's manifest edit has begun keeps the database's sticky error.
 */
public final class OutputFailedException extends IOException {
  private static final long serialVersionUID = 1L;

  /**
   * @param job what failed: {@code flush} or {@code compaction}
   * @param cause the failure, one that {@link #retryable} admits
   */
  public OutputFailedException(String job, Throwable cause) {
    super(job + " could not write its output: " + cause, cause);
  }

  /**
   * Whether {@code t}, thrown while a job read its inputs and wrote its outputs, may pass on a
   * later attempt: an I/O error ({@link IOException}, also wrapped in an {@link
   * UncheckedIOException} or another exception) that is not a {@link CorruptionException}, or an
   * {@link OutOfMemoryError}. Corruption stays corrupt on retry; anything else is a defect.
   */
  public static boolean retryable(Throwable t) {
    boolean io = false;
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof CorruptionException) {
        return false;
      }
      if (c instanceof IOException) {
        io = true;
      }
      if (c.getCause() == c) {
        break;
      }
    }
    return io || t instanceof OutOfMemoryError;
  }

  /**
   * {@code t} as this exception if {@link #retryable}, else {@code t} itself rethrown (see {@link
   * Futures#asIoException}): for the catch block around a job's writing.
   */
  static OutputFailedException wrapOrRethrow(String job, Throwable t) throws IOException {
    if (retryable(t)) {
      return new OutputFailedException(job, t);
    }
    throw Futures.asIoException(t, job + " failed");
  }
}
