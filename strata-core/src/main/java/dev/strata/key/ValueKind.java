package dev.strata.key;

/**
 * What an entry records about its key: a value or a deletion (tombstone). The byte codes are
 * written to the WAL and to tables: they are never renumbered or reused.
 */
public enum ValueKind {
  DELETE(0),
  VALUE(1);

  /** The largest code: a seek target with it sorts before every entry of the same sequence. */
  public static final int MAX_CODE = 1;

  private final int code;

  ValueKind(int code) {
    this.code = code;
  }

  public int code() {
    return code;
  }

  /** The kind for an on-disk code, or null if the code is unknown (the caller reports corruption). */
  public static ValueKind fromCode(int code) {
    switch (code) {
      case 0:
        return DELETE;
      case 1:
        return VALUE;
      default:
        return null;
    }
  }
}
