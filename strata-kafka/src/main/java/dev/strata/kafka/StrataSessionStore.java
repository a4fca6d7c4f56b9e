package dev.strata.kafka;

import java.util.NoSuchElementException;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.SessionStore;
import org.apache.kafka.streams.state.internals.SessionKeySchema;

/**
 * A Kafka Streams session store on Strata, with the semantics of Kafka's {@code
 * RocksDBSessionStore}: keys are Kafka's session keys ({@code key, end, start}, see {@code
 * SessionKeySchema}), segmented by session end in a {@link SegmentedStore}. Thread-safe as it.
 */
final class StrataSessionStore extends SegmentedStateStore
    implements SessionStore<Bytes, byte[]> {
  StrataSessionStore(SegmentedStore store) {
    super(store);
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
    return store.get(SessionKeySchema.toBinary(key, sessionStartTime, sessionEndTime));
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
    store.remove(SessionKeySchema.toBinary(sessionKey));
  }

  @Override
  public void put(Windowed<Bytes> sessionKey, byte[] aggregate) {
    store.put(SessionKeySchema.toBinary(sessionKey), aggregate);
  }

  private static KeyValueIterator<Windowed<Bytes>, byte[]> sessions(
      KeyValueIterator<Bytes, byte[]> inner) {
    return new KeyValueIterator<>() {
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
        return KeyValue.pair(SessionKeySchema.from(kv.key), kv.value);
      }

      @Override
      public Windowed<Bytes> peekNextKey() {
        return SessionKeySchema.from(inner.peekNextKey());
      }

      @Override
      public void close() {
        inner.close();
      }
    };
  }
}
