package dev.strata;

/**
 * The unchecked exception of every Strata failure that is not a caller's mistake: I/O errors, a
 * closed database, a stalled write that timed out, a database that refuses writes after a failed
 * fsync. Subclasses: {@link CorruptionException}.
 */
public class StrataException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public StrataException(String message) {
    super(message);
  }

  public StrataException(String message, Throwable cause) {
    super(message, cause);
  }
}
