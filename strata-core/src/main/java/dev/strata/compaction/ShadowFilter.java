package dev.strata.compaction;

import dev.strata.key.Trailer;
import java.util.Arrays;
import java.util.function.Predicate;

/**
 * Decides which entries a flush or compaction keeps. Entries arrive in internal-key order (per
 * user key, newest first). Snapshots cut each key's history into stripes: the stripe of a version
 * is the oldest snapshot that sees it (or "latest" past the newest snapshot). Only the newest
 * version of each stripe can be read by anyone, so older versions in the same stripe are dropped.
 * A tombstone is dropped too when every snapshot sees it (stripe 0) and no level below the output
 * can hold the key, as LevelDB does in {@code DoCompactionWork}.
 *
 * <p>A merge operand does not hide the versions below it: its readers combine them. So a stripe
 * keeps its newest versions down to and including the first that is not a merge operand, and
 * drops only what lies below that ({@link MergeCollapser} may then fold the kept run).
 *
 * <p>Not thread-safe: one per job.
 */
final class ShadowFilter {
  private final long[] snapshots;
  private final Predicate<byte[]> bottommostForKey;
  private byte[] lastKey;
  private int lastStripe = -1;
  private long lastTrailer = -1;
  /** Whether {@link #lastStripe} already kept a version that is not a merge operand. */
  private boolean stripeClosed;
  private long dropped;

  /**
   * @param snapshots live snapshot sequences, ascending
   * @param bottommostForKey whether no lower level can hold a key; null: never drop tombstones
   */
  ShadowFilter(long[] snapshots, Predicate<byte[]> bottommostForKey) {
    this.snapshots = snapshots;
    this.bottommostForKey = bottommostForKey;
  }

  boolean keep(byte[] userKey, long trailer) {
    int stripe = stripeOf(Trailer.sequence(trailer));
    if (lastKey != null && Arrays.equals(lastKey, userKey)) {
      if ((stripe == lastStripe && stripeClosed) || trailer == lastTrailer) {
        // Hidden below the stripe's newest value, or the same version again (a repair reads a
        // log whose memtable was also flushed).
        dropped++;
        return false;
      }
    } else {
      lastKey = userKey;
      lastStripe = -1;
    }
    if (stripe != lastStripe) {
      lastStripe = stripe;
      stripeClosed = false;
    }
    lastTrailer = trailer;
    if (!Trailer.isMerge(trailer)) {
      stripeClosed = true;
    }
    if (Trailer.isDelete(trailer)
        && stripe == 0
        && bottommostForKey != null
        && bottommostForKey.test(userKey)) {
      dropped++;
      return false;
    }
    return true;
  }

  private int stripeOf(long seq) {
    return Stripes.of(snapshots, seq);
  }

  long dropped() {
    return dropped;
  }
}
