package dev.strata.testing;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads that stress tests call Strata from: platform threads by default, virtual threads
 * with {@code -Dstrata.callers=virtual} (the {@code virtual-threads} Maven profile sets it). The
 * code compiles for Java 17: virtual threads are reached by reflection ({@code Thread.ofVirtual()}
 * through method handles), and asking for them on a JDK without them fails loudly with an {@link
 * IllegalStateException} rather than falling back to platform threads. Thread names start with
 * {@code caller-}. Thread-safe.
 */
public final class CallerThreads {
  /** The system property choosing the kind: {@code platform} (default) or {@code virtual}. */
  public static final String PROPERTY = "strata.callers";

  private static final AtomicInteger NEXT = new AtomicInteger();

  private CallerThreads() {}

  /** Whether callers are virtual threads; throws on an unknown value of {@link #PROPERTY}. */
  public static boolean virtual() {
    String kind = System.getProperty(PROPERTY, "platform");
    switch (kind) {
      case "platform":
        return false;
      case "virtual":
        return true;
      default:
        throw new IllegalStateException(
            "-D" + PROPERTY + " must be platform or virtual, got " + kind);
    }
  }

  /** An unstarted caller thread running {@code task}. */
  public static Thread newThread(String name, Runnable task) {
    if (!virtual()) {
      Thread t = new Thread(task, "caller-" + name);
      t.setDaemon(true);
      return t;
    }
    Thread t = factory().newThread(task);
    t.setName("caller-" + name);
    return t;
  }

  /** A fixed pool of {@code n} caller threads. */
  public static ExecutorService newExecutor(int n) {
    if (!virtual()) {
      return Executors.newFixedThreadPool(
          n,
          r -> {
            Thread t = new Thread(r, "caller-pool-" + NEXT.incrementAndGet());
            t.setDaemon(true);
            return t;
          });
    }
    ThreadFactory virtual = factory();
    return Executors.newFixedThreadPool(
        n,
        r -> {
          Thread t = virtual.newThread(r);
          t.setName("caller-pool-" + NEXT.incrementAndGet());
          return t;
        });
  }

  /** A description for test output: the kind of thread and the JDK. */
  public static String describe() {
    return (virtual() ? "virtual" : "platform")
        + " caller threads on Java "
        + System.getProperty("java.version");
  }

  /** {@code Thread.ofVirtual().factory()}, found at run time. */
  private static ThreadFactory factory() {
    try {
      MethodHandles.Lookup lookup = MethodHandles.publicLookup();
      Class<?> builder = Class.forName("java.lang.Thread$Builder$OfVirtual");
      MethodHandle ofVirtual =
          lookup.findStatic(Thread.class, "ofVirtual", MethodType.methodType(builder));
      MethodHandle factory =
          lookup.findVirtual(builder, "factory", MethodType.methodType(ThreadFactory.class));
      return (ThreadFactory) factory.invoke(ofVirtual.invoke());
    } catch (ReflectiveOperationException | UnsupportedOperationException e) {
      throw new IllegalStateException(
          "-D" + PROPERTY + "=virtual asks for virtual threads, which Java "
              + System.getProperty("java.version")
              + " does not offer (they need Java 21 or newer)",
          e);
    } catch (Throwable e) {
      throw new IllegalStateException("cannot create virtual threads: " + e, e);
    }
  }
}
