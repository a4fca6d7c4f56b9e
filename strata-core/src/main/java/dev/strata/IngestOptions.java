package dev.strata;

/**
 * How {@link StrataDB#ingestExternalFiles} takes in tables written by {@link SstFileWriter}.
 * Immutable and thread-safe; {@link #defaults()} or {@link #builder()}.
 */
public final class IngestOptions {
  private static final IngestOptions DEFAULTS = builder().build();

  private final boolean moveFiles;
  private final boolean allowBlockingFlush;
  private final boolean verifyChecksums;

  private IngestOptions(Builder b) {
    this.moveFiles = b.moveFiles;
    this.allowBlockingFlush = b.allowBlockingFlush;
    this.verifyChecksums = b.verifyChecksums;
  }

  /** Copy the files, flush when needed, no checksum pass. */
  public static IngestOptions defaults() {
    return DEFAULTS;
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Whether the files are moved into the database (hard-linked, then their old names removed once
   * the ingestion is installed) rather than copied. Where the database directory is on another
   * file store, or the file system has no hard links, they are copied either way; a failed
   * ingestion leaves them where they were.
   */
  public boolean moveFiles() {
    return moveFiles;
  }

  /**
   * Whether an ingestion whose key ranges overlap data still in a memtable may flush it, with
   * writes waiting meanwhile; when false such an ingestion fails instead, changing nothing.
   */
  public boolean allowBlockingFlush() {
    return allowBlockingFlush;
  }

  /** Whether every data block's checksum is verified before the files are taken in. */
  public boolean verifyChecksums() {
    return verifyChecksums;
  }

  @Override
  public String toString() {
    return "IngestOptions{moveFiles="
        + moveFiles
        + ", allowBlockingFlush="
        + allowBlockingFlush
        + ", verifyChecksums="
        + verifyChecksums
        + "}";
  }

  /** Builds {@link IngestOptions}; defaults as in {@link IngestOptions#defaults()}. */
  public static final class Builder {
    private boolean moveFiles;
    private boolean allowBlockingFlush = true;
    private boolean verifyChecksums;

    private Builder() {}

    /** See {@link IngestOptions#moveFiles()}; default false. */
    public Builder moveFiles(boolean move) {
      this.moveFiles = move;
      return this;
    }

    /** See {@link IngestOptions#allowBlockingFlush()}; default true. */
    public Builder allowBlockingFlush(boolean allow) {
      this.allowBlockingFlush = allow;
      return this;
    }

    /** See {@link IngestOptions#verifyChecksums()}; default false. */
    public Builder verifyChecksums(boolean verify) {
      this.verifyChecksums = verify;
      return this;
    }

    public IngestOptions build() {
      return new IngestOptions(this);
    }
  }
}
