package dev.strata.kafka;

import java.util.Objects;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Supplies Strata key-value stores to Kafka Streams, for {@code Materialized.as(...)} or {@code
 * Stores.keyValueStoreBuilder(...)}: {@code new StrataKeyValueBytesStoreSupplier("counts")}. Metrics
 * scope {@code strata}. See {@link StrataStores} for the timestamped kind.
 */
public class StrataKeyValueBytesStoreSupplier implements KeyValueBytesStoreSupplier {
  private final String name;
  private final boolean timestamped;

  /** A supplier of plain (not timestamped) stores named {@code name}. */
  public StrataKeyValueBytesStoreSupplier(String name) {
    this(name, false);
  }

  StrataKeyValueBytesStoreSupplier(String name, boolean timestamped) {
    this.name = Objects.requireNonNull(name, "name cannot be null");
    this.timestamped = timestamped;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public KeyValueStore<Bytes, byte[]> get() {
    return timestamped ? new StrataTimestampedKeyValueStore(name) : new StrataKeyValueStore(name);
  }

  @Override
  public String metricsScope() {
    return "strata";
  }
}
