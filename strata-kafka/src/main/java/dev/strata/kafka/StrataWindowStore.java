package dev.strata.kafka;

import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.kstream.internals.TimeWindow;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;
import org.apache.kafka.streams.state.internals.WrappedStateStore;

/**
 * A Kafka Streams window store on Strata, with the semantics of Kafka's {@code RocksDBWindowStore}
 * or, in a time-ordered layout, {@code RocksDBTimeOrderedWindowStore}: keys are Kafka's window
 * store keys ({@code key, windowStart, seqnum}, or time first: {@link SegmentLayout}), segmented by
 * time in a {@link SegmentedStore}; with {@code retainDuplicates} every put takes the next sequence
 * number (so equal windows keep every value, and a null put is a no-op), without it the sequence
 * number is 0 and a put replaces. Thread-safe as {@link SegmentedStore}.
 */
class StrataWindowStore extends SegmentedStateStore implements WindowStore<Bytes, byte[]> {
  private final boolean retainDuplicates;
  private final long windowSize;
  private final KeyLayout layout;

  private static final String CACHING_WINDOW_STORE =
      "org.apache.kafka.streams.state.internals.CachingWindowStore";

  /** The last sequence number used; stream thread only. */
  private int seqnum;

  StrataWindowStore(SegmentedStore store, boolean retainDuplicates, long windowSize) {
    super(store);
    this.retainDuplicates = retainDuplicates;
    this.windowSize = windowSize;
    this.layout = store.layout.base;
  }

  /**
   * Kafka puts its time-ordered cache only in front of its own time-ordered RocksDB class, so a
   * time-ordered Strata store with caching on sits under Kafka's {@code CachingWindowStore}, which
   * merges its cache with the store's scans in key-first order: the store then sorts the entries of
   * each segment into that order ({@link SegmentedStore#keyOrderedScans}).
   */
  @Override
  public void init(StateStoreContext context, StateStore root) {
    store.keyOrderedScans(cachedAbove(root));
    super.init(context, root);
  }

  /**
   * Whether Kafka's {@code CachingWindowStore} is among the wrappers from {@code root} down; found
   * by name, as the class is package-private before 4.4 (and every wrapper implements {@code
   * CachedStateStore}, so that interface tells nothing).
   */
  static boolean cachedAbove(StateStore root) {
    for (StateStore s = root; s != null; ) {
      if (s.getClass().getName().equals(CACHING_WINDOW_STORE)) {
        return true;
      }
      s = s instanceof WrappedStateStore<?, ?, ?> w ? w.wrapped() : null;
    }
    return false;
  }

  private Bytes storeKey(Bytes key, long windowStart, int seq) {
    return Bytes.wrap(layout.encode(key.get(), windowStart, seq));
  }

  /** The window of {@code storeKey}: its start plus the window size, capped as Kafka's. */
  private static Windowed<Bytes> windowed(KeyLayout layout, byte[] storeKey, long windowSize) {
    long start = layout.time(storeKey);
    long end = start + windowSize;
    return new Windowed<>(
        Bytes.wrap(layout.recordKey(storeKey)),
        new TimeWindow(start, end < 0 ? Long.MAX_VALUE : end));
  }

  @Override
  public void put(Bytes key, byte[] value, long windowStartTimestamp) {
    // With duplicates, a null value would delete nothing: each put has its own sequence number.
    if (!(value == null && retainDuplicates)) {
      if (retainDuplicates) {
        seqnum = (seqnum + 1) & 0x7FFFFFFF;
      }
      store.put(storeKey(key, windowStartTimestamp, seqnum), value);
    }
  }

  @Override
  public byte[] fetch(Bytes key, long timestamp) {
    return store.get(storeKey(key, timestamp, seqnum));
  }

  @Override
  public WindowStoreIterator<byte[]> fetch(Bytes key, long timeFrom, long timeTo) {
    return windowStarts(store.fetch(key, timeFrom, timeTo, true));
  }

  @Override
  public WindowStoreIterator<byte[]> backwardFetch(Bytes key, long timeFrom, long timeTo) {
    return windowStarts(store.fetch(key, timeFrom, timeTo, false));
  }

  @Override
  public KeyValueIterator<Windowed<Bytes>, byte[]> fetch(
      Bytes keyFrom, Bytes keyTo, long timeFrom, long timeTo) {
    return windows(store.fetch(keyFrom, keyTo, timeFrom, timeTo, true));
  }

  @Override
  public KeyValueIterator<Windowed<Bytes>, byte[]> backwardFetch(
      Bytes keyFrom, Bytes keyTo, long timeFrom, long timeTo) {
    return windows(store.fetch(keyFrom, keyTo, timeFrom, timeTo, false));
  }

  @Override
  public KeyValueIterator<Windowed<Bytes>, byte[]> all() {
    return windows(store.all(true));
  }

  @Override
  public KeyValueIterator<Windowed<Bytes>, byte[]> backwardAll() {
    return windows(store.all(false));
  }

  @Override
  public KeyValueIterator<Windowed<Bytes>, byte[]> fetchAll(long timeFrom, long timeTo) {
    return windows(store.fetchAll(timeFrom, timeTo, true));
  }

  @Override
  public KeyValueIterator<Windowed<Bytes>, byte[]> backwardFetchAll(long timeFrom, long timeTo) {
    return windows(store.fetchAll(timeFrom, timeTo, false));
  }

  private WindowStoreIterator<byte[]> windowStarts(KeyValueIterator<Bytes, byte[]> scan) {
    return MappedKeyIterator.windowStarts(scan, layout);
  }

  private KeyValueIterator<Windowed<Bytes>, byte[]> windows(KeyValueIterator<Bytes, byte[]> scan) {
    return new MappedKeyIterator<>(scan, k -> windowed(layout, k, windowSize));
  }
}
