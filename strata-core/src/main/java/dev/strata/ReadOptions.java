package dev.strata;

/** Per-read options; immutable. Build with {@link #builder()}. */
public final class ReadOptions {
  public static final ReadOptions DEFAULT = builder().build();

  private final Snapshot snapshot;
  private final byte[] lowerBound;
  private final byte[] upperBound;
  private final boolean verifyChecksums;
  private final boolean fillCache;
  private final boolean prefixSameAsStart;

  private ReadOptions(Builder b) {
    this.snapshot = b.snapshot;
    this.lowerBound = b.lowerBound;
    this.upperBound = b.upperBound;
    this.verifyChecksums = b.verifyChecksums;
    this.fillCache = b.fillCache;
    this.prefixSameAsStart = b.prefixSameAsStart;
  }

  /** A builder holding these options, for a variant. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.snapshot = snapshot;
    b.lowerBound = lowerBound;
    b.upperBound = upperBound;
    b.verifyChecksums = verifyChecksums;
    b.fillCache = fillCache;
    b.prefixSameAsStart = prefixSameAsStart;
    return b;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The snapshot to read at, or null for the latest state. */
  public Snapshot snapshot() {
    return snapshot;
  }

  /** Iterators see no key below this one (inclusive bound), or null. */
  public byte[] lowerBound() {
    return lowerBound == null ? null : lowerBound.clone();
  }

  /** Iterators see no key at or above this one (exclusive bound), or null. */
  public byte[] upperBound() {
    return upperBound == null ? null : upperBound.clone();
  }

  public boolean verifyChecksums() {
    return verifyChecksums;
  }

  public boolean fillCache() {
    return fillCache;
  }

  /** Whether iterators stay within the prefix of the key they were positioned at. */
  public boolean prefixSameAsStart() {
    return prefixSameAsStart;
  }

  /** Builder of {@link ReadOptions}; not thread-safe. */
  public static final class Builder {
    private Snapshot snapshot;
    private byte[] lowerBound;
    private byte[] upperBound;
    private boolean verifyChecksums = true;
    private boolean fillCache = true;
    private boolean prefixSameAsStart;

    private Builder() {}

    public Builder snapshot(Snapshot snapshot) {
      this.snapshot = snapshot;
      return this;
    }

    public Builder lowerBound(byte[] lowerBound) {
      this.lowerBound = lowerBound == null ? null : lowerBound.clone();
      return this;
    }

    public Builder upperBound(byte[] upperBound) {
      this.upperBound = upperBound == null ? null : upperBound.clone();
      return this;
    }

    /** Check block checksums on every read (default true). */
    public Builder verifyChecksums(boolean verify) {
      this.verifyChecksums = verify;
      return this;
    }

    /** Put blocks read by this operation into the block cache (default true). */
    public Builder fillCache(boolean fill) {
      this.fillCache = fill;
      return this;
    }

    /**
     * Bounds an iterator to one prefix of the database's {@link Options#prefixExtractor()}
     * (default false; ignored when the database has no extractor), as RocksDB's {@code
     * prefix_same_as_start}:
     *
     * <ul>
     *   <li>After {@code seek(k)} or {@code seekForPrev(k)} with {@code k} in the extractor's
     *       domain, the iterator returns only keys with {@code k}'s prefix, in both directions:
     *       it becomes invalid at the first key (moving either way) without that prefix. Tables
     *       whose prefix filter rules the prefix out are skipped without reading a data block
     *       (their range deletions still apply).
     *   <li>After {@code seekToFirst()} or {@code seekToLast()}, the iterator stands where a
     *       total-order iterator would, and is then bounded to the prefix of the key it stands
     *       on.
     *   <li>A seek to a key out of the domain (or a {@code seekToFirst()} or {@code seekToLast()}
     *       that lands on one) leaves the iterator unbounded until its next seek.
     * </ul>
     *
     * The lower and upper bounds still apply. Without this option iteration is in total order and
     * no prefix filter is consulted.
     */
    public Builder prefixSameAsStart(boolean v) {
      this.prefixSameAsStart = v;
      return this;
    }

    public ReadOptions build() {
      return new ReadOptions(this);
    }
  }
}
