package dev.strata.kafka;

import java.util.NoSuchElementException;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;

/** An iterator with nothing in it, for ranges Kafka answers as empty; stateless. */
final class EmptyIterator<K, V> implements KeyValueIterator<K, V> {
  private static final EmptyIterator<?, ?> INSTANCE = new EmptyIterator<>();

  @SuppressWarnings("unchecked")
  static <K, V> KeyValueIterator<K, V> instance() {
    return (KeyValueIterator<K, V>) INSTANCE;
  }

  @Override
  public boolean hasNext() {
    return false;
  }

  @Override
  public KeyValue<K, V> next() {
    throw new NoSuchElementException();
  }

  @Override
  public K peekNextKey() {
    throw new NoSuchElementException();
  }

  @Override
  public void close() {}
}
