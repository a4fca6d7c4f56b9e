package dev.strata.kafka;

import dev.strata.Options;
import java.util.Map;

/**
 * Tunes the {@link Options} of each Strata store of a Kafka Streams application, in the spirit of
 * Kafka's {@code RocksDBConfigSetter}. Named by the Streams config {@value StrataConfig#CONFIG_SETTER}
 * and instantiated once per store with its public no-argument constructor.
 *
 * <p>The builder it receives already holds the application's shared block cache, background
 * executor and memtable budget; replacing those gives the store resources of its own, outside the
 * application's budget.
 */
public interface StrataConfigSetter {
  /**
   * Adjusts the options of the store {@code storeName} before it opens.
   *
   * @param configs the application's Streams configs (all of them, including {@code strata.*})
   */
  void setConfig(String storeName, Options.Builder options, Map<String, Object> configs);

  /** Releases what {@link #setConfig} made for the store; called when it closes. */
  default void close(String storeName, Options options) {}
}
