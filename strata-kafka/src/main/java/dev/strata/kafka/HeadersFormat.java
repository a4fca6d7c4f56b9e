package dev.strata.kafka;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.SessionBytesStoreSupplier;
import org.apache.kafka.streams.state.SessionStore;
import org.apache.kafka.streams.state.TimestampedBytesStore;
import org.apache.kafka.streams.state.WindowBytesStoreSupplier;
import org.apache.kafka.streams.state.WindowStore;

/**
 * Stores in Kafka 4.4's {@code HEADERS} format ({@code dsl.store.format=HEADERS}, values that keep
 * the record's headers): key-value, window (plain or time-ordered) and session stores (plain or
 * time-ordered). The stores themselves only keep bytes, so Strata's ordinary stores serve; what
 * Kafka needs is the two marker interfaces of the format: the supplier must be a {@code
 * HeadersBytesStoreSupplier} (or Kafka builds a store of another format) and the store a {@code
 * HeadersBytesStore} (or Kafka puts a format adapter in front, which drops the headers). Both
 * interfaces are absent before 4.4 and the module compiles against 4.1 too, so they are added by
 * {@link Proxy}: every call goes to the Strata supplier or store. The store proxy keeps the
 * Strata store's {@link TimestampedBytesStore}, as Kafka's window stores in this format are
 * timestamped too and its session stores are not, and Kafka 4.4's {@code WithRetentionPeriod} of
 * window and session stores ({@link SegmentedStores}). Reached only when Kafka asks for the
 * format, so only on 4.4. Stateless; thread-safe as the objects it wraps.
 */
final class HeadersFormat {
  private static final String SUPPLIER_MARKER = "org.apache.kafka.streams.state.HeadersBytesStoreSupplier";
  private static final String STORE_MARKER = "org.apache.kafka.streams.state.HeadersBytesStore";

  private HeadersFormat() {}

  /** A supplier of Strata key-value stores named {@code name}, in the headers format. */
  static KeyValueBytesStoreSupplier keyValueStore(String name) {
    return supplier(
        KeyValueBytesStoreSupplier.class,
        new StrataKeyValueBytesStoreSupplier(name, false),
        () -> new StrataKeyValueStore(name),
        KeyValueStore.class);
  }

  /** {@code strata}'s window stores, in the headers format. */
  static WindowBytesStoreSupplier windowStore(WindowBytesStoreSupplier strata) {
    return supplier(WindowBytesStoreSupplier.class, strata, strata::get, WindowStore.class);
  }

  /** {@code strata}'s session stores, in the headers format. */
  static SessionBytesStoreSupplier sessionStore(SessionBytesStoreSupplier strata) {
    return supplier(SessionBytesStoreSupplier.class, strata, strata::get, SessionStore.class);
  }

  /**
   * {@code strata} as a {@code HeadersBytesStoreSupplier} of {@code type}, whose {@code get()}
   * gives the store {@code store} makes as a {@code HeadersBytesStore} of {@code storeType}.
   */
  private static <S> S supplier(
      Class<S> type, S strata, java.util.function.Supplier<StateStore> store, Class<?> storeType) {
    return proxy(
        new Class<?>[] {type, marker(SUPPLIER_MARKER)},
        (p, m, args) -> {
          if (m.getName().equals("get") && m.getParameterCount() == 0) {
            return store(store.get(), storeType);
          }
          return call(strata, m, args);
        });
  }

  private static Object store(StateStore strata, Class<?> storeType) {
    List<Class<?>> interfaces = new ArrayList<>(List.of(storeType, marker(STORE_MARKER)));
    if (strata instanceof TimestampedBytesStore) {
      interfaces.add(TimestampedBytesStore.class);
    }
    // Kafka 4.4 asks the innermost store, here the proxy, for the retention of a window or
    // session store (SegmentedStores); the proxy answers with the Strata store's.
    Class<?> withRetention = SegmentedStores.WITH_RETENTION_PERIOD_INTERFACE;
    if (withRetention != null && withRetention.isInstance(strata)) {
      interfaces.add(withRetention);
    }
    return proxy(interfaces.toArray(new Class<?>[0]), (p, m, args) -> call(strata, m, args));
  }

  private static Class<?> marker(String name) {
    try {
      return Class.forName(name, false, KeyValueStore.class.getClassLoader());
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException(
          "this Kafka Streams has no " + name + ": the HEADERS store format needs Kafka 4.4", e);
    }
  }

  @SuppressWarnings("unchecked")
  private static <T> T proxy(Class<?>[] interfaces, InvocationHandler handler) {
    return (T) Proxy.newProxyInstance(HeadersFormat.class.getClassLoader(), interfaces, handler);
  }

  /** Calls {@code m} (an interface method, a default one included) on {@code target}. */
  private static Object call(Object target, Method m, Object[] args) throws Throwable {
    try {
      Method onTarget = target.getClass().getMethod(m.getName(), m.getParameterTypes());
      return onTarget.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }
}
