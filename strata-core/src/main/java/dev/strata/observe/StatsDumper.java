package dev.strata.observe;

import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs each open database's periodic statistics dump ({@code Options.statsDumpPeriod}) on one
 * daemon thread shared by the JVM ({@code strata-stats-dump}), started with the first database
 * that asks. A dump only reads counters and writes a log line, so one thread serves every
 * database. Thread-safe.
 */
public final class StatsDumper {
  private static final Logger LOG = LoggerFactory.getLogger(StatsDumper.class);

  /** Built on first use by the holder idiom; its one thread is a daemon and never ends. */
  private static final class Holder {
    static final ScheduledExecutorService EXECUTOR = newExecutor();

    private static ScheduledExecutorService newExecutor() {
      ScheduledThreadPoolExecutor e =
          new ScheduledThreadPoolExecutor(
              1,
              r -> {
                Thread t = new Thread(r, "strata-stats-dump");
                t.setDaemon(true);
                return t;
              });
      // A closed database's dump leaves the queue at once: a process that opens and closes
      // databases often must not keep every cancelled dump until its time comes.
      e.setRemoveOnCancelPolicy(true);
      return e;
    }
  }

  private StatsDumper() {}

  /**
   * Runs {@code dump} on {@code owner} every {@code period} from now on, until the returned handle
   * is closed; a zero period schedules nothing. The schedule holds {@code owner} weakly, so that a
   * database dropped without close is not kept alive by its dump: once it is collected, the dump
   * cancels itself. A dump that throws is logged and the next one still runs.
   */
  public static <T> AutoCloseable schedule(Duration period, T owner, Consumer<T> dump) {
    if (period.isZero()) {
      return () -> {};
    }
    long nanos = period.toNanos();
    WeakReference<T> ref = new WeakReference<>(owner);
    CompletableFuture<ScheduledFuture<?>> self = new CompletableFuture<>();
    ScheduledFuture<?> f =
        Holder.EXECUTOR.scheduleAtFixedRate(
            () -> {
              T o = ref.get();
              if (o == null) {
                self.thenAccept(s -> s.cancel(false));
                return;
              }
              try {
                dump.accept(o);
              } catch (RuntimeException e) {
                LOG.warn("statistics dump failed", e);
              }
            },
            nanos,
            nanos,
            TimeUnit.NANOSECONDS);
    self.complete(f);
    return () -> f.cancel(false);
  }
}
