package dev.strata.key;

/**
 * Outcome markers of a point lookup in one source (a memtable or a table). A lookup returns the
 * value array when it finds a live version, {@link #DELETED} (compared by identity) when the
 * newest visible version is a tombstone, and null when the source holds no visible version, so
 * the search goes on in older sources.
 */
public final class Lookup {
  /** Identity marker for "the newest visible version is a deletion". Never exposed to users. */
  public static final byte[] DELETED = new byte[0];

  private Lookup() {}

  public static boolean isDeleted(byte[] result) {
    return result == DELETED;
  }
}
