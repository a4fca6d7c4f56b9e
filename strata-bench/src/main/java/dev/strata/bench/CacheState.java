package dev.strata.bench;

/**
 * The state of the operating system's page cache when a timed run started, as a result's {@code
 * cache} column shows it. {@link #WARM}: as the work before left it (no drop was asked for, or the
 * workload only writes). {@link #DROPPED}: dropped after the engine closed, then reopened.
 * {@link #NOT_DROPPED}: a drop was asked for and failed (the run header says why), so the run
 * measured a warm page cache.
 */
public enum CacheState {
  WARM("warm"),
  DROPPED("dropped"),
  NOT_DROPPED("not dropped");

  private final String label;

  CacheState(String label) {
    this.label = label;
  }

  /** The column's text, also the JSON value. */
  public String label() {
    return label;
  }

  /**
   * The state of several runs aggregated into one result: dropped only if every run's drop
   * succeeded, warm only if no run asked for one.
   */
  static CacheState combine(CacheState a, CacheState b) {
    if (a == b) {
      return a;
    }
    return a == WARM && b == WARM ? WARM : NOT_DROPPED;
  }

  /**
   * The state with this label; a missing label (a JSON line written before the column existed)
   * is {@link #WARM}.
   *
   * @throws IllegalArgumentException if the label is unknown
   */
  public static CacheState parse(String label) {
    if (label == null) {
      return WARM;
    }
    for (CacheState s : values()) {
      if (s.label.equals(label)) {
        return s;
      }
    }
    throw new IllegalArgumentException("unknown cache state '" + label + "'");
  }

  @Override
  public String toString() {
    return label;
  }
}
