package dev.strata.kafka;

import dev.strata.WriteBatch;

/**
 * A batch of Kafka keys and values for one {@link StoreDatabase}, written atomically by {@link
 * StoreDatabase#write}: the keys go into the database's data key space. A null value deletes.
 * Confined to the thread that fills and writes it.
 */
final class DataBatch {
  final WriteBatch batch = new WriteBatch();

  /** Puts {@code value}, or deletes {@code key} if it is null. */
  DataBatch put(byte[] key, byte[] value) {
    if (value == null) {
      batch.delete(StoreDatabase.dataKey(key));
    } else {
      batch.put(StoreDatabase.dataKey(key), value);
    }
    return this;
  }

  int count() {
    return batch.count();
  }
}
