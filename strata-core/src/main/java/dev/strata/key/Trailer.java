package dev.strata.key;

/**
 * The 64-bit trailer of an internal key: the sequence number in the high 56 bits and the
 * {@link ValueKind} code in the low 8, as in LevelDB's {@code dbformat.h}. Internal keys order by
 * user key ascending, then trailer descending, so the newest version of a key comes first.
 */
public final class Trailer {
  /**
   * The largest sequence number a write may carry. Capped at 2^55 - 1 so that every trailer is a
   * non-negative long and the signed comparison in {@link InternalKey#compare} is exact (a
   * database writing a million operations a second takes a thousand years to get there).
   */
  public static final long MAX_SEQUENCE = (1L << 55) - 1;

  private Trailer() {}

  public static long pack(long sequence, ValueKind kind) {
    return (sequence << 8) | kind.code();
  }

  public static long sequence(long trailer) {
    return trailer >>> 8;
  }

  public static int kindCode(long trailer) {
    return (int) (trailer & 0xFF);
  }

  /** {@code trailer}'s kind at {@code sequence}: how an ingested table's entries read. */
  public static long withSequence(long trailer, long sequence) {
    return (sequence << 8) | (trailer & 0xFF);
  }

  public static boolean isMerge(long trailer) {
    return (trailer & 0xFF) == ValueKind.MERGE.code();
  }

  public static boolean isDelete(long trailer) {
    return (trailer & 0xFF) == ValueKind.DELETE.code();
  }

  /**
   * The trailer of a seek target that finds the newest entry of a user key with a sequence at
   * most {@code sequence}: it sorts before every real entry of that sequence. A sequence above
   * {@link #MAX_SEQUENCE} (a caller's {@code Long.MAX_VALUE} for "the newest") seeks as that
   * maximum, rather than shifting into the sign bit and sorting after every entry.
   */
  public static long seekTrailer(long sequence) {
    return (Math.min(sequence, MAX_SEQUENCE) << 8) | ValueKind.MAX_CODE;
  }
}
