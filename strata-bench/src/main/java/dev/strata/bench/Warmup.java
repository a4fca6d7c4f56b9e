package dev.strata.bench;

import java.time.Duration;
import java.util.Locale;

/**
 * How much untimed work precedes a timed workload: a number of operations ({@code 50000}), a
 * duration in seconds ({@code 5s}), or none ({@code 0}). Applies only to workloads that neither
 * empty nor refill the database ({@link Workload#warmable()}). Immutable.
 *
 * @param ops total operations across threads, or 0
 * @param duration wall time, or {@link Duration#ZERO}
 */
public record Warmup(long ops, Duration duration) {
  public static final Warmup NONE = new Warmup(0, Duration.ZERO);

  public boolean isNone() {
    return ops == 0 && duration.isZero();
  }

  /**
   * Parses {@code N} (operations) or {@code Ns} (seconds).
   *
   * @throws IllegalArgumentException if the text is neither, or negative
   */
  public static Warmup parse(String text) {
    String t = text.trim().toLowerCase(Locale.ROOT);
    try {
      if (t.endsWith("s")) {
        double seconds = Double.parseDouble(t.substring(0, t.length() - 1));
        if (seconds < 0) {
          throw new IllegalArgumentException("warm-up must be >= 0 seconds, got " + text);
        }
        return new Warmup(0, Duration.ofNanos((long) (seconds * 1e9)));
      }
      long ops = Long.parseLong(t);
      if (ops < 0) {
        throw new IllegalArgumentException("warm-up must be >= 0 operations, got " + text);
      }
      return new Warmup(ops, Duration.ZERO);
    } catch (NumberFormatException ex) {
      throw new IllegalArgumentException(
          "warm-up must be a number of operations (10000) or seconds (5s), got '" + text + "'",
          ex);
    }
  }

  @Override
  public String toString() {
    if (isNone()) {
      return "0";
    }
    return ops > 0 ? Long.toString(ops) : (duration.toMillis() / 1000.0) + "s";
  }
}
