package dev.strata.bench;

import com.sun.management.GarbageCollectionNotificationInfo;
import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.ListenerNotFoundException;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;

/**
 * Watches the process's memory during one session: the resident set size ({@code VmRSS} of
 * {@code /proc/self/status}) and the Java heap in use, sampled every {@link #PERIOD_MILLIS} on a
 * daemon thread it owns, plus the heap in use just before every garbage collection (the heap's
 * local peaks) from GC notifications. Where {@code /proc} is absent the RSS reads 0.
 *
 * <p>Thread-safe: peaks are atomics written by the sampler and GC notification threads and read
 * by the thread that calls {@link #stop()}, which shuts the sampler down and removes the
 * listeners.
 */
final class MemorySampler implements AutoCloseable {
  static final long PERIOD_MILLIS = 50;
  private static final Path STATUS = Path.of("/proc/self/status");

  private final AtomicLong peakRss = new AtomicLong();
  private final AtomicLong peakHeap = new AtomicLong();
  private final ScheduledExecutorService sampler;
  private final List<NotificationEmitter> emitters = new ArrayList<>();
  private final NotificationListener onGc = this::onGc;

  /**
   * Peaks of one session.
   *
   * @param peakRssBytes largest RSS seen
   * @param peakHeapBytes largest heap use seen
   */
  record Peak(long peakRssBytes, long peakHeapBytes) {}

  private MemorySampler() {
    sampler =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "strata-bench-memory-sampler");
              t.setDaemon(true);
              return t;
            });
  }

  /** Starts sampling now. */
  static MemorySampler start() {
    MemorySampler s = new MemorySampler();
    s.sample();
    // The periodic task never completes normally; stop() cancels it by shutting the pool down.
    var unused =
        s.sampler.scheduleAtFixedRate(
            s::sample, PERIOD_MILLIS, PERIOD_MILLIS, TimeUnit.MILLISECONDS);
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      if (gc instanceof NotificationEmitter e) {
        e.addNotificationListener(s.onGc, null, null);
        s.emitters.add(e);
      }
    }
    return s;
  }

  /** Stops sampling and returns the peaks, including one last sample. */
  Peak stop() {
    close();
    sample();
    return new Peak(peakRss.get(), peakHeap.get());
  }

  @Override
  public void close() {
    sampler.shutdownNow();
    for (NotificationEmitter e : emitters) {
      try {
        e.removeNotificationListener(onGc);
      } catch (ListenerNotFoundException ex) {
        // Already removed by an earlier close.
      }
    }
    emitters.clear();
  }

  private void sample() {
    peakRss.accumulateAndGet(statusBytes("VmRSS:"), Math::max);
    peakHeap.accumulateAndGet(
        ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed(), Math::max);
  }

  private void onGc(Notification n, Object handback) {
    if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(n.getType())) {
      return;
    }
    GarbageCollectionNotificationInfo info =
        GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData());
    long used = 0;
    for (Map.Entry<String, MemoryUsage> e : info.getGcInfo().getMemoryUsageBeforeGc().entrySet()) {
      if (isHeapPool(e.getKey())) {
        used += e.getValue().getUsed();
      }
    }
    peakHeap.accumulateAndGet(used, Math::max);
  }

  private static boolean isHeapPool(String pool) {
    return !(pool.contains("Metaspace") || pool.contains("Code") || pool.contains("Compressed")
        || pool.contains("non-nmethods") || pool.contains("nmethods"));
  }

  /** The process's lifetime peak RSS ({@code VmHWM}), or 0 where {@code /proc} is absent. */
  static long processPeakRss() {
    return statusBytes("VmHWM:");
  }

  /** A {@code kB} line of {@code /proc/self/status} in bytes, or 0 if unreadable. */
  static long statusBytes(String field) {
    try {
      for (String line : Files.readAllLines(STATUS, StandardCharsets.US_ASCII)) {
        if (line.startsWith(field)) {
          String[] parts = line.substring(field.length()).trim().split("\\s+");
          return Long.parseLong(parts[0]) * 1024;
        }
      }
    } catch (IOException | RuntimeException ex) {
      return 0;
    }
    return 0;
  }
}
