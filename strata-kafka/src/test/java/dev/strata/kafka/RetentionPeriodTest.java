package dev.strata.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Method;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.state.SessionBytesStoreSupplier;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowBytesStoreSupplier;
import org.apache.kafka.streams.state.internals.WrappedStateStore;
import org.junit.jupiter.api.Test;

/**
 * Every kind of Strata window and session store tells Kafka 4.4 its retention as Kafka finds it:
 * {@code WithRetentionPeriod.resolveRetentionPeriod} on the store Kafka's builder makes (metered,
 * caching and change-logging wrappers), called by reflection as the interface is absent before
 * 4.4. Before 4.4 the stores are the plain classes, which load without it. {@code
 * ExpiredChangelogRestoreTest} shows the effect on a restore.
 */
class RetentionPeriodTest {
  private static final String WITH_RETENTION_PERIOD =
      "org.apache.kafka.streams.state.internals.WithRetentionPeriod";
  private static final Duration RETENTION = Duration.ofMinutes(7);
  private static final Duration WINDOW = Duration.ofSeconds(30);

  /** Kafka 4.4's {@code resolveRetentionPeriod}, or null before 4.4. */
  private static final Method RESOLVE = resolver();

  private static Method resolver() {
    try {
      return Class.forName(WITH_RETENTION_PERIOD)
          .getMethod("resolveRetentionPeriod", StateStore.class);
    } catch (ReflectiveOperationException e) {
      return null;
    }
  }

  static boolean kafkaAsksRetention() {
    return RESOLVE != null;
  }

  /** The retention Kafka 4.4's changelog reader finds for {@code store}; -1 if none. */
  static long resolvedRetention(StateStore store) {
    try {
      return (long) RESOLVE.invoke(null, store);
    } catch (ReflectiveOperationException e) {
      throw new AssertionError(e);
    }
  }

  private static Map<String, Supplier<StateStore>> builtStores() {
    Map<String, Supplier<StateStore>> out = new LinkedHashMap<>();
    for (boolean timestamped : new boolean[] {false, true}) {
      out.put("window, timestamped " + timestamped,
          () -> window(StrataStores.windowStore("w", RETENTION, WINDOW, false, timestamped)));
    }
    out.put("window retaining duplicates",
        () -> window(StrataStores.windowStore("w", RETENTION, WINDOW, true, false)));
    for (boolean index : new boolean[] {false, true}) {
      out.put("time-ordered window, index " + index,
          () -> window(StrataStores.timeOrderedWindowStore("w", RETENTION, WINDOW, false, index)));
    }
    out.put("session", () -> session(StrataStores.sessionStore("s", RETENTION)));
    out.put("time-ordered session",
        () -> session(StrataStores.timeOrderedSessionStore("s", RETENTION)));
    if (kafkaAsksRetention()) {
      // The HEADERS format (4.4 only): Strata's store behind a proxy, the innermost Kafka sees.
      out.put("window, headers format",
          () -> window(HeadersFormat.windowStore(
              StrataStores.windowStore("w", RETENTION, WINDOW, false, true))));
      out.put("session, headers format",
          () -> session(HeadersFormat.sessionStore(StrataStores.sessionStore("s", RETENTION))));
    }
    return out;
  }

  private static StateStore window(WindowBytesStoreSupplier supplier) {
    return Stores.windowStoreBuilder(supplier, Serdes.String(), Serdes.String())
        .withCachingEnabled()
        .build();
  }

  private static StateStore session(SessionBytesStoreSupplier supplier) {
    return Stores.sessionStoreBuilder(supplier, Serdes.String(), Serdes.String())
        .withCachingEnabled()
        .build();
  }

  private static StateStore innermost(StateStore store) {
    while (store instanceof WrappedStateStore<?, ?, ?> w) {
      store = w.wrapped();
    }
    return store;
  }

  @Test
  void everyWindowAndSessionStore_reportsItsRetentionToKafka() {
    Map<String, Supplier<StateStore>> stores = builtStores();
    assertThat(stores).hasSize(kafkaAsksRetention() ? 9 : 7);
    stores.forEach((kind, build) -> {
      StateStore built = build.get();
      StateStore strata = innermost(built);
      if (kafkaAsksRetention()) {
        assertThat(resolvedRetention(built)).as(kind).isEqualTo(RETENTION.toMillis());
      } else {
        // Before 4.4: the plain classes, which Kafka restores in full.
        assertThat(strata.getClass()).as(kind).isIn(
            StrataWindowStore.class, StrataTimestampedWindowStore.class, StrataSessionStore.class);
      }
      if (strata instanceof SegmentedStateStore s) {
        assertThat(s.retentionPeriod()).as(kind).isEqualTo(RETENTION.toMillis());
      }
    });
  }
}
