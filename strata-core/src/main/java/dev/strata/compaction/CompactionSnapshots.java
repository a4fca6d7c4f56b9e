package dev.strata.compaction;

/**
 * The live snapshots a compaction respects, and the gate that makes a compaction filter's
 * decisions safe for snapshots taken while the compaction runs. Implemented by the engine's
 * snapshot list; thread-safe.
 *
 * <p>Every version a compaction reads is visible to a snapshot taken after the compaction began,
 * so a compaction whose filter removed or changed a value must not install its outputs if such a
 * snapshot exists: that snapshot would see the value before the install and not after. The job
 * reads {@link #generation()} before {@link #sequences()}, and installs only between a successful
 * {@link #beginInstall} (no snapshot was taken since) and {@link #endInstall}; snapshots asked for
 * in between wait for the install to end. A compaction that finds the generation changed writes
 * its outputs again with the new snapshots.
 */
public interface CompactionSnapshots {
  /** A number that changes whenever a snapshot is taken. */
  long generation();

  /** The live snapshot sequences, ascending. */
  long[] sequences();

  /**
   * If no snapshot was taken since {@code generation}, holds back new snapshots until {@link
   * #endInstall} and returns true; otherwise returns false. Does not block.
   */
  boolean beginInstall(long generation);

  /** Lets snapshots be taken again; call once after each successful {@link #beginInstall}. */
  void endInstall();

  /** No snapshots ever: for jobs that run before the database is shared (tests, tools). */
  static CompactionSnapshots none() {
    return new CompactionSnapshots() {
      @Override
      public long generation() {
        return 0;
      }

      @Override
      public long[] sequences() {
        return new long[0];
      }

      @Override
      public boolean beginInstall(long generation) {
        return true;
      }

      @Override
      public void endInstall() {}
    };
  }
}
