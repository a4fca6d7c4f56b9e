package dev.strata.engine;

import dev.strata.fs.CrashPoint;
import dev.strata.fs.FileSystem;
import dev.strata.util.Futures;
import dev.strata.wal.LogWriter;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
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
 * <h2>A log an open replayed</h2>
 *
 * An open that leaves its replayed memtable to the flush worker ({@link #replayed}) keeps the log
 * it read as a retired WAL that is never forced: after a crash, or in a process whose force of it
 * failed, its bytes may be in the page cache only, and forcing it now could succeed without
 * writing them (Linux may mark the pages of a failed writeback clean; {@code docs/benchmarks.md}
 * item 23). It becomes durable when its memtable's table is installed instead: {@link
 * #forceAndClose} waits for that ({@link #replayedFlushed}), and a close or a background error
 * that comes first fails the waiters ({@link #replayedAbandoned}). The flush of its own memtable
 * does not wait for it ({@code WriteController.forceRetiredWalsUpTo}).
 *
 * <h2>Concurrency</h2>
 *
 * A {@link FutureTask} runs the force once: a second caller either finds it done or waits for the
 * thread running it, holding no lock. A failed force is never retried; every caller gets the same
 * failure. A replayed log's {@link CompletableFuture} is completed once, by the flush worker or by
 * whoever abandons it first; later completions do nothing.
 */
final class RetiredWal {
  private final String fileName;
  private final long number;

  /** The log's length when it was retired: it takes no more appends. */
  private final long bytes;

  /** The force and close of a retired active log; null for a replayed one. */
  private final FutureTask<Void> forceAndClose;

  /** For a log an open replayed: completed when its memtable's table is installed; else null. */
  private final CompletableFuture<Void> replayFlushed;

  private RetiredWal(String fileName, long number, long bytes) {
    this.fileName = fileName;
    this.number = number;
    this.bytes = bytes;
    this.forceAndClose = null;
    this.replayFlushed = new CompletableFuture<>();
  }

  /**
   * A log of {@code bytes} that an open replayed into a memtable it left to the flush worker: it
   * is durable once that memtable's table is installed, not before (see the class comment).
   */
  static RetiredWal replayed(String fileName, long number, long bytes) {
    return new RetiredWal(fileName, number, bytes);
  }

  /** Whether this is a log an open replayed ({@link #replayed}). */
  boolean isReplayed() {
    return replayFlushed != null;
  }

  /** The replayed log's memtable is in an installed table: its waiters go on. */
  void replayedFlushed() {
    replayFlushed.complete(null);
  }

  /** Whether the replayed log's memtable is in an installed table. */
  boolean replayedFlushedOk() {
    return replayFlushed.isDone() && !replayFlushed.isCompletedExceptionally();
  }

  /**
   * The replayed log's memtable will not be flushed by this process (a close, or a background
   * error): its waiters fail with {@code cause}. The log stays for the next open to replay.
   */
  void replayedAbandoned(Throwable cause) {
    replayFlushed.completeExceptionally(cause);
  }

  RetiredWal(LogWriter log, long number, FileSystem fs) {
    this.fileName = log.fileName();
    this.number = number;
    this.bytes = log.size();
    this.replayFlushed = null;
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
    if (replayFlushed != null) {
      try {
        Futures.getUninterruptibly(replayFlushed);
      } catch (ExecutionException e) {
        throw Futures.asIoException(
            e.getCause(), fileName + " was replayed at open and its memtable not flushed");
      }
      return;
    }
    forceAndClose.run();
    try {
      Futures.getUninterruptibly(forceAndClose);
    } catch (ExecutionException e) {
      throw Futures.asIoException(e.getCause(), "forcing " + fileName + " failed");
    }
  }

}
