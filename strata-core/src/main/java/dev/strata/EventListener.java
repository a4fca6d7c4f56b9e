package dev.strata;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Callbacks on a database's background events, as RocksDB's {@code EventListener}: flushes,
 * compactions, table files created and deleted, write stalls, background errors and memtables
 * sealed. Register with {@link Options.Builder#listener}; a database may have several, called in
 * the order registered.
 *
 * <p><b>Threading.</b> Every callback of a database runs on its own event thread ({@code
 * strata-events-<name>}), one at a time, in the order the events happened, and never while the
 * engine holds a lock: a callback may read and write the database, flush it or compact it (but
 * should not close it). The engine hands each event over and goes on, so a slow listener never
 * slows a flush, a compaction or a write; it only delays the next callbacks. A begin callback may
 * therefore run after the work began, or even ended. At close, the events already raised are
 * delivered before {@code close} returns (waiting at most the close timeout, 10 s, for a slow
 * listener).
 *
 * <p><b>Failure.</b> An exception a callback throws is logged (SLF4J logger {@code
 * dev.strata.EventListener}, level WARN) and otherwise ignored: the database and the other
 * listeners go on.
 *
 * <p>Every method has an empty default; implement those of interest.
 */
public interface EventListener {
  /** A memtable became immutable and waits for its flush. */
  default void onMemtableSealed(MemtableInfo info) {}

  /** A flush of an immutable memtable into a level-0 table begins. */
  default void onFlushBegin(FlushInfo info) {}

  /** A flush ended with its table installed (or nothing to write). */
  default void onFlushCompleted(FlushInfo info) {}

  /** A compaction begins. */
  default void onCompactionBegin(CompactionInfo info) {}

  /** A compaction ended with its outputs installed and its inputs obsolete. */
  default void onCompactionCompleted(CompactionInfo info) {}

  /** A flush or compaction wrote a table file, synced it and installed it. */
  default void onTableFileCreated(TableFileInfo info) {}

  /** A table file nothing refers to any more was deleted. */
  default void onTableFileDeleted(TableFileInfo info) {}

  /** Writes went from normal to delayed or stopped, or back. */
  default void onStallConditionsChanged(StallInfo info) {}

  /** A background write failed; see {@link BackgroundErrorInfo#writesAccepted()}. */
  default void onBackgroundError(BackgroundErrorInfo info) {}

  /**
   * A memtable sealed for flush.
   *
   * @param walNumber the number of the WAL that holds its writes
   * @param entries entries it holds
   * @param bytes its approximate heap bytes
   * @param reason why it was sealed: {@code full}, {@code flush} (asked for), {@code ingest} (an
   *     ingestion overlapping it), {@code write-buffer-manager} (the shared budget asked for it),
   *     or {@code wal-bound} (the live WALs passed {@link Options#maxTotalWalBytes} and its writes
   *     kept the oldest)
   */
  record MemtableInfo(String dbName, long walNumber, long entries, long bytes, String reason) {}

  /**
   * A flush.
   *
   * @param walNumber the WAL of the memtable flushed
   * @param entries entries the memtable held
   * @param fileNumber the table written, or -1 before it is known or when nothing survived
   * @param bytesWritten table bytes written (0 at begin)
   * @param duration from the WAL force to the installed table ({@link Duration#ZERO} at begin)
   */
  record FlushInfo(
      String dbName,
      long walNumber,
      long entries,
      long fileNumber,
      long bytesWritten,
      Duration duration) {}

  /**
   * A compaction.
   *
   * @param level the level compacted
   * @param outputLevel the level written
   * @param reason why it ran: {@code SIZE}, {@code LEVEL0}, {@code READS}, {@code MANUAL}
   * @param trivialMove whether the input moved down without being rewritten
   * @param inputFiles numbers of the input tables, both levels
   * @param outputFiles numbers of the tables written (empty at begin)
   * @param bytesRead input bytes
   * @param bytesWritten output bytes (0 at begin)
   * @param duration time taken ({@link Duration#ZERO} at begin)
   */
  record CompactionInfo(
      String dbName,
      int level,
      int outputLevel,
      String reason,
      boolean trivialMove,
      List<Long> inputFiles,
      List<Long> outputFiles,
      long bytesRead,
      long bytesWritten,
      Duration duration) {}

  /**
   * A table file.
   *
   * @param level the level it went to (-1 when deleted: it may have been in any)
   * @param reason {@code flush}, {@code compaction} or {@code obsolete}
   */
  record TableFileInfo(
      String dbName, Path path, long fileNumber, long fileSize, int level, String reason) {}

  /** How writes flow. */
  enum StallCondition {
    /** Writes proceed at once. */
    NORMAL,
    /** Write groups yield up to 1 ms each: level 0 is past its slowdown trigger. */
    DELAYED,
    /** Writes wait for a flush or compaction: a hard limit is reached. */
    STOPPED
  }

  /**
   * A change of stall condition.
   *
   * @param cause what caused the new condition, such as {@code level 0 holds 20 files, at the
   *     slowdown trigger}; empty for {@link StallCondition#NORMAL}
   */
  record StallInfo(
      String dbName, StallCondition previous, StallCondition current, String cause) {}

  /**
   * A failed background write.
   *
   * @param operation what failed: {@code flush}, {@code compaction}, {@code wal}, ...
   * @param writesAccepted whether the database still accepts writes. True: a flush or compaction
   *     could not write its output (no space left, an I/O error, the heap ran out), nothing
   *     changed, and the engine tries the job again after a back-off of 1 to 30 seconds; raised
   *     once per failed attempt. False: it refuses writes until reopened, and serves reads
   */
  record BackgroundErrorInfo(
      String dbName, String operation, Throwable error, boolean writesAccepted) {}
}
