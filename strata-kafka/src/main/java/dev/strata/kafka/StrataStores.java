package dev.strata.kafka;

import java.time.Duration;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.SessionBytesStoreSupplier;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowBytesStoreSupplier;
import org.apache.kafka.streams.state.internals.RocksDbIndexedTimeOrderedWindowBytesStoreSupplier;

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

  /**
   * Window stores segmented by time as Kafka's persistent window stores are (segment interval half
   * the retention, at least a minute), with Kafka's checks of the arguments.
   *
   * @param timestamped whether values carry their timestamp ({@code TimestampedBytesStore})
   * @throws IllegalArgumentException as {@code Stores.persistentWindowStore} for bad arguments
   */
  public static WindowBytesStoreSupplier windowStore(
      String name, Duration retentionPeriod, Duration windowSize, boolean retainDuplicates,
      boolean timestamped) {
    // Kafka's supplier checks the arguments and derives the segment interval; Strata takes both.
    WindowBytesStoreSupplier kafka =
        Stores.persistentWindowStore(name, retentionPeriod, windowSize, retainDuplicates);
    return new StrataWindowBytesStoreSupplier(
        name,
        kafka.retentionPeriod(),
        kafka.segmentIntervalMs(),
        kafka.windowSize(),
        retainDuplicates,
        timestamped);
  }

  /**
   * Session stores segmented by session end as Kafka's persistent session stores are.
   *
   * @throws IllegalArgumentException as {@code Stores.persistentSessionStore} for bad arguments
   */
  public static SessionBytesStoreSupplier sessionStore(String name, Duration retentionPeriod) {
    SessionBytesStoreSupplier kafka = Stores.persistentSessionStore(name, retentionPeriod);
    return new StrataSessionBytesStoreSupplier(
        name, kafka.retentionPeriod(), SegmentLayout.session());
  }

  /**
   * Time-ordered window stores, which Kafka gives windowed aggregations that emit on window close
   * ({@code RocksDbIndexedTimeOrderedWindowBytesStoreSupplier}): values carry timestamps, and
   * {@code withIndex} (Kafka: for sliding windows) adds a key-first index for fetches by key.
   *
   * @throws IllegalArgumentException as Kafka's supplier for bad arguments
   */
  static WindowBytesStoreSupplier timeOrderedWindowStore(
      String name, Duration retentionPeriod, Duration windowSize, boolean retainDuplicates,
      boolean withIndex) {
    // Kafka's supplier checks the arguments and derives the segment interval.
    WindowBytesStoreSupplier kafka =
        RocksDbIndexedTimeOrderedWindowBytesStoreSupplier.create(
            name, retentionPeriod, windowSize, retainDuplicates, withIndex);
    return new StrataWindowBytesStoreSupplier(
        name,
        kafka.retentionPeriod(),
        kafka.segmentIntervalMs(),
        kafka.windowSize(),
        retainDuplicates,
        true,
        SegmentLayout.timeOrderedWindow(withIndex));
  }

  /**
   * Time-ordered session stores, which Kafka gives session aggregations that emit on window close
   * ({@code RocksDbTimeOrderedSessionBytesStoreSupplier}), with the key-first index Kafka gives them.
   */
  static SessionBytesStoreSupplier timeOrderedSessionStore(String name, Duration retentionPeriod) {
    SessionBytesStoreSupplier kafka = Stores.persistentSessionStore(name, retentionPeriod);
    return new StrataSessionBytesStoreSupplier(
        name, kafka.retentionPeriod(), SegmentLayout.timeOrderedSession(true));
  }
}
