package dev.strata.kafka;

import java.lang.reflect.Method;
import org.apache.kafka.streams.kstream.EmitStrategy;
import org.apache.kafka.streams.state.DslKeyValueParams;
import org.apache.kafka.streams.state.DslSessionParams;
import org.apache.kafka.streams.state.DslStoreSuppliers;
import org.apache.kafka.streams.state.DslWindowParams;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.SessionBytesStoreSupplier;
import org.apache.kafka.streams.state.WindowBytesStoreSupplier;

/**
 * Moves every store of a DSL application to Strata with one config line: {@code
 * dsl.store.suppliers.class=dev.strata.kafka.StrataDslStoreSuppliers}. Each request is answered as
 * Kafka's own {@code RocksDBDslStoreSuppliers} answers it, with a Strata store of the same kind,
 * interfaces and value format:
 *
 * <table>
 *   <caption>What each request gets</caption>
 *   <tr><th>request</th><th>store</th></tr>
 *   <tr><td>key-value, plain / timestamped / {@code HEADERS}</td>
 *       <td>{@link StrataKeyValueStore}, timestamped ({@code TimestampedBytesStore}), or in the
 *       headers format ({@link HeadersFormat})</td></tr>
 *   <tr><td>window, emit on update; plain / timestamped / {@code HEADERS} (4.4: format {@code
 *       null} counts as timestamped)</td>
 *       <td>{@link StrataWindowStore}, timestamped, or timestamped in the headers format; with
 *       {@code retainDuplicates} as asked (stream-stream joins)</td></tr>
 *   <tr><td>window, emit on window close</td>
 *       <td>a time-ordered window store (always timestamped), with a key-first index for sliding
 *       windows; in the headers format if asked</td></tr>
 *   <tr><td>session, emit on update / on window close</td>
 *       <td>{@link StrataSessionStore}, key first or time-ordered with a key-first index; in the
 *       headers format if asked</td></tr>
 * </table>
 *
 * <p>Kafka never asks a {@code DslStoreSuppliers} for a versioned key-value store (neither 4.1's
 * nor 4.4's {@code DslKeyValueParams} can say "versioned"): a versioned KTable is one given {@code
 * Materialized.as(Stores.persistentVersionedKeyValueStore(...))}, Kafka's RocksDB store, which this
 * class never sees. Stateless; thread-safe.
 */
public class StrataDslStoreSuppliers implements DslStoreSuppliers {
  /** Whether this Kafka has store formats (4.4); before, window requests say isTimestamped(). */
  private static final boolean FORMATS = hasClass("org.apache.kafka.streams.DslStoreFormat");

  @Override
  public KeyValueBytesStoreSupplier keyValueStore(DslKeyValueParams params) {
    if ("HEADERS".equals(storeFormat(params, "dslStoreFormat"))) {
      return HeadersFormat.keyValueStore(params.name());
    }
    return params.isTimestamped()
        ? StrataStores.timestampedKeyValueStore(params.name())
        : StrataStores.keyValueStore(params.name());
  }

  @Override
  public WindowBytesStoreSupplier windowStore(DslWindowParams params) {
    // 4.1 to 4.3 have no format and say isTimestamped(); 4.4 says the format, a null one being
    // timestamped to Kafka's RocksDB suppliers (while its isTimestamped() then says false).
    String format = storeFormat(params, "dslStoreFormat");
    boolean headers = "HEADERS".equals(format);
    WindowBytesStoreSupplier strata;
    if (params.emitStrategy().type() == EmitStrategy.StrategyType.ON_WINDOW_CLOSE) {
      strata =
          StrataStores.timeOrderedWindowStore(
              params.name(),
              params.retentionPeriod(),
              params.windowSize(),
              params.retainDuplicates(),
              params.isSlidingWindow());
    } else {
      boolean timestamped =
          headers || (FORMATS ? !"PLAIN".equals(format) : params.isTimestamped());
      strata =
          StrataStores.windowStore(
              params.name(),
              params.retentionPeriod(),
              params.windowSize(),
              params.retainDuplicates(),
              timestamped);
    }
    return headers ? HeadersFormat.windowStore(strata) : strata;
  }

  @Override
  public SessionBytesStoreSupplier sessionStore(DslSessionParams params) {
    SessionBytesStoreSupplier strata =
        params.emitStrategy().type() == EmitStrategy.StrategyType.ON_WINDOW_CLOSE
            ? StrataStores.timeOrderedSessionStore(params.name(), params.retentionPeriod())
            : StrataStores.sessionStore(params.name(), params.retentionPeriod());
    return "HEADERS".equals(storeFormat(params, "storeFormat"))
        ? HeadersFormat.sessionStore(strata)
        : strata;
  }

  /**
   * The name of the store format Kafka asks for ({@code PLAIN}, {@code TIMESTAMPED}, {@code
   * HEADERS}), through an accessor of Kafka 4.4 ({@code DslStoreFormat}); null if the accessor is
   * absent (4.1 to 4.3, which have no formats) or answers null.
   */
  static String storeFormat(Object params, String accessor) {
    try {
      Method m = params.getClass().getMethod(accessor);
      Object format = m.invoke(params);
      return format == null ? null : ((Enum<?>) format).name();
    } catch (NoSuchMethodException e) {
      return null;
    } catch (ReflectiveOperationException | ClassCastException e) {
      throw new IllegalStateException("cannot read the store format of " + params, e);
    }
  }

  private static boolean hasClass(String name) {
    try {
      Class.forName(name, false, DslStoreSuppliers.class.getClassLoader());
      return true;
    } catch (ClassNotFoundException e) {
      return false;
    }
  }
}
