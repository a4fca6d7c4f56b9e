package dev.strata.engine;

import dev.strata.StrataException;
import dev.strata.compaction.CompactionJob;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Whether the database may still be used: the closed flag and the sticky background error. Every
 * piece of the engine consults it; only {@link DbImpl#close()} closes it, and the first failure of
 * a WAL write, a manifest write, or a flush or compaction that a retry cannot mend sets the error,
 * which is never cleared: the database then stays readable and refuses writes until reopened.
 *
 * <p>A flush that could not write its table ({@code compaction.OutputFailedException}: no space,
 * an I/O error, the heap) is no such error: its memtable and WAL are intact, writes go on, and the
 * flush worker tries again ({@link BackgroundJobs}). The count of such failures lets a caller of
 * {@code flush()} learn that the attempt it waits for failed.
 *
 * <p>Thread-safe: the closed flag and the error are atomics, written once each, read lock-free on
 * every operation; the flush failures are an atomic count and a volatile last failure, written by
 * the flush worker.
 */
final class DbStatus {
  private final Path dir;

  /** Set once by close; read by every operation. A call racing close runs, then fails cleanly. */
  private final AtomicBoolean closed = new AtomicBoolean();

  /**
   * The first failure that makes the database refuse writes; set once by compare-and-set, so the
   * error kept (and logged) is the first one, not the last of several racing threads.
   */
  private final AtomicReference<Throwable> backgroundError = new AtomicReference<>();

  /** Flush attempts that failed and are retried; see the class comment. */
  private final java.util.concurrent.atomic.AtomicLong flushFailures =
      new java.util.concurrent.atomic.AtomicLong();

  /** The last retried flush failure, until a flush succeeds after it; written by the flush worker. */
  private volatile Throwable lastFlushFailure;

  DbStatus(Path dir) {
    this.dir = dir;
  }

  Path dir() {
    return dir;
  }

  boolean isClosed() {
    return closed.get();
  }

  /** Marks the database closed; returns false if it already was. */
  boolean markClosed() {
    return closed.compareAndSet(false, true);
  }

  /**
   * @throws StrataException if the database is closed
   */
  void checkOpen() {
    if (closed.get()) {
      throw new StrataException("database " + dir + " is closed");
    }
  }

  /**
   * Records {@code t} as the sticky error unless one is already recorded; an aborted compaction
   * (the database closing) is no failure and is ignored.
   *
   * @return whether {@code t} became the sticky error (the caller then logs it, once)
   */
  boolean recordError(Throwable t) {
    if (t instanceof CompactionJob.AbortedException) {
      return false;
    }
    return backgroundError.compareAndSet(null, t);
  }

  /** The sticky error, or null. */
  Throwable error() {
    return backgroundError.get();
  }

  /**
   * @throws StrataException if a background error was recorded
   */
  void checkWritable() {
    Throwable bg = backgroundError.get();
    if (bg != null) {
      throw new StrataException("database refuses writes after an earlier failure", bg);
    }
  }

  /** Records a flush attempt that failed and will be retried (the flush worker only). */
  void recordFlushFailure(Throwable t) {
    lastFlushFailure = t;
    flushFailures.incrementAndGet();
  }

  /** A flush succeeded: a failure before it is mended (the flush worker only). */
  void flushSucceeded() {
    lastFlushFailure = null;
  }

  /** Flush attempts that failed and were retried, since open. */
  long flushFailures() {
    return flushFailures.get();
  }

  /** The last retried flush failure not yet followed by a successful flush, or null. */
  Throwable lastFlushFailure() {
    return lastFlushFailure;
  }
}
