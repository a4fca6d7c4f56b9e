package dev.strata.kafka;

import java.util.Map;
import org.apache.kafka.common.config.ConfigException;

/** Makes the {@link StrataConfigSetter} a Streams config names; stateless. */
final class StrataConfigSetters {
  private StrataConfigSetters() {}

  /** A new setter of the class {@value StrataConfig#CONFIG_SETTER} names, or null if none. */
  static StrataConfigSetter create(Map<String, ?> configs) {
    Object v = configs.get(StrataConfig.CONFIG_SETTER);
    if (v == null) {
      return null;
    }
    try {
      Class<?> c = v instanceof Class<?> cls ? cls : Class.forName(v.toString().trim());
      return (StrataConfigSetter) c.getDeclaredConstructor().newInstance();
    } catch (ReflectiveOperationException | ClassCastException e) {
      throw new ConfigException(StrataConfig.CONFIG_SETTER, v,
          "must name a class implementing " + StrataConfigSetter.class.getName() + ": " + e);
    }
  }
}
