package dev.strata.kafka;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Key-value stores in Kafka 4.4's {@code HEADERS} format ({@code dsl.store.format=HEADERS}, values
 * that keep the record's headers and timestamp). The store itself only keeps bytes, so a plain
 * {@link StrataKeyValueStore} serves; what Kafka needs is the two marker interfaces of the format:
 * the supplier must be a {@code HeadersBytesStoreSupplier} (or Kafka builds a timestamped store)
 * and the store a {@code HeadersBytesStore} (or Kafka puts its format adapter in front, which
 * drops the headers). Both interfaces are absent before 4.4 and the module compiles against 4.1
 * too, so they are added by {@link Proxy}: every call goes to the Strata supplier or store.
 * Reached only when Kafka asks for the format, so only on 4.4. Stateless; thread-safe as the
 * objects it wraps.
 */
final class HeadersFormat {
  private static final String SUPPLIER_MARKER = "org.apache.kafka.streams.state.HeadersBytesStoreSupplier";
  private static final String STORE_MARKER = "org.apache.kafka.streams.state.HeadersBytesStore";

  private HeadersFormat() {}

  /** A supplier of Strata key-value stores named {@code name}, in the headers format. */
  static KeyValueBytesStoreSupplier keyValueStore(String name) {
    StrataKeyValueBytesStoreSupplier strata = new StrataKeyValueBytesStoreSupplier(name, false);
    return proxy(
        KeyValueBytesStoreSupplier.class,
        marker(SUPPLIER_MARKER),
        (p, m, args) -> {
          if (m.getName().equals("get") && m.getParameterCount() == 0) {
            return store(new StrataKeyValueStore(name));
          }
          return call(strata, m, args);
        });
  }

  @SuppressWarnings("unchecked")
  private static KeyValueStore<Bytes, byte[]> store(StrataKeyValueStore strata) {
    return proxy(KeyValueStore.class, marker(STORE_MARKER), (p, m, args) -> call(strata, m, args));
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
  private static <T> T proxy(Class<T> type, Class<?> marker, InvocationHandler handler) {
    return (T) Proxy.newProxyInstance(
        HeadersFormat.class.getClassLoader(), new Class<?>[] {type, marker}, handler);
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
