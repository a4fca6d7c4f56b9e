package dev.strata.ycsb;

import java.util.List;

/**
 * One engine's open database as the bindings use it: an ordered map from YCSB's keys (UTF-8) to
 * encoded records ({@link RecordCodec}). Implementations are thread-safe; {@link SharedStore}
 * opens and closes them. Every method throws an unchecked exception when the engine fails.
 */
interface RecordStore extends AutoCloseable {
  /** The value of {@code key}, or null if absent. */
  byte[] get(byte[] key);

  void put(byte[] key, byte[] value);

  /** Removes {@code key}; nothing happens if it is absent. */
  void delete(byte[] key);

  /** The values of at most {@code count} keys at or after {@code start}, in ascending key order. */
  List<byte[]> scan(byte[] start, int count);

  /** The engine's configuration in a line, for the log of the first open. */
  String describe();

  /** Releases the database; the store is unusable afterwards. */
  @Override
  void close();
}
