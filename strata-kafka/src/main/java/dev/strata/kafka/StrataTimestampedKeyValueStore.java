package dev.strata.kafka;

import org.apache.kafka.streams.state.TimestampedBytesStore;

/**
 * A {@link StrataKeyValueStore} whose values carry their timestamp ahead of the value, as Kafka's
 * timestamped stores do: being a {@link TimestampedBytesStore}, the DSL uses it for KTables
 * without its format adapter.
 */
final class StrataTimestampedKeyValueStore extends StrataKeyValueStore
    implements TimestampedBytesStore {
  StrataTimestampedKeyValueStore(String name) {
    super(name);
  }
}
