package dev.strata.compaction;

import java.util.Arrays;

/**
 * Snapshot stripes, as every filter of a flush or compaction uses them: the stripe of a version at
 * sequence {@code s} is the index of the oldest live snapshot that sees it ({@code snapshot >= s}),
 * or the snapshot count past the newest. Two versions of a key in one stripe are seen by exactly
 * the same snapshots, so only the newer of them can be read. Stateless.
 */
final class Stripes {
  private Stripes() {}

  /** The stripe of {@code seq} among {@code snapshots} (live snapshot sequences, ascending). */
  static int of(long[] snapshots, long seq) {
    int i = Arrays.binarySearch(snapshots, seq);
    return i >= 0 ? i : -i - 1;
  }
}
