package dev.strata.kafka;

import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;

/**
 * Factory of Strata store suppliers, the counterpart of Kafka's {@code Stores.persistent*}: {@code
 * Materialized.as(StrataStores.timestampedKeyValueStore("counts"))}. To move every store of a DSL
 * application at once, set {@code dsl.store.suppliers.class} to {@link StrataDslStoreSuppliers}.
 */
public final class StrataStores {
  private StrataStores() {}

  /** Plain key-value stores named {@code name}. */
  public static KeyValueBytesStoreSupplier keyValueStore(String name) {
    return new StrataKeyValueBytesStoreSupplier(name, false);
  }

  /**
   * Key-value stores whose values carry a timestamp; they implement {@code TimestampedBytesStore},
   * so DSL KTables keep their timestamps without Kafka's format adapter.
   */
  public static KeyValueBytesStoreSupplier timestampedKeyValueStore(String name) {
    return new StrataKeyValueBytesStoreSupplier(name, true);
  }
}
