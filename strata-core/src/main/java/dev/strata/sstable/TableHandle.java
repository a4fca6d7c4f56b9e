package dev.strata.sstable;

/**
 * One reference to an open table, from {@link TableCache#acquire}: the reader stays open until the
 * handle closes. Use it with try-with-resources.
 *
 * <p>Confined to one thread at a time (hand it over only with a happens-before edge, as through a
 * queue). Closing twice is harmless; using {@link #reader()} after close throws.
 */
public final class TableHandle implements AutoCloseable {
  private final TableCache.OpenTable table;

  /** Confined to the owning thread, like the handle. */
  private boolean released;

  TableHandle(TableCache.OpenTable table) {
    this.table = table;
  }

  /**
   * The reader, open while this handle is.
   *
   * @throws IllegalStateException if the handle is closed
   */
  public TableReader reader() {
    if (released) {
      throw new IllegalStateException("table handle is closed");
    }
    return table.reader;
  }

  /** The open table this handle holds, for the cache that gave it. */
  TableCache.OpenTable table() {
    return table;
  }

  /** Releases the reference; the last release of an evicted table closes its file. */
  @Override
  public void close() {
    if (!released) {
      released = true;
      table.release();
    }
  }
}
