package dev.strata.kafka;

import java.util.NoSuchElementException;
import java.util.function.Function;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.WindowStoreIterator;

/**
 * The entries of a scan of store keys ({@link SegmentedStore}), each store key turned into the key
 * a window or session store answers with: a window start, a windowed key or a session. Confined to
 * the thread that uses it; closing it closes the scan.
 */
class MappedKeyIterator<K> implements KeyValueIterator<K, byte[]> {
  private final KeyValueIterator<Bytes, byte[]> inner;
  private final Function<byte[], K> key;

  MappedKeyIterator(KeyValueIterator<Bytes, byte[]> inner, Function<byte[], K> key) {
    this.inner = inner;
    this.key = key;
  }

  /** A window store's fetch by one key: each entry's window start and value. */
  static WindowStoreIterator<byte[]> windowStarts(
      KeyValueIterator<Bytes, byte[]> inner, KeyLayout layout) {
    return new WindowStarts(inner, layout);
  }

  @Override
  public boolean hasNext() {
    return inner.hasNext();
  }

  @Override
  public KeyValue<K, byte[]> next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    KeyValue<Bytes, byte[]> kv = inner.next();
    return KeyValue.pair(key.apply(kv.key.get()), kv.value);
  }

  @Override
  public K peekNextKey() {
    return key.apply(inner.peekNextKey().get());
  }

  @Override
  public void close() {
    inner.close();
  }

  private static final class WindowStarts extends MappedKeyIterator<Long>
      implements WindowStoreIterator<byte[]> {
    WindowStarts(KeyValueIterator<Bytes, byte[]> inner, KeyLayout layout) {
      super(inner, layout::time);
    }
  }
}
