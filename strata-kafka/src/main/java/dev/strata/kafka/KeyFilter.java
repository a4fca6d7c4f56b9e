package dev.strata.kafka;

import java.nio.ByteBuffer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.KeyValueIterator;

/**
 * Skips the entries of a segment's range that a fetch does not want: keys outside {@code [keyFrom,
 * keyTo]} (null = unbounded) or times outside {@code [from, to]}. The same conditions as the {@code
 * hasNextCondition} of Kafka's {@code WindowKeySchema} (window start within the times) and {@code
 * SessionKeySchema} (a session ending at or after {@code from} and starting at or before {@code
 * to}), written here because Kafka's condition type is not public before 4.4. Stateless.
 */
final class KeyFilter {
  private static final int WINDOW_SUFFIX = 8 + 4;
  private static final int SESSION_SUFFIX = 8 + 8;

  private final boolean windowSchema;
  private final Bytes keyFrom;
  private final Bytes keyTo;
  private final long from;
  private final long to;

  KeyFilter(boolean windowSchema, Bytes keyFrom, Bytes keyTo, long from, long to) {
    this.windowSchema = windowSchema;
    this.keyFrom = keyFrom;
    this.keyTo = keyTo;
    this.from = from;
    this.to = to;
  }

  /** Advances {@code it} to the next wanted entry; false if none is left. */
  boolean hasNext(KeyValueIterator<Bytes, ?> it) {
    while (it.hasNext()) {
      if (wanted(it.peekNextKey().get())) {
        return true;
      }
      it.next();
    }
    return false;
  }

  private boolean wanted(byte[] storeKey) {
    int suffix = windowSchema ? WINDOW_SUFFIX : SESSION_SUFFIX;
    byte[] key = new byte[storeKey.length - suffix];
    System.arraycopy(storeKey, 0, key, 0, key.length);
    Bytes k = Bytes.wrap(key);
    if ((keyFrom != null && k.compareTo(keyFrom) < 0) || (keyTo != null && k.compareTo(keyTo) > 0)) {
      return false;
    }
    ByteBuffer b = ByteBuffer.wrap(storeKey);
    if (windowSchema) {
      long start = b.getLong(key.length);
      return start >= from && start <= to;
    }
    long end = b.getLong(key.length);
    long start = b.getLong(key.length + 8);
    return end >= from && start <= to;
  }
}
