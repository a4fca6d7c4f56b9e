package dev.strata.engine;

import dev.strata.fs.CrashPoint;
import dev.strata.fs.FileSystem;
import dev.strata.util.Futures;
import dev.strata.wal.LogWriter;
import java.io.IOException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

/**
 * The WAL of a memtable that a switch made immutable: it takes no more appends and must be forced
 * before it matters, not at the switch. Forcing 64 MiB of log takes tens to hundreds of
 * milliseconds; done by the commit leader at the switch, every writer waited for it.
 *
 * <p>It is forced and closed exactly once, by the first of:
 *
 * <ul>
 *   <li>the flush worker, before it flushes the memtable (so the log is durable as early as the
 *       table would have made it);
 *   <li>the commit leader of a group with a sync write, before it forces the active WAL: a sync
 *       write must never be durable in a later log while an earlier log may lose its tail, since
 *       recovery stops at such a torn tail and would drop the acknowledged write;
 *   <li>{@code close()}.
 * </ul>
 *
 * <h2>Concurrency</h2>
 *
 * A {@link FutureTask} runs the force once: a second caller either finds it done or waits for the
 * thread running it, holding no lock. A failed force is never retried; every caller gets the same
 * failure.
 */
final class RetiredWal {
  private final String fileName;
  private final long number;

  /** The log's length when it was retired: it takes no more appends. */
  private final long bytes;

  private final FutureTask<Void> forceAndClose;

  RetiredWal(LogWriter log, long number, FileSystem fs) {
    this.fileName = log.fileName();
    this.number = number;
    this.bytes = log.size();
    this.forceAndClose =
        new FutureTask<>(
            () -> {
              try {
                fs.crashPoint(CrashPoint.WAL_SWITCH_BEFORE_OLD_SYNC);
                log.sync();
                fs.crashPoint(CrashPoint.WAL_SWITCH_AFTER_OLD_SYNC);
              } finally {
                log.close();
              }
              return null;
            });
  }

  String fileName() {
    return fileName;
  }

  /** The log's file number. */
  long number() {
    return number;
  }

  /** The log's length in bytes. */
  long bytes() {
    return bytes;
  }

  /**
   * Forces and closes the log unless that already happened; if another thread is doing it, waits
   * for it. Rethrows the force's failure, every time.
   */
  void forceAndClose() throws IOException {
    forceAndClose.run();
    try {
      Futures.getUninterruptibly(forceAndClose);
    } catch (ExecutionException e) {
      throw Futures.asIoException(e.getCause(), "forcing " + fileName + " failed");
    }
  }

}
