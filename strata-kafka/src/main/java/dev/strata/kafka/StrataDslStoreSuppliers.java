package dev.strata.kafka;

import java.lang.reflect.Method;
import org.apache.kafka.streams.kstream.EmitStrategy;
import org.apache.kafka.streams.state.BuiltInDslStoreSuppliers;
import org.apache.kafka.streams.state.DslKeyValueParams;
import org.apache.kafka.streams.state.DslSessionParams;
import org.apache.kafka.streams.state.DslStoreSuppliers;
import org.apache.kafka.streams.state.DslWindowParams;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.SessionBytesStoreSupplier;
import org.apache.kafka.streams.state.WindowBytesStoreSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves every store of a DSL application to Strata with one config line: {@code
 * dsl.store.suppliers.class=dev.strata.kafka.StrataDslStoreSuppliers}. Key-value stores (plain or
 * timestamped), window stores and session stores are Strata's, with the parameters Kafka's own
 * RocksDB suppliers would use.
 *
 * <p>Key-value stores in Kafka 4.4's {@code HEADERS} format ({@code dsl.store.format=HEADERS}) are
 * Strata's too ({@link HeadersFormat}). Two kinds of store stay Kafka's RocksDB ones, with a log
 * line at build time: stores of windowed and session aggregations that emit on window close
 * (Kafka gives them time-ordered stores with an index, which Strata does not implement yet), and
 * window and session stores in the {@code HEADERS} format. Stateless; thread-safe.
 */
public class StrataDslStoreSuppliers implements DslStoreSuppliers {
  private static final Logger LOG = LoggerFactory.getLogger(StrataDslStoreSuppliers.class);

  private final DslStoreSuppliers rocksDb = new BuiltInDslStoreSuppliers.RocksDBDslStoreSuppliers();

  @Override
  public KeyValueBytesStoreSupplier keyValueStore(DslKeyValueParams params) {
    if (headersFormat(params, "dslStoreFormat")) {
      return HeadersFormat.keyValueStore(params.name());
    }
    return params.isTimestamped()
        ? StrataStores.timestampedKeyValueStore(params.name())
        : StrataStores.keyValueStore(params.name());
  }

  @Override
  public WindowBytesStoreSupplier windowStore(DslWindowParams params) {
    if (params.emitStrategy().type() == EmitStrategy.StrategyType.ON_WINDOW_CLOSE
        || headersFormat(params, "dslStoreFormat")) {
      LOG.info("window store {}: emit-on-close and HEADERS stores stay on Kafka's RocksDB ones",
          params.name());
      return rocksDb.windowStore(params);
    }
    return StrataStores.windowStore(
        params.name(),
        params.retentionPeriod(),
        params.windowSize(),
        params.retainDuplicates(),
        params.isTimestamped());
  }

  @Override
  public SessionBytesStoreSupplier sessionStore(DslSessionParams params) {
    if (params.emitStrategy().type() == EmitStrategy.StrategyType.ON_WINDOW_CLOSE
        || headersFormat(params, "storeFormat")) {
      LOG.info("session store {}: emit-on-close and HEADERS stores stay on Kafka's RocksDB ones",
          params.name());
      return rocksDb.sessionStore(params);
    }
    return StrataStores.sessionStore(params.name(), params.retentionPeriod());
  }

  /**
   * Whether Kafka asks for its {@code HEADERS} store format: an accessor of Kafka 4.4 ({@code
   * DslStoreFormat}); absent on 4.1 to 4.3, where there is no such format.
   */
  static boolean headersFormat(Object params, String accessor) {
    try {
      Method m = params.getClass().getMethod(accessor);
      Object format = m.invoke(params);
      return format != null && "HEADERS".equals(((Enum<?>) format).name());
    } catch (NoSuchMethodException e) {
      return false;
    } catch (ReflectiveOperationException | ClassCastException e) {
      throw new IllegalStateException("cannot read the store format of " + params, e);
    }
  }
}
