package dev.strata.engine;

import dev.strata.CompactionFilters;
import dev.strata.Options;
import dev.strata.StrataException;
import dev.strata.WriteOptions;
import dev.strata.key.WriteTimeFormat;

/**
 * Stamps values with their write time on the way in and strips it on the way out, for a database
 * opened with a time-to-live filter ({@link CompactionFilters#ttl}); the encoding is {@link
 * WriteTimeFormat}'s. Immutable and thread-safe.
 */
final class WriteTimes {
  /** The database's time-to-live filter, or null: values are stored as given. */
  private final CompactionFilters.Ttl ttl;

  WriteTimes(Options options) {
    this.ttl =
        options.compactionFilter() instanceof CompactionFilters.Ttl t ? t : null;
  }

  /** Whether values carry a write time. */
  boolean enabled() {
    return ttl != null;
  }

  /**
   * The value to store for a put of {@code value} (the caller's array or a new one).
   *
   * @throws IllegalArgumentException if {@code wo} sets a write time and the database has no
   *     time-to-live filter
   */
  byte[] stamp(byte[] value, WriteOptions wo) {
    if (ttl == null) {
      if (wo.writeTime() != null) {
        throw new IllegalArgumentException(
            "a write time needs a database opened with a time-to-live filter"
                + " (Options.builder().compactionFilter(CompactionFilters.ttl(...)))");
      }
      return value;
    }
    long millis = wo.writeTime() != null ? wo.writeTime().toEpochMilli() : ttl.clock().millis();
    return WriteTimeFormat.append(value, millis);
  }

  /** The user's value of a stored value, or null for null; as is when disabled. */
  byte[] read(byte[] stored) {
    return ttl == null || stored == null ? stored : strip(stored);
  }

  /**
   * The user's value of {@code stored}.
   *
   * @throws StrataException if it is too short to carry a write time (the database was written
   *     without a time-to-live filter)
   */
  static byte[] strip(byte[] stored) {
    if (!WriteTimeFormat.hasWriteTime(stored)) {
      throw new StrataException(
          "a stored value of "
              + stored.length
              + " bytes carries no write time: was the database written without a time-to-live"
              + " filter?");
    }
    return WriteTimeFormat.userValue(stored);
  }
}
