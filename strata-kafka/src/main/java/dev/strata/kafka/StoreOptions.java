package dev.strata.kafka;

import dev.strata.Options;
import java.util.Map;

/**
 * One store's options: its application's shared resources ({@link SharedResources#options}), then
 * the changes of the {@link StrataConfigSetter} the Streams config names, if any; and that setter,
 * told when the store closes. Immutable.
 */
record StoreOptions(Options options, StrataConfigSetter setter) {
  static StoreOptions of(String storeName, SharedResources shared, Map<String, Object> configs) {
    Options.Builder builder = shared.options();
    StrataConfigSetter setter = StrataConfigSetters.create(configs);
    if (setter != null) {
      setter.setConfig(storeName, builder, configs);
    }
    return new StoreOptions(builder.build(), setter);
  }

  /** Lets the setter release what it made for the store; call once, at the store's close. */
  void close(String storeName) {
    if (setter != null) {
      setter.close(storeName, options);
    }
  }
}
