package dev.strata.engine;

import dev.strata.Snapshot;
import dev.strata.StrataException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A registered snapshot: its sequence stays in its {@link SnapshotList}, so that flushes and
 * compactions keep the versions it sees, until it is closed. Thread-safe; released once.
 */
final class SnapshotHandle implements Snapshot {
  final SnapshotList owner;
  private final long seq;

  /** Set once by close; read by every read at this snapshot. */
  private final AtomicBoolean released = new AtomicBoolean();

  SnapshotHandle(SnapshotList owner, long seq) {
    this.owner = owner;
    this.seq = seq;
  }

  @Override
  public long sequence() {
    return seq;
  }

  /**
   * @throws StrataException if the snapshot was released
   */
  long sequenceChecked() {
    if (released.get()) {
      throw new StrataException("snapshot " + seq + " was released");
    }
    return seq;
  }

  @Override
  public void close() {
    if (released.compareAndSet(false, true)) {
      owner.release(seq);
    }
  }
}
