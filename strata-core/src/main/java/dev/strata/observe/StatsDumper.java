package dev.strata.observe;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
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
    static final ScheduledExecutorService EXECUTOR =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "strata-stats-dump");
              t.setDaemon(true);
              return t;
            });
  }

  private StatsDumper() {}

  /**
   * Runs {@code dump} every {@code period} from now on, until the returned handle is closed; a
   * zero period schedules nothing. A dump that throws is logged and the next one still runs.
   */
  public static AutoCloseable schedule(Duration period, Runnable dump) {
    if (period.isZero()) {
      return () -> {};
    }
    long nanos = period.toNanos();
    ScheduledFuture<?> f =
        Holder.EXECUTOR.scheduleAtFixedRate(
            () -> {
              try {
                dump.run();
              } catch (RuntimeException e) {
                LOG.warn("statistics dump failed", e);
              }
            },
            nanos,
            nanos,
            TimeUnit.NANOSECONDS);
    return () -> f.cancel(false);
  }
}
