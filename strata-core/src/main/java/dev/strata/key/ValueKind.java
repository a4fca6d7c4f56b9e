package dev.strata.key;

/**
 * What an operation records about its key: a value, a deletion (tombstone), or a range deletion.
 * The byte codes are written to the WAL and to tables: they are never renumbered or reused.
 *
 * <p>Point entries (memtable entries, data blocks) are {@link #DELETE}, {@link #VALUE} or {@link
 * #MERGE}. A
 * {@link #RANGE_DELETE} exists only as a WAL operation (key = start, value = end) and in the range
 * structures ({@link RangeTombstone}, a table's range-deletion block), never as a point entry.
 */
public enum ValueKind {
  DELETE(0),
  VALUE(1),
  RANGE_DELETE(2),
  /** A merge operand: combined with the versions below it by the merge operator. */
  MERGE(3);

  /**
   * The largest code of a point entry: a seek target with it sorts before every point entry of the
   * same sequence.
   */
  public static final int MAX_CODE = 3;

  private final int code;

  ValueKind(int code) {
    this.code = code;
  }

  public int code() {
    return code;
  }

  /** Whether entries of this kind live in memtables and data blocks (not range deletions). */
  public boolean isPointKind() {
    return this != RANGE_DELETE;
  }

  /** The kind for an on-disk code, or null if the code is unknown (the caller reports corruption). */
  public static ValueKind fromCode(int code) {
    switch (code) {
      case 0:
        return DELETE;
      case 1:
        return VALUE;
      case 2:
        return RANGE_DELETE;
      case 3:
        return MERGE;
      default:
        return null;
    }
  }
}
