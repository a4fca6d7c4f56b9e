package dev.strata.kafka;

import java.util.NoSuchElementException;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;
import org.apache.kafka.streams.state.internals.WindowKeySchema;

/**
 * A Kafka Streams window store on Strata, with the semantics of Kafka's {@code RocksDBWindowStore}:
 * keys are Kafka's window store keys ({@code key, windowStart, seqnum}, see {@code
 * WindowKeySchema}), segmented by time in a {@link SegmentedStore}; with {@code retainDuplicates}
 * every put takes the next sequence number (so equal windows keep every value, and a null put is
 * a no-op), without it the sequence number is 0 and a put replaces. Thread-safe as {@link
 * SegmentedStore}.
 */
class StrataWindowStore extends SegmentedStateStore implements WindowStore<Bytes, byte[]> {
  private final boolean retainDuplicates;
  private final long windowSize;

  /** The last sequence number used; stream thread only. */
  private int seqnum;

  StrataWindowStore(SegmentedStore store, boolean retainDuplicates, long windowSize) {
    super(store);
    this.retainDuplicates = retainDuplicates;
    this.windowSize = windowSize;
  }

  @Override
  public void put(Bytes key, byte[] value, long windowStartTimestamp) {
    // With duplicates, a null value would delete nothing: each put has its own sequence number.
    if (!(value == null && retainDuplicates)) {
      if (retainDuplicates) {
        seqnum = (seqnum + 1) & 0x7FFFFFFF;
      }
      store.put(WindowKeySchema.toStoreKeyBinary(key, windowStartTimestamp, seqnum), value);
    }
  }

  @Override
  public byte[] fetch(Bytes key, long timestamp) {
    return store.get(WindowKeySchema.toStoreKeyBinary(key, timestamp, seqnum));
  }

  @Override
  public WindowStoreIterator<byte[]> fetch(Bytes key, long timeFrom, long timeTo) {
    return new ValuesIterator(store.fetch(key, timeFrom, timeTo, true));
  }

  @Override
  public WindowStoreIterator<byte[]> backwardFetch(Bytes key, long timeFrom, long timeTo) {
    return new ValuesIterator(store.fetch(key, timeFrom, timeTo, false));
  }

  @Override
  public KeyValueIterator<Windowed<Bytes>, byte[]> fetch(
      Bytes keyFrom, Bytes keyTo, long timeFrom, long timeTo) {
    return new WindowedIterator(store.fetch(keyFrom, keyTo, timeFrom, timeTo, true), windowSize);
  }

  @Override
  public KeyValueIterator<Windowed<Bytes>, byte[]> backwardFetch(
      Bytes keyFrom, Bytes keyTo, long timeFrom, long timeTo) {
    return new WindowedIterator(store.fetch(keyFrom, keyTo, timeFrom, timeTo, false), windowSize);
  }

  @Override
  public KeyValueIterator<Windowed<Bytes>, byte[]> all() {
    return new WindowedIterator(store.all(true), windowSize);
  }

  @Override
  public KeyValueIterator<Windowed<Bytes>, byte[]> backwardAll() {
    return new WindowedIterator(store.all(false), windowSize);
  }

  @Override
  public KeyValueIterator<Windowed<Bytes>, byte[]> fetchAll(long timeFrom, long timeTo) {
    return new WindowedIterator(store.fetchAll(timeFrom, timeTo, true), windowSize);
  }

  @Override
  public KeyValueIterator<Windowed<Bytes>, byte[]> backwardFetchAll(long timeFrom, long timeTo) {
    return new WindowedIterator(store.fetchAll(timeFrom, timeTo, false), windowSize);
  }

  /** The window start (from the store key) and value of each entry. */
  private static final class ValuesIterator implements WindowStoreIterator<byte[]> {
    private final KeyValueIterator<Bytes, byte[]> inner;

    ValuesIterator(KeyValueIterator<Bytes, byte[]> inner) {
      this.inner = inner;
    }

    @Override
    public boolean hasNext() {
      return inner.hasNext();
    }

    @Override
    public KeyValue<Long, byte[]> next() {
      KeyValue<Bytes, byte[]> kv = inner.next();
      return KeyValue.pair(WindowKeyCodec.windowStart(kv.key.get()), kv.value);
    }

    @Override
    public Long peekNextKey() {
      return WindowKeyCodec.windowStart(inner.peekNextKey().get());
    }

    @Override
    public void close() {
      inner.close();
    }
  }

  /** The windowed key and value of each entry. */
  private static final class WindowedIterator implements KeyValueIterator<Windowed<Bytes>, byte[]> {
    private final KeyValueIterator<Bytes, byte[]> inner;
    private final long windowSize;

    WindowedIterator(KeyValueIterator<Bytes, byte[]> inner, long windowSize) {
      this.inner = inner;
      this.windowSize = windowSize;
    }

    @Override
    public boolean hasNext() {
      return inner.hasNext();
    }

    @Override
    public KeyValue<Windowed<Bytes>, byte[]> next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      KeyValue<Bytes, byte[]> kv = inner.next();
      return KeyValue.pair(WindowKeySchema.fromStoreBytesKey(kv.key.get(), windowSize), kv.value);
    }

    @Override
    public Windowed<Bytes> peekNextKey() {
      return WindowKeySchema.fromStoreBytesKey(inner.peekNextKey().get(), windowSize);
    }

    @Override
    public void close() {
      inner.close();
    }
  }
}
