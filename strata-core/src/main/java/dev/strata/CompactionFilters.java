package dev.strata;

import dev.strata.key.WriteTimeFormat;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * Built-in {@link CompactionFilter}s.
 *
 * <p><b>Time to live.</b> {@link #ttl(Duration)} is Strata's counterpart of RocksJava's {@code
 * TtlDB}. A database opened with it as its filter stores every value with its write time appended
 * (8 bytes; {@code docs/format/ttl.md}): {@code put} and the puts of a {@link WriteBatch} stamp
 * the value with the filter's clock, or with {@link WriteOptions.Builder#writeTime} when the write
 * sets one. Reads strip it again ({@code get}, {@code multiGet} and iterators return the user's
 * value), and compactions remove the entries whose write time is more than the time to live in
 * the past. As in {@code TtlDB}:
 *
 * <ul>
 *   <li>an expired entry is removed at its next compaction, not at once: until then reads still
 *       return it (Strata does not hide expired entries on read, as {@code TtlDB} does not);
 *   <li>a database written with a time-to-live filter must always be opened with one (any
 *       duration: it can change between opens), and one written without must never be: the stored
 *       values say nothing of whether they carry a write time. A value too short to carry one
 *       fails the read with a {@link StrataException};
 *   <li>the time to live is a lower bound: an entry lives at least that long.
 * </ul>
 *
 * Merges are refused together with a time-to-live filter ({@code Options.Builder#build} throws):
 * operands and merged values would carry no write time. Tools that read tables directly (the
 * {@code strata} command) show the stored values, write time included; {@link
 * #valueWithoutWriteTime} and {@link #writeTimeOf} decode them.
 */
public final class CompactionFilters {
  private CompactionFilters() {}

  /**
   * A time-to-live filter on the system clock: see the class comment.
   *
   * @throws IllegalArgumentException if {@code ttl} is not positive
   */
  public static Ttl ttl(Duration ttl) {
    return new Ttl(ttl, Clock.systemUTC());
  }

  /**
   * A time-to-live filter reading {@code clock} both to stamp writes and to decide expiry; tests
   * pass a clock they move by hand.
   *
   * @throws IllegalArgumentException if {@code ttl} is not positive
   */
  public static Ttl ttl(Duration ttl, Clock clock) {
    return new Ttl(ttl, clock);
  }

  /**
   * The user's value of a value stored by a time-to-live database (its last 8 bytes removed).
   *
   * @throws IllegalArgumentException if {@code stored} is shorter than a write time
   */
  public static byte[] valueWithoutWriteTime(byte[] stored) {
    requireWriteTime(stored);
    return WriteTimeFormat.userValue(stored);
  }

  /**
   * The write time of a value stored by a time-to-live database.
   *
   * @throws IllegalArgumentException if {@code stored} is shorter than a write time
   */
  public static Instant writeTimeOf(byte[] stored) {
    requireWriteTime(stored);
    return Instant.ofEpochMilli(WriteTimeFormat.writeTimeMillis(stored));
  }

  private static void requireWriteTime(byte[] stored) {
    Objects.requireNonNull(stored, "stored");
    if (!WriteTimeFormat.hasWriteTime(stored)) {
      throw new IllegalArgumentException(
          "a value of " + stored.length + " bytes carries no write time");
    }
  }

  /**
   * The time-to-live filter: removes values whose write time is more than {@link #ttl()} before
   * the clock's now; keeps values too short to carry a write time. Thread-safe and immutable.
   */
  public static final class Ttl implements CompactionFilter {
    private final Duration ttl;
    private final long ttlMillis;
    private final Clock clock;

    private Ttl(Duration ttl, Clock clock) {
      Objects.requireNonNull(ttl, "ttl");
      this.clock = Objects.requireNonNull(clock, "clock");
      if (ttl.isNegative() || ttl.isZero()) {
        throw new IllegalArgumentException("ttl must be positive, got " + ttl);
      }
      this.ttl = ttl;
      this.ttlMillis = ttl.toMillis();
    }

    /** How long a value lives at least. */
    public Duration ttl() {
      return ttl;
    }

    /** The clock that stamps writes and decides expiry. */
    public Clock clock() {
      return clock;
    }

    @Override
    public Decision filter(int level, byte[] key, byte[] value) {
      if (!WriteTimeFormat.hasWriteTime(value)) {
        return Decision.KEEP;
      }
      long written = WriteTimeFormat.writeTimeMillis(value);
      // Saturating: a write time far in the future (a clock set wrong) never wraps into the past.
      long expires = written > Long.MAX_VALUE - ttlMillis ? Long.MAX_VALUE : written + ttlMillis;
      return clock.millis() > expires ? Decision.REMOVE : Decision.KEEP;
    }

    @Override
    public String name() {
      return "strata.ttl(" + ttl + ")";
    }
  }
}
