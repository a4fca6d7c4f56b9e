package dev.strata.key;

/**
 * Outcome markers of a point lookup in one source (a memtable or a table). A lookup returns the
 * value array when it finds a live version, {@link #DELETED} (compared by identity) when the
 * newest visible version is a tombstone, and null when the source holds no visible version, so
 * the search goes on in older sources. A table asked to tell returns {@link #NEWER_ONLY} when it
 * holds versions of the key but all of them above the read's sequence.
 */
public final class Lookup {
  /** Identity marker for "the newest visible version is a deletion". Never exposed to users. */
  public static final byte[] DELETED = new byte[0];

  /**
   * Identity marker for "this table holds the key, but only at sequences above the read's". A
   * read at an unregistered sequence that meets it cannot trust what it finds further down: a
   * compaction that wrote this table may have dropped the version it should see, since no
   * registered snapshot kept it. Never exposed to users.
   */
  public static final byte[] NEWER_ONLY = new byte[0];

  /**
   * Identity marker for "the newest visible version is a merge operand": the value needs the
   * operands and the versions below them, which the read collects in a second pass. Never exposed
   * to users.
   */
  public static final byte[] MERGE = new byte[0];

  private Lookup() {}

  public static boolean isMerge(byte[] result) {
    return result == MERGE;
  }

  public static boolean isNewerOnly(byte[] result) {
    return result == NEWER_ONLY;
  }

  public static boolean isDeleted(byte[] result) {
    return result == DELETED;
  }
}
