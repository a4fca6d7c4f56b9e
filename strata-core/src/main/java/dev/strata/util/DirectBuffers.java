package dev.strata.util;

import java.lang.invoke.MethodHandle;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;

/**
 * Releases a direct or mapped buffer's memory at once rather than when the collector finds the
 * buffer unreachable, through {@code sun.misc.Unsafe.invokeCleaner}, found reflectively (the
 * module {@code jdk.unsupported} opens it), as Lucene's {@code MMapDirectory} does; where it is
 * missing, {@link #free} does nothing and the collector releases the memory later.
 *
 * <p>The caller must prove that nothing reads the buffer any more: a read after the release reads
 * memory the process may have given to something else, or no memory at all.
 */
public final class DirectBuffers {
  private static final MethodHandle INVOKE_CLEANER = find();

  /** The JVM's limit on direct buffers: {@code -XX:MaxDirectMemorySize}, else the maximum heap. */
  private static final long LIMIT = directLimit();

  /** The JVM's count of direct buffers, or null where it has none. */
  private static final BufferPoolMXBean DIRECT = directPool();

  private DirectBuffers() {}

  private static long directLimit() {
    try {
      String v =
          ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class)
              .getVMOption("MaxDirectMemorySize")
              .getValue();
      long set = Long.parseLong(v);
      if (set > 0) {
        return set;
      }
    } catch (RuntimeException | LinkageError e) {
      // Not HotSpot, or no management module: the default below.
    }
    return Runtime.getRuntime().maxMemory();
  }

  private static BufferPoolMXBean directPool() {
    try {
      for (BufferPoolMXBean b : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
        if (b.getName().equals("direct")) {
          return b;
        }
      }
    } catch (RuntimeException | LinkageError e) {
      // No management module: see hasRoomFor.
    }
    return null;
  }

  /**
   * Whether {@code bytes} more of direct buffers keep the process under seven eighths of the JVM's
   * direct-memory limit (the rest is left to the JDK's own I/O buffers and the application).
   * Asked before an allocation that has a fallback: a direct allocation past the limit does not
   * fail at once but runs a full collection and sleeps up to half a second first, once per
   * allocation. Racy by nature (another thread may allocate between the check and the
   * allocation), which only means that allocation takes the slow path.
   */
  public static boolean hasRoomFor(long bytes) {
    if (DIRECT == null) {
      return true;
    }
    long used = DIRECT.getTotalCapacity();
    return bytes <= LIMIT - LIMIT / 8 - used;
  }

  private static MethodHandle find() {
    try {
      Class<?> unsafeClass = Class.forName("sun.misc.Unsafe");
      Field f = unsafeClass.getDeclaredField("theUnsafe");
      f.setAccessible(true);
      Object unsafe = f.get(null);
      return MethodHandles.lookup()
          .findVirtual(
              unsafeClass, "invokeCleaner", MethodType.methodType(void.class, ByteBuffer.class))
          .bindTo(unsafe);
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null;
    }
  }

  /** Whether {@link #free} releases memory at once on this JVM. */
  public static boolean freesAtOnce() {
    return INVOKE_CLEANER != null;
  }

  /**
   * Releases {@code buffer}'s memory now, if it is a direct (or mapped) buffer that owns it and
   * this JVM allows; otherwise leaves it to the collector.
   *
   * @throws IllegalStateException if the buffer is a duplicate or slice of another
   */
  public static void free(ByteBuffer buffer) {
    if (INVOKE_CLEANER == null || !buffer.isDirect() || buffer.capacity() == 0) {
      return;
    }
    try {
      INVOKE_CLEANER.invokeExact(buffer);
    } catch (Throwable t) {
      // invokeCleaner throws only for buffers it does not own (duplicates, slices).
      throw new IllegalStateException("cannot release a buffer it does not own", t);
    }
  }
}
