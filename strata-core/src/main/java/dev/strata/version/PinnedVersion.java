package dev.strata.version;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Every level's files as of one install, each with a reference taken, and the last sequence the
 * manifest recorded with them: while the handle is open no file of it is deleted, whatever
 * flushes and compactions install meanwhile (see {@link FileMetadata}'s reference protocol). Made
 * by {@link VersionSet#pin()}; used with try-with-resources by the thread that made it.
 *
 * <p>Thread-safe: the levels are immutable, and {@link #close()} drops the references once.
 */
public final class PinnedVersion implements AutoCloseable {
  private final Level[] levels;
  private final long lastSequence;
  private final long logNumber;
  private final AtomicBoolean closed = new AtomicBoolean();

  PinnedVersion(Level[] levels, long lastSequence, long logNumber) {
    this.levels = levels.clone();
    this.lastSequence = lastSequence;
    this.logNumber = logNumber;
  }

  /** The manifest's log number at the install pinned: the oldest WAL its writes still need. */
  public long logNumber() {
    return logNumber;
  }

  /** The level {@code n} as it was pinned. */
  public Level level(int n) {
    return levels[n];
  }

  /** The manifest's last sequence at the install pinned: at or above every file's sequences. */
  public long lastSequence() {
    return lastSequence;
  }

  /** Drops the references: a file a later install removed then goes to deletion. */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      for (Level l : levels) {
        for (FileMetadata f : l.files()) {
          f.unref();
        }
      }
    }
  }
}
