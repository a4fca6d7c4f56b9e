package dev.strata.kafka;

import org.apache.kafka.streams.state.TimestampedBytesStore;

/**
 * A {@link StrataWindowStore} whose values carry their timestamp, as Kafka's timestamped ones. Not
 * final: on Kafka 4.4 {@link SegmentedStores} makes {@code WithRetentionPeriodStores}' subclass.
 */
class StrataTimestampedWindowStore extends StrataWindowStore
    implements TimestampedBytesStore {
  StrataTimestampedWindowStore(SegmentedStore store, boolean retainDuplicates, long windowSize) {
    super(store, retainDuplicates, windowSize);
  }
}
