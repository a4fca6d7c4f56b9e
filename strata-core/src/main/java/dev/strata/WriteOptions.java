package dev.strata;

/** Per-write options; immutable. */
public final class WriteOptions {
  /** The write reaches the operating system before the call returns (survives a process crash). */
  public static final WriteOptions DEFAULT = new WriteOptions(false);

  /** The write is on stable storage (fsync) before the call returns (survives a power loss). */
  public static final WriteOptions SYNC = new WriteOptions(true);

  private final boolean sync;

  private WriteOptions(boolean sync) {
    this.sync = sync;
  }

  public boolean sync() {
    return sync;
  }

  @Override
  public String toString() {
    return sync ? "WriteOptions.SYNC" : "WriteOptions.DEFAULT";
  }
}
