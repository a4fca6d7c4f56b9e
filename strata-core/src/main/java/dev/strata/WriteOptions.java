package dev.strata;

import java.time.Instant;

/** Per-write options; immutable. */
public final class WriteOptions {
  /** The write reaches the operating system before the call returns (survives a process crash). */
  public static final WriteOptions DEFAULT = new WriteOptions(false, false, false, null);

  /** The write is on stable storage (fsync) before the call returns (survives a power loss). */
  public static final WriteOptions SYNC = new WriteOptions(true, false, false, null);

  private final boolean sync;
  private final boolean noSlowdown;
  private final boolean disableWal;
  private final Instant writeTime;

  private WriteOptions(boolean sync, boolean noSlowdown, boolean disableWal, Instant writeTime) {
    this.sync = sync;
    this.noSlowdown = noSlowdown;
    this.disableWal = disableWal;
    this.writeTime = writeTime;
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

  /**
   * Whether the write skips the write-ahead log: it goes to the memtable only, and is durable once
   * a later {@link StrataDB#flush()} returns. A crash or a {@link StrataDB#close()} before that
   * flush loses it (and every other unlogged write not yet flushed), never a logged write: recovery
   * still returns every logged write acknowledged before, in order. RocksDB's {@code disableWAL};
   * for bulk loads that can start again, such as a Kafka Streams changelog restore.
   */
  public boolean disableWal() {
    return disableWal;
  }

  /**
   * The write time stamped on the values this write puts, or null (the default): the clock of
   * the database's time-to-live filter. See {@link Builder#writeTime}.
   */
  public Instant writeTime() {
    return writeTime;
  }

  @Override
  public String toString() {
    if (!noSlowdown && !disableWal && writeTime == null) {
      return sync ? "WriteOptions.SYNC" : "WriteOptions.DEFAULT";
    }
    return "WriteOptions{sync=" + sync + ", noSlowdown=" + noSlowdown + ", disableWal="
        + disableWal + (writeTime == null ? "" : ", writeTime=" + writeTime) + "}";
  }

  /** Builds {@link WriteOptions}; not thread-safe. */
  public static final class Builder {
    private boolean sync;
    private boolean noSlowdown;
    private boolean disableWal;
    private Instant writeTime;

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

    /** Skip the write-ahead log (default false); see {@link WriteOptions#disableWal()}. */
    public Builder disableWal(boolean v) {
      disableWal = v;
      return this;
    }

    /**
     * The write time to stamp on the values this write puts, in a database opened with a
     * time-to-live filter ({@link CompactionFilters#ttl}); default null: the filter's clock at the
     * time of the write. For a restore or a copy that keeps each value's original age. A put or
     * batch that sets a write time in a database without a time-to-live filter fails with {@link
     * IllegalArgumentException}; deletions and range deletions ignore it.
     */
    public Builder writeTime(Instant time) {
      writeTime = time;
      return this;
    }

    /**
     * @throws IllegalArgumentException if both {@code sync} and {@code disableWal} are set: a write
     *     that is not logged cannot be forced (RocksDB refuses the same pair)
     */
    public WriteOptions build() {
      if (sync && disableWal) {
        throw new IllegalArgumentException("a write cannot both skip the WAL and sync it");
      }
      if (!noSlowdown && !disableWal && writeTime == null) {
        return sync ? SYNC : DEFAULT;
      }
      return new WriteOptions(sync, noSlowdown, disableWal, writeTime);
    }
  }
}
