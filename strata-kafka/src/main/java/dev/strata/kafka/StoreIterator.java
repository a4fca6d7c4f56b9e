package dev.strata.kafka;

import dev.strata.DBIterator;
import dev.strata.StrataException;
import java.util.NoSuchElementException;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.KeyValueIterator;

/**
 * A Kafka {@link KeyValueIterator} over one Strata iterator, forward or backward, within inclusive
 * bounds (the Strata iterator also carries them as read bounds), all in {@link StoreDatabase}'s
 * data key space: {@code from} and {@code to} are data keys, and Kafka sees its own keys. It reads a snapshot: the state
 * when it was made, whatever the stream thread writes afterwards.
 *
 * <p>Thread-safe for one reader racing the store's close: every method holds the iterator's
 * monitor, and {@link StoreDatabase#close()} closes it under the same monitor, after which every
 * method but {@link #close()} throws {@link InvalidStateStoreException}, as Kafka's RocksDB
 * iterators do. Closed by its user or by the store's close.
 */
final class StoreIterator implements KeyValueIterator<Bytes, byte[]> {
  private final String storeName;
  private final DBIterator it;
  private final boolean forward;
  private final Runnable onClose;
  private boolean closed;

  StoreIterator(String storeName, DBIterator it, boolean forward, byte[] from, byte[] to,
      Runnable onClose) {
    this.storeName = storeName;
    this.it = it;
    this.forward = forward;
    this.onClose = onClose;
    if (forward) {
      if (from == null) {
        it.seekToFirst();
      } else {
        it.seek(from);
      }
    } else if (to == null) {
      it.seekToLast();
    } else {
      it.seekForPrev(to);
    }
  }

  @Override
  public synchronized boolean hasNext() {
    checkOpen();
    try {
      return it.isValid();
    } catch (StrataException e) {
      throw closedOrFailed(e);
    }
  }

  @Override
  public synchronized KeyValue<Bytes, byte[]> next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    try {
      KeyValue<Bytes, byte[]> kv = KeyValue.pair(Bytes.wrap(StoreDatabase.userKey(it.key())), it.value());
      if (forward) {
        it.next();
      } else {
        it.prev();
      }
      return kv;
    } catch (StrataException e) {
      throw closedOrFailed(e);
    }
  }

  @Override
  public synchronized Bytes peekNextKey() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    return Bytes.wrap(StoreDatabase.userKey(it.key()));
  }

  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      it.close();
    }
    // Outside the monitor: the store's set of open iterators has its own synchronisation.
    onClose.run();
  }

  private void checkOpen() {
    if (closed) {
      throw new InvalidStateStoreException(
          "Strata iterator for store " + storeName + " has closed");
    }
  }

  private RuntimeException closedOrFailed(StrataException e) {
    return new InvalidStateStoreException(
        "Strata iterator for store " + storeName + " failed: " + e.getMessage(), e);
  }
}
