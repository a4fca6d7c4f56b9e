package dev.strata.kafka;

import java.util.NoSuchElementException;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;

/**
 * A store-key iterator that finds its next entry ahead of time with {@link #advance}, so that
 * {@code hasNext}, {@code peekNextKey} and {@code next} share one lookahead. Confined to the thread
 * that uses it; closing is the subclass's.
 */
abstract class LookaheadIterator implements KeyValueIterator<Bytes, byte[]> {
  private KeyValue<Bytes, byte[]> next;

  /** The next entry, or null if there is none. Called once per entry, when it is wanted. */
  abstract KeyValue<Bytes, byte[]> advance();

  @Override
  public final boolean hasNext() {
    if (next == null) {
      next = advance();
    }
    return next != null;
  }

  @Override
  public final KeyValue<Bytes, byte[]> next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    KeyValue<Bytes, byte[]> kv = next;
    next = null;
    return kv;
  }

  @Override
  public final Bytes peekNextKey() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    return next.key;
  }
}
