package dev.strata.kafka;

import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.kstream.internals.SessionWindow;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.SessionStore;

/**
 * A Kafka Streams session store on Strata, with the semantics of Kafka's {@code
 * RocksDBSessionStore} or, in a time-ordered layout, {@code RocksDBTimeOrderedSessionStore}: keys
 * are Kafka's session keys ({@code key, end, start}, or end time first: {@link SegmentLayout}),
 * segmented by session end in a {@link SegmentedStore}. Thread-safe as it.
 */
class StrataSessionStore extends SegmentedStateStore implements SessionStore<Bytes, byte[]> {
  private final KeyLayout layout;

  StrataSessionStore(SegmentedStore store) {
    super(store);
    this.layout = store.layout.base;
  }

  /**
   * Sessions ending in {@code [earliestSessionEndTime, latestSessionEndTime]} in end-time order,
   * which aggregations that emit on window close read; only time-ordered stores answer, as only
   * Kafka's time-ordered session store does.
   *
   * @throws UnsupportedOperationException in the key-first layout, as Kafka's RocksDB store
   */
  @Override
  public KeyValueIterator<Windowed<Bytes>, byte[]> findSessions(
      long earliestSessionEndTime, long latestSessionEndTime) {
    if (layout != KeyLayout.TIME_FIRST_SESSION) {
      return SessionStore.super.findSessions(earliestSessionEndTime, latestSessionEndTime);
    }
    return sessions(store.fetchSessions(earliestSessionEndTime, latestSessionEndTime));
  }

  private Bytes storeKey(Bytes key, long start, long end) {
    return Bytes.wrap(layout.encode(key.get(), end, start));
  }

  private Bytes storeKey(Windowed<Bytes> session) {
    return storeKey(session.key(), session.window().start(), session.window().end());
  }

  @Override
  public KeyValueIterator<Windowed<Bytes>, byte[]> findSessions(
      Bytes key, long earliestSessionEndTime, long latestSessionStartTime) {
    return sessions(store.fetch(key, earliestSessionEndTime, latestSessionStartTime, true));
  }

  @Override
  public KeyValueIterator<Windowed<Bytes>, byte[]> backwardFindSessions(
      Bytes key, long earliestSessionEndTime, long latestSessionStartTime) {
    return sessions(store.fetch(key, earliestSessionEndTime, latestSessionStartTime, false));
  }

  @Override
  public KeyValueIterator<Windowed<Bytes>, byte[]> findSessions(
      Bytes keyFrom, Bytes keyTo, long earliestSessionEndTime, long latestSessionStartTime) {
    return sessions(
        store.fetch(keyFrom, keyTo, earliestSessionEndTime, latestSessionStartTime, true));
  }

  @Override
  public KeyValueIterator<Windowed<Bytes>, byte[]> backwardFindSessions(
      Bytes keyFrom, Bytes keyTo, long earliestSessionEndTime, long latestSessionStartTime) {
    return sessions(
        store.fetch(keyFrom, keyTo, earliestSessionEndTime, latestSessionStartTime, false));
  }

  @Override
  public byte[] fetchSession(Bytes key, long sessionStartTime, long sessionEndTime) {
    return store.get(storeKey(key, sessionStartTime, sessionEndTime));
  }

  @Override
  public KeyValueIterator<Windowed<Bytes>, byte[]> fetch(Bytes key) {
    return findSessions(key, 0, Long.MAX_VALUE);
  }

  @Override
  public KeyValueIterator<Windowed<Bytes>, byte[]> backwardFetch(Bytes key) {
    return backwardFindSessions(key, 0, Long.MAX_VALUE);
  }

  @Override
  public KeyValueIterator<Windowed<Bytes>, byte[]> fetch(Bytes keyFrom, Bytes keyTo) {
    return findSessions(keyFrom, keyTo, 0, Long.MAX_VALUE);
  }

  @Override
  public KeyValueIterator<Windowed<Bytes>, byte[]> backwardFetch(Bytes keyFrom, Bytes keyTo) {
    return backwardFindSessions(keyFrom, keyTo, 0, Long.MAX_VALUE);
  }

  @Override
  public void remove(Windowed<Bytes> sessionKey) {
    store.remove(storeKey(sessionKey));
  }

  @Override
  public void put(Windowed<Bytes> sessionKey, byte[] aggregate) {
    store.put(storeKey(sessionKey), aggregate);
  }

  private KeyValueIterator<Windowed<Bytes>, byte[]> sessions(
      KeyValueIterator<Bytes, byte[]> scan) {
    return new MappedKeyIterator<>(scan, this::session);
  }

  private Windowed<Bytes> session(byte[] storeKey) {
    return new Windowed<>(
        Bytes.wrap(layout.recordKey(storeKey)),
        new SessionWindow(layout.second(storeKey), layout.time(storeKey)));
  }
}
