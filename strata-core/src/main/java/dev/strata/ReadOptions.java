package dev.strata;

/** Per-read options; immutable. Build with {@link #builder()}. */
public final class ReadOptions {
  public static final ReadOptions DEFAULT = builder().build();

  private final Snapshot snapshot;
  private final byte[] lowerBound;
  private final byte[] upperBound;
  private final boolean verifyChecksums;
  private final boolean fillCache;

  private ReadOptions(Builder b) {
    this.snapshot = b.snapshot;
    this.lowerBound = b.lowerBound;
    this.upperBound = b.upperBound;
    this.verifyChecksums = b.verifyChecksums;
    this.fillCache = b.fillCache;
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

  /** Builder of {@link ReadOptions}; not thread-safe. */
  public static final class Builder {
    private Snapshot snapshot;
    private byte[] lowerBound;
    private byte[] upperBound;
    private boolean verifyChecksums = true;
    private boolean fillCache = true;

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

    public ReadOptions build() {
      return new ReadOptions(this);
    }
  }
}
