package dev.strata.kafka;

import java.util.Map;

/**
 * The Streams config keys of Strata's stores, read in each store's {@code init} from the
 * application's configs. Every key is optional.
 */
public final class StrataConfig {
  /**
   * Bytes that the memtables of all Strata stores of the application may hold together; past it the
   * largest memtable is flushed (RocksDB's {@code WriteBufferManager}). Default {@value
   * #DEFAULT_MEMORY_BUDGET_BYTES}.
   */
  public static final String MEMORY_BUDGET_BYTES = "strata.memory.budget.bytes";

  /** Capacity of the block cache all Strata stores of the application share. */
  public static final String CACHE_BYTES = "strata.cache.bytes";

  /** Threads that run the flushes and compactions of all Strata stores of the application. */
  public static final String BACKGROUND_THREADS = "strata.background.threads";

  /** A class implementing {@link StrataConfigSetter}, applied to each store's options. */
  public static final String CONFIG_SETTER = "strata.config.setter";

  public static final long DEFAULT_MEMORY_BUDGET_BYTES = 256L << 20;
  public static final long DEFAULT_CACHE_BYTES = 64L << 20;
  public static final int DEFAULT_BACKGROUND_THREADS = 2;

  /** One store's memtable size: Kafka's RocksDB stores write 16 MiB buffers. */
  static final long MEMTABLE_BYTES = 16L << 20;

  private StrataConfig() {}

  static long longValue(Map<String, ?> configs, String key, long dflt) {
    Object v = configs.get(key);
    if (v == null) {
      return dflt;
    }
    if (v instanceof Number) {
      return ((Number) v).longValue();
    }
    try {
      return Long.parseLong(v.toString().trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(key + " must be a number, got " + v, e);
    }
  }
}
