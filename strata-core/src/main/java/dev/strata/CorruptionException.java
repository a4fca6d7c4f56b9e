package dev.strata;

/**
 * Stored data failed a check (checksum, length, magic number, ordering). The message names the
 * file and the byte offset; {@link #file()} and {@link #offset()} give them to programs. Strata
 * never returns data that failed a check.
 */
public class CorruptionException extends StrataException {
  private static final long serialVersionUID = 1L;

  private final String file;
  private final long offset;

  public CorruptionException(String file, long offset, String message) {
    super("corruption in " + file + " at offset " + offset + ": " + message);
    this.file = file;
    this.offset = offset;
  }

  public CorruptionException(String file, long offset, String message, Throwable cause) {
    super("corruption in " + file + " at offset " + offset + ": " + message, cause);
    this.file = file;
    this.offset = offset;
  }

  /** The damaged file's name or path. */
  public String file() {
    return file;
  }

  /** The byte offset of the damage within {@link #file()}; -1 when the whole file is missing. */
  public long offset() {
    return offset;
  }
}
