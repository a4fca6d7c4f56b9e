package dev.strata.kafka;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import org.apache.kafka.streams.state.WindowStore;

/**
 * Makes the window and session stores of Strata's suppliers. Where the running Kafka Streams has
 * its internal {@code WithRetentionPeriod} (4.4 on), the stores are {@code
 * WithRetentionPeriodStores}' subclasses, which implement it, so that Kafka's changelog reader
 * skips restoring expired records as for its own stores; otherwise (4.1 to 4.3, or a build of this
 * module against 4.1, which leaves those subclasses out) the plain classes, which Kafka restores in
 * full. The interface and the subclasses' constructors are looked up once, by name, since neither
 * exists at compile time against 4.1. Immutable after class initialisation; thread-safe.
 */
final class SegmentedStores {
  private static final String WITH_RETENTION_PERIOD =
      "org.apache.kafka.streams.state.internals.WithRetentionPeriod";

  /** {@code WithRetentionPeriodStores}, by name: the class is missing from a build against 4.1. */
  private static final String SUBCLASSES = "dev.strata.kafka.WithRetentionPeriodStores";

  /** Kafka 4.4's {@code WithRetentionPeriod}; null where the stores cannot implement it. */
  static final Class<?> WITH_RETENTION_PERIOD_INTERFACE;

  /** The constructors of {@code WithRetentionPeriodStores}' classes; all null, or none. */
  private static final MethodHandle WINDOW;
  private static final MethodHandle TIMESTAMPED_WINDOW;
  private static final MethodHandle SESSION;

  static {
    Class<?> kafkaInterface = null;
    MethodHandle window = null;
    MethodHandle timestampedWindow = null;
    MethodHandle session = null;
    try {
      kafkaInterface =
          Class.forName(WITH_RETENTION_PERIOD, false, WindowStore.class.getClassLoader());
      MethodType windowType =
          MethodType.methodType(void.class, SegmentedStore.class, boolean.class, long.class);
      window = constructor("Window", windowType, StrataWindowStore.class);
      timestampedWindow = constructor("TimestampedWindow", windowType, StrataWindowStore.class);
      session =
          constructor(
              "Session", MethodType.methodType(void.class, SegmentedStore.class),
              StrataSessionStore.class);
    } catch (ReflectiveOperationException | LinkageError e) {
      // Before 4.4, or built against 4.1: the plain classes.
      kafkaInterface = null;
      window = null;
      timestampedWindow = null;
      session = null;
    }
    WITH_RETENTION_PERIOD_INTERFACE = kafkaInterface;
    WINDOW = window;
    TIMESTAMPED_WINDOW = timestampedWindow;
    SESSION = session;
  }

  private SegmentedStores() {}

  /** The constructor of {@code WithRetentionPeriodStores.<name>}, returning {@code type}. */
  private static MethodHandle constructor(String name, MethodType type, Class<?> returns)
      throws ReflectiveOperationException {
    ClassLoader loader = SegmentedStores.class.getClassLoader();
    Class<?> c = Class.forName(SUBCLASSES + "$" + name, true, loader);
    return MethodHandles.lookup().findConstructor(c, type).asType(type.changeReturnType(returns));
  }

  /** A window store on {@code segments}; timestamped ({@code TimestampedBytesStore}) or not. */
  static StrataWindowStore windowStore(
      SegmentedStore segments, boolean retainDuplicates, long windowSize, boolean timestamped) {
    if (WINDOW == null) {
      return timestamped
          ? new StrataTimestampedWindowStore(segments, retainDuplicates, windowSize)
          : new StrataWindowStore(segments, retainDuplicates, windowSize);
    }
    try {
      MethodHandle c = timestamped ? TIMESTAMPED_WINDOW : WINDOW;
      return (StrataWindowStore) c.invokeExact(segments, retainDuplicates, windowSize);
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Throwable e) {
      throw new IllegalStateException(e);
    }
  }

  /** A session store on {@code segments}. */
  static StrataSessionStore sessionStore(SegmentedStore segments) {
    if (SESSION == null) {
      return new StrataSessionStore(segments);
    }
    try {
      return (StrataSessionStore) SESSION.invokeExact(segments);
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Throwable e) {
      throw new IllegalStateException(e);
    }
  }
}
