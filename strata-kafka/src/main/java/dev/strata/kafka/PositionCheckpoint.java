package dev.strata.kafka;

import java.io.File;
import org.apache.kafka.streams.query.Position;
import org.apache.kafka.streams.state.internals.OffsetCheckpoint;
import org.apache.kafka.streams.state.internals.StoreQueryUtils;

/**
 * A store's IQv2 position in {@code <stateDir>/strata/<name>.position} (Kafka's checkpoint format),
 * written at commit at most every {@value #INTERVAL_MS} ms and always at close. Kafka's stores of
 * 4.1 write it with an fsync at every commit; the TopologyTestDriver commits after every record,
 * and one fsync per record and store made a 3,000-record DSL test take minutes. A position older
 * than the data after a crash only makes a bounded query wait for the restore, whose changelog
 * records carry their positions. Confined to the stream thread.
 */
final class PositionCheckpoint {
  static final long INTERVAL_MS = 5_000;

  private final OffsetCheckpoint file;
  private long lastWriteMs = Long.MIN_VALUE / 2;
  private Position written = Position.emptyPosition();

  PositionCheckpoint(File stateDir, String storeName) {
    this.file = new OffsetCheckpoint(new File(stateDir, "strata/" + storeName + ".position"));
  }

  Position read() {
    return StoreQueryUtils.readPositionFromCheckpoint(file);
  }

  /** At commit: writes the position if it moved and the last write is old enough. */
  void maybeWrite(Position position) {
    long now = System.currentTimeMillis();
    if (now - lastWriteMs >= INTERVAL_MS) {
      write(position);
    }
  }

  /** Writes the position if it moved since the last write. */
  void write(Position position) {
    Position copy;
    synchronized (position) {
      copy = position.copy();
    }
    if (!copy.equals(written)) {
      StoreQueryUtils.checkpointPosition(file, copy);
      written = copy;
    }
    lastWriteMs = System.currentTimeMillis();
  }
}
