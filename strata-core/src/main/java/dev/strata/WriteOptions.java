package dev.strata;

/** Per-write options; immutable. */
public final class WriteOptions {
  /** The write reaches the operating system before the call returns (survives a process crash). */
  public static final WriteOptions DEFAULT = new WriteOptions(false, false);

  /** The write is on stable storage (fsync) before the call returns (survives a power loss). */
  public static final WriteOptions SYNC = new WriteOptions(true, false);

  private final boolean sync;
  private final boolean noSlowdown;

  private WriteOptions(boolean sync, boolean noSlowdown) {
    this.sync = sync;
    this.noSlowdown = noSlowdown;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Whether the write is forced to stable storage before the call returns. */
  public boolean sync() {
    return sync;
  }

  /**
   * Whether the write fails at once with {@link WriteStallException}, writing nothing, instead of
   * waiting while the database is stalled or slowed down.
   */
  public boolean noSlowdown() {
    return noSlowdown;
  }

  @Override
  public String toString() {
    if (!noSlowdown) {
      return sync ? "WriteOptions.SYNC" : "WriteOptions.DEFAULT";
    }
    return "WriteOptions{sync=" + sync + ", noSlowdown=true}";
  }

  /** Builds {@link WriteOptions}; not thread-safe. */
  public static final class Builder {
    private boolean sync;
    private boolean noSlowdown;

    private Builder() {}

    /** Force the write to stable storage before the call returns (default false). */
    public Builder sync(boolean v) {
      sync = v;
      return this;
    }

    /**
     * Fail at once with {@link WriteStallException} rather than wait when background work has
     * fallen behind (default false: a stalled write waits), as RocksDB's {@code no_slowdown}.
     */
    public Builder noSlowdown(boolean v) {
      noSlowdown = v;
      return this;
    }

    public WriteOptions build() {
      if (!noSlowdown) {
        return sync ? SYNC : DEFAULT;
      }
      return new WriteOptions(sync, true);
    }
  }
}
