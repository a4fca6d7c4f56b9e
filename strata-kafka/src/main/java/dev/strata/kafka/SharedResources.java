package dev.strata.kafka;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import dev.strata.Cache;
import dev.strata.Options;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What all Strata stores of one Kafka Streams application share, so that its memory and threads
 * are bounded once, not per store: one block cache, one executor for flushes and compactions, and
 * one memtable budget. Reference-counted per application id: the first store to open makes them
 * from the application's configs, the last to close releases them (the executor's threads end).
 *
 * <p>Thread-safe: stores of several stream threads open and close concurrently; the registry is
 * guarded by {@code REGISTRY_LOCK}, a leaf taken for map updates only (never across a store's open,
 * close or any I/O).
 */
final class SharedResources {
  private static final Object REGISTRY_LOCK = new Object();

  @GuardedBy("REGISTRY_LOCK")
  private static final Map<String, SharedResources> BY_APPLICATION = new HashMap<>();

  final String applicationId;
  final Cache cache;
  final ExecutorService executor;
  final dev.strata.WriteBufferManager writeBufferManager;
  final int backgroundThreads;

  /** Stores holding these resources; the registry entry goes when it reaches zero. */
  @GuardedBy("REGISTRY_LOCK")
  private int refs;

  private SharedResources(String applicationId, Map<String, ?> configs) {
    this.applicationId = applicationId;
    this.cache =
        Cache.create(
            StrataConfig.longValue(
                configs, StrataConfig.CACHE_BYTES, StrataConfig.DEFAULT_CACHE_BYTES));
    this.writeBufferManager =
        dev.strata.WriteBufferManager.create(
            StrataConfig.longValue(
                configs,
                StrataConfig.MEMORY_BUDGET_BYTES,
                StrataConfig.DEFAULT_MEMORY_BUDGET_BYTES));
    this.backgroundThreads =
        (int)
            Math.max(
                1,
                StrataConfig.longValue(
                    configs,
                    StrataConfig.BACKGROUND_THREADS,
                    StrataConfig.DEFAULT_BACKGROUND_THREADS));
    AtomicInteger ids = new AtomicInteger();
    ThreadPoolExecutor pool =
        new ThreadPoolExecutor(
            backgroundThreads,
            backgroundThreads,
            30,
            TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(),
            r -> {
              Thread t =
                  new Thread(
                      r, "strata-kafka-" + applicationId + "-background-" + ids.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    // Idle threads end: an application whose stores are quiet holds no Strata thread.
    pool.allowCoreThreadTimeOut(true);
    this.executor = pool;
  }

  /** The application's resources, made from {@code configs} if no store holds them yet. */
  static SharedResources acquire(String applicationId, Map<String, ?> configs) {
    synchronized (REGISTRY_LOCK) {
      SharedResources r =
          BY_APPLICATION.computeIfAbsent(applicationId, id -> new SharedResources(id, configs));
      r.refs++;
      return r;
    }
  }

  /** Gives back one {@link #acquire}; the last one shuts the executor down. */
  void release() {
    synchronized (REGISTRY_LOCK) {
      if (--refs > 0) {
        return;
      }
      BY_APPLICATION.remove(applicationId);
    }
    // Outside the lock: every store of the application is closed, and a store's close already
    // waited for its own background work, so the shutdown interrupts nothing.
    executor.shutdown();
  }

  /** The options of one store: the shared resources plus Strata's defaults for Kafka stores. */
  Options.Builder options() {
    return Options.builder()
        .createIfMissing(true)
        .blockCache(cache)
        .backgroundExecutor(executor)
        .writeBufferManager(writeBufferManager)
        .memtableSizeBytes(StrataConfig.MEMTABLE_BYTES)
        .infoLog(false);
  }

  /** Stores currently holding the resources of {@code applicationId}; 0 if none. */
  static int refsForTesting(String applicationId) {
    synchronized (REGISTRY_LOCK) {
      SharedResources r = BY_APPLICATION.get(applicationId);
      return r == null ? 0 : r.refs;
    }
  }
}
