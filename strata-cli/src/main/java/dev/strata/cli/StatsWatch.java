package dev.strata.cli;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * {@code strata stats --watch}: takes a {@link StatsSample} every interval and prints a row of
 * rates since the previous one (writes/s, reads/s, bytes written and read per second, stalls,
 * block-cache hit ratio, pending compaction, stall condition), as {@code iostat} or {@code
 * vmstat} do, until the count is reached or the process is interrupted. A figure the source does
 * not have prints as {@code -}. Confined to the command's thread.
 */
final class StatsWatch {
  static final String HEADER =
      String.format(
          Locale.ROOT,
          "%-8s %10s %10s %12s %12s %7s %7s %14s %s",
          "time",
          "writes/s",
          "reads/s",
          "in-bytes/s",
          "out-bytes/s",
          "stalls",
          "hit%",
          "pending-bytes",
          "stall");

  private final Callable<StatsSample> source;
  private final PrintWriter out;
  private final long intervalNanos;
  private final long count;

  /**
   * @param count rows to print, or 0 for no end
   */
  StatsWatch(Callable<StatsSample> source, PrintWriter out, long intervalNanos, long count) {
    this.source = source;
    this.out = out;
    this.intervalNanos = intervalNanos;
    this.count = count;
  }

  /** Prints the header, then a row per interval. */
  void run() throws Exception {
    out.println(HEADER);
    out.flush();
    StatsSample previous = source.call();
    long start = previous.nanos();
    for (long rows = 0; count == 0 || rows < count; rows++) {
      // The refresh period of the display: the command has nothing else to wait for.
      TimeUnit.NANOSECONDS.sleep(intervalNanos);
      StatsSample now = source.call();
      out.println(row(previous, now, now.nanos() - start));
      out.flush();
      previous = now;
    }
  }

  /** The row of rates between two samples; {@code elapsedNanos} since the first one. */
  static String row(StatsSample a, StatsSample b, long elapsedNanos) {
    double seconds = Math.max(1e-9, (b.nanos() - a.nanos()) / 1e9);
    long hits = delta(a, b, "strata.block.cache.data.hit");
    long misses = delta(a, b, "strata.block.cache.data.miss");
    return String.format(
        Locale.ROOT,
        "%-8s %10s %10s %12s %12s %7s %7s %14s %s",
        String.format(Locale.ROOT, "%.1fs", elapsedNanos / 1e9),
        rate(a, b, "strata.keys.written", seconds),
        rate(a, b, "strata.keys.read", seconds),
        rate(a, b, "strata.bytes.written", seconds),
        rate(a, b, "strata.bytes.read", seconds),
        known(delta(a, b, "strata.stall.count")),
        hits < 0 || misses < 0 || hits + misses == 0
            ? "-"
            : String.format(Locale.ROOT, "%.1f", 100.0 * hits / (hits + misses)),
        known(b.pendingCompactionBytes()),
        b.stallCondition());
  }

  private static String rate(StatsSample a, StatsSample b, String ticker, double seconds) {
    long d = delta(a, b, ticker);
    return d < 0 ? "-" : String.format(Locale.ROOT, "%.0f", d / seconds);
  }

  private static String known(long n) {
    return n < 0 ? "-" : Long.toString(n);
  }

  /** The ticker's growth between the samples, or -1 if either lacks it. */
  private static long delta(StatsSample a, StatsSample b, String ticker) {
    Long x = a.tickers().get(ticker);
    Long y = b.tickers().get(ticker);
    return x == null || y == null ? -1 : Math.max(0, y - x);
  }
}
