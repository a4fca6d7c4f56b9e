package dev.strata.engine;

import dev.strata.EventListener;
import dev.strata.EventListener.BackgroundErrorInfo;
import dev.strata.EventListener.CompactionInfo;
import dev.strata.EventListener.FlushInfo;
import dev.strata.EventListener.MemtableInfo;
import dev.strata.EventListener.StallCondition;
import dev.strata.EventListener.StallInfo;
import dev.strata.EventListener.TableFileInfo;
import dev.strata.Options;
import dev.strata.compaction.Compaction;
import dev.strata.compaction.CompactionJob;
import dev.strata.observe.EventDispatcher;
import dev.strata.stats.StatsRecorder;
import dev.strata.version.FileMetadata;
import dev.strata.version.FileNames;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * What one database tells the outside about itself while it runs: its name, its {@link
 * StatsRecorder}, and the typed events it raises for {@link EventListener}s (through an {@link
 * EventDispatcher}, so raising is safe under any engine lock and runs no listener code). The
 * engine's pieces hold one and call it where things happen; building an event's figures is skipped
 * when nobody listens.
 *
 * <p>Thread-safe: every field is final; the dispatcher and recorder are thread-safe.
 */
final class Observability {
  final String name;
  final Path dir;
  final StatsRecorder recorder;
  final EventDispatcher events;

  /** A get at least this slow raises a JFR {@code dev.strata.SlowGet} event. */
  final long slowGetNanos;

  Observability(String name, Path dir, Options options, EventDispatcher events) {
    this.name = name;
    this.dir = dir;
    this.recorder = new StatsRecorder(options.statisticsLevel());
    this.events = events;
    this.slowGetNanos = options.slowGetThreshold().toNanos();
  }

  /** The name of the database in {@code dir}: the option if set, else the directory's name. */
  static String nameOf(Path dir, Options options) {
    if (options.name() != null) {
      return options.name();
    }
    Path file = dir.toAbsolutePath().normalize().getFileName();
    return file == null ? dir.toString() : file.toString();
  }

  void memtableSealed(long walNumber, long entries, long bytes, String reason) {
    if (events.active()) {
      events.raise(
          EventListener::onMemtableSealed, new MemtableInfo(name, walNumber, entries, bytes, reason));
    }
  }

  void flushBegin(long walNumber, long entries) {
    if (events.active()) {
      events.raise(
          EventListener::onFlushBegin,
          new FlushInfo(name, walNumber, entries, -1, 0, Duration.ZERO));
    }
  }

  void flushCompleted(long walNumber, long entries, FileMetadata f, long nanos) {
    if (!events.active()) {
      return;
    }
    if (f != null) {
      tableCreated(f, 0, "flush");
    }
    events.raise(
        EventListener::onFlushCompleted,
        new FlushInfo(
            name,
            walNumber,
            entries,
            f == null ? -1 : f.number(),
            f == null ? 0 : f.fileSize(),
            Duration.ofNanos(nanos)));
  }

  void compactionBegin(Compaction c) {
    if (events.active()) {
      events.raise(
          EventListener::onCompactionBegin,
          compactionInfo(c, List.of(), 0, Duration.ZERO));
    }
  }

  void compactionCompleted(Compaction c, CompactionJob.Result r) {
    if (!events.active()) {
      return;
    }
    List<Long> outputs = new ArrayList<>();
    for (FileMetadata f : r.outputs()) {
      outputs.add(f.number());
      tableCreated(f, c.outputLevel(), "compaction");
    }
    events.raise(
        EventListener::onCompactionCompleted,
        compactionInfo(c, outputs, r.bytesWritten(), Duration.ofNanos(r.nanos())));
  }

  private CompactionInfo compactionInfo(
      Compaction c, List<Long> outputs, long bytesWritten, Duration duration) {
    List<Long> inputs = new ArrayList<>();
    for (FileMetadata f : c.inputs()) {
      inputs.add(f.number());
    }
    for (FileMetadata f : c.outputLevelInputs()) {
      inputs.add(f.number());
    }
    return new CompactionInfo(
        name,
        c.level(),
        c.outputLevel(),
        reasonOf(c),
        c.isTrivialMove(),
        List.copyOf(inputs),
        List.copyOf(outputs),
        c.inputBytes(),
        bytesWritten,
        duration);
  }

  /** The reason a compaction ran, as logs and listeners name it. */
  static String reasonOf(Compaction c) {
    if (c.reason() == Compaction.Reason.SIZE && c.level() == 0) {
      return "LEVEL0";
    }
    return c.reason().name();
  }

  private void tableCreated(FileMetadata f, int level, String reason) {
    events.raise(
        EventListener::onTableFileCreated,
        new TableFileInfo(
            name, FileNames.tablePath(dir, f.number()), f.number(), f.fileSize(), level, reason));
  }

  void tableDeleted(long fileNumber, long fileSize) {
    if (events.active()) {
      events.raise(
          EventListener::onTableFileDeleted,
          new TableFileInfo(
              name, FileNames.tablePath(dir, fileNumber), fileNumber, fileSize, -1, "obsolete"));
    }
  }

  void stallChanged(StallCondition previous, StallCondition current, String cause) {
    if (events.active()) {
      events.raise(
          EventListener::onStallConditionsChanged, new StallInfo(name, previous, current, cause));
    }
  }

  void backgroundError(String operation, Throwable error, boolean writesAccepted) {
    if (events.active()) {
      events.raise(
          EventListener::onBackgroundError,
          new BackgroundErrorInfo(name, operation, error, writesAccepted));
    }
  }
}
