package dev.strata.kafka;

import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.KeyValueIterator;

/**
 * Skips the entries of a segment's range that a fetch does not want: record keys outside {@code
 * [keyFrom, keyTo]} (null = unbounded) or times outside {@code [from, to]}, as {@link
 * KeyLayout#test} decides. The same conditions as the {@code hasNextCondition} of Kafka's key
 * schemas, written here because Kafka's condition type is not public before 4.4. Stateless.
 */
final class KeyFilter {
  private final KeyLayout layout;
  private final Bytes keyFrom;
  private final Bytes keyTo;
  private final long from;
  private final long to;
  private final boolean forward;

  /** The latest {@link KeyLayout#time} wanted (a session's end); Long.MAX_VALUE for any. */
  private final long maxTime;

  KeyFilter(KeyLayout layout, Bytes keyFrom, Bytes keyTo, long from, long to, boolean forward) {
    this(layout, keyFrom, keyTo, from, to, forward, Long.MAX_VALUE);
  }

  KeyFilter(KeyLayout layout, Bytes keyFrom, Bytes keyTo, long from, long to, boolean forward,
      long maxTime) {
    this.layout = layout;
    this.keyFrom = keyFrom;
    this.keyTo = keyTo;
    this.from = from;
    this.to = to;
    this.forward = forward;
    this.maxTime = maxTime;
  }

  /** Advances {@code it} to the next wanted entry; false if none is left. */
  boolean hasNext(KeyValueIterator<Bytes, ?> it) {
    while (it.hasNext()) {
      byte[] storeKey = it.peekNextKey().get();
      if (maxTime != Long.MAX_VALUE && layout.time(storeKey) > maxTime) {
        it.next();
        continue;
      }
      switch (layout.test(storeKey, keyFrom, keyTo, from, to, forward)) {
        case MATCH:
          return true;
        case STOP:
          return false;
        case SKIP:
          it.next();
          break;
      }
    }
    return false;
  }
}
