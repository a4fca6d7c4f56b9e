package dev.strata;

/**
 * A write was not made because the database is stalled (background work has fallen behind) and
 * the caller asked not to wait: the write had {@link WriteOptions.Builder#noSlowdown} set, or it
 * waited longer than the opt-in {@link Options#writeStallTimeout()}. Nothing of the write was
 * applied; it may be retried. The database itself is healthy.
 */
public class WriteStallException extends StrataException {
  private static final long serialVersionUID = 1L;

  public WriteStallException(String message) {
    super(message);
  }
}
