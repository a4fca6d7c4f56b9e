package dev.strata.kafka;

import org.apache.kafka.streams.state.internals.WithRetentionPeriod;

/**
 * Strata's window and session stores as Kafka 4.4's internal {@code WithRetentionPeriod}: Kafka
 * 4.4's changelog reader asks that interface of the innermost store under its wrappers for the
 * retention, and restores a window or session changelog without committed offsets only from the
 * first record at or after its last record's time minus the retention; a store without it gets
 * the whole changelog (and a warning). The method itself is {@link
 * SegmentedStateStore#retentionPeriod()}, so each class only adds the interface.
 *
 * <p>The interface is absent before 4.4, so this file is compiled only against 4.4 (the {@code
 * kafka-4.1} profile excludes it) and its classes are loaded only by {@link SegmentedStores}, and
 * only once it found the interface: a jar built against 4.4 still runs on 4.1, with the plain
 * classes. Thread-safe as the stores they extend.
 */
final class WithRetentionPeriodStores {
  private WithRetentionPeriodStores() {}

  /** A {@link StrataWindowStore} that reports its retention to Kafka 4.4. */
  static final class Window extends StrataWindowStore implements WithRetentionPeriod {
    Window(SegmentedStore store, boolean retainDuplicates, long windowSize) {
      super(store, retainDuplicates, windowSize);
    }
  }

  /** A {@link StrataTimestampedWindowStore} that reports its retention to Kafka 4.4. */
  static final class TimestampedWindow extends StrataTimestampedWindowStore
      implements WithRetentionPeriod {
    TimestampedWindow(SegmentedStore store, boolean retainDuplicates, long windowSize) {
      super(store, retainDuplicates, windowSize);
    }
  }

  /** A {@link StrataSessionStore} that reports its retention to Kafka 4.4. */
  static final class Session extends StrataSessionStore implements WithRetentionPeriod {
    Session(SegmentedStore store) {
      super(store);
    }
  }
}
