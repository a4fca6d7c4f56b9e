package dev.strata.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.File;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.kstream.internals.SessionWindow;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.SessionStore;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Window and session stores after {@code close()}: every read and write throws {@link
 * InvalidStateStoreException}, an iterator left open is closed by the store and then throws it
 * too, {@code isOpen} is false and a second close does nothing; as the key-value store
 * ({@code KeyValueStoreContractTest}) and Kafka's RocksDB stores.
 */
class ClosedSegmentedStoreTest {
  private static final Bytes K = Bytes.wrap("k".getBytes());

  @TempDir File dir;

  @Test
  void closedWindowStore_throwsInvalidStateStoreException() {
    WindowStore<Bytes, byte[]> store =
        StrataStores.windowStore("w", Duration.ofMinutes(2), Duration.ofSeconds(10), false, false)
            .get();
    store.init(StoreContexts.context(new File(dir, "w")), store);
    store.put(K, "v".getBytes(), 10_000);
    store.put(Bytes.wrap("l".getBytes()), "v".getBytes(), 10_000);
    WindowStoreIterator<byte[]> open = store.fetch(K, 0, 20_000);
    KeyValueIterator<Windowed<Bytes>, byte[]> openAll = store.all();
    assertThat(openAll.next().key.key()).isEqualTo(K);
    store.close();
    store.close();
    assertThat(store.isOpen()).isFalse();
    Map<String, Runnable> calls = new LinkedHashMap<>();
    calls.put("put", () -> store.put(K, "v".getBytes(), 10_000));
    calls.put("fetch(k,t)", () -> store.fetch(K, 10_000));
    calls.put("fetch(k,from,to)", () -> store.fetch(K, 0, 20_000));
    calls.put("backwardFetch(k,from,to)", () -> store.backwardFetch(K, 0, 20_000));
    calls.put("fetch(a,b,from,to)", () -> store.fetch(K, K, 0, 20_000));
    calls.put("fetchAll", () -> store.fetchAll(0, 20_000));
    calls.put("all", store::all);
    calls.put("backwardAll", store::backwardAll);
    calls.put("flush", store::flush);
    calls.put("open iterator next", open::next);
    calls.put("open all() next", openAll::next);
    calls.forEach(
        (what, call) ->
            assertThatThrownBy(call::run).as(what).isInstanceOf(InvalidStateStoreException.class));
  }

  @Test
  void closedSessionStore_throwsInvalidStateStoreException() {
    SessionStore<Bytes, byte[]> store =
        StrataStores.sessionStore("s", Duration.ofMinutes(2)).get();
    store.init(StoreContexts.context(new File(dir, "s")), store);
    Windowed<Bytes> session = new Windowed<>(K, new SessionWindow(1_000, 2_000));
    store.put(session, "v".getBytes());
    KeyValueIterator<Windowed<Bytes>, byte[]> open = store.fetch(K);
    store.close();
    store.close();
    assertThat(store.isOpen()).isFalse();
    Map<String, Runnable> calls = new LinkedHashMap<>();
    calls.put("put", () -> store.put(session, "v".getBytes()));
    calls.put("remove", () -> store.remove(session));
    calls.put("fetchSession", () -> store.fetchSession(K, 1_000, 2_000));
    calls.put("findSessions(k)", () -> store.findSessions(K, 0, 3_000));
    calls.put("backwardFindSessions(k)", () -> store.backwardFindSessions(K, 0, 3_000));
    calls.put("findSessions(a,b)", () -> store.findSessions(K, K, 0, 3_000));
    calls.put("fetch(k)", () -> store.fetch(K));
    calls.put("flush", store::flush);
    calls.put("open iterator next", open::next);
    calls.forEach(
        (what, call) ->
            assertThatThrownBy(call::run).as(what).isInstanceOf(InvalidStateStoreException.class));
  }
}
