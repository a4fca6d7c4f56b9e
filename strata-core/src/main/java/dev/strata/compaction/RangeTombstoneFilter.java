package dev.strata.compaction;

import dev.strata.key.FragmentedRangeTombstones;
import dev.strata.version.FileMetadata;
import java.util.Arrays;

/**
 * Applies a compaction's range tombstones: decides which point entries they hide from every
 * reader (dropped), and which of the tombstones themselves the output must keep. Snapshots cut
 * the sequence space into stripes as in {@link ShadowFilter}: an entry at sequence {@code s}
 * covered by a tombstone at {@code t > s} can go only if no snapshot lies in [{@code s}, {@code
 * t}), i.e. both are in one stripe; otherwise a snapshot between them still reads the entry.
 *
 * <p>Of the tombstones, each fragment keeps the newest sequence of each stripe (an older one in the
 * same stripe hides nothing the newer one does not, for any snapshot). A fragment's sequence in
 * stripe 0 (seen by every snapshot) is dropped too when no level below the output holds a key of
 * the fragment: every entry it covers is then in this compaction, and was dropped.
 *
 * <p>Not thread-safe: one per job.
 */
final class RangeTombstoneFilter {
  /** Whether no level below the output holds any key of [start, endInclusive]. */
  interface BottommostForRange {
    boolean test(byte[] start, byte[] endInclusive);
  }

  private final FragmentedRangeTombstones fragments;
  private final long[] snapshots;
  private final BottommostForRange bottommost;
  private long dropped;

  /**
   * @param snapshots live snapshot sequences, ascending
   * @param bottommost null: never drop a tombstone (a flush)
   */
  RangeTombstoneFilter(
      FragmentedRangeTombstones fragments, long[] snapshots, BottommostForRange bottommost) {
    this.fragments = fragments;
    this.snapshots = snapshots;
    this.bottommost = bottommost;
  }

  boolean isEmpty() {
    return fragments.isEmpty();
  }

  /** Whether a tombstone hides the entry {@code userKey}@{@code sequence} from every reader. */
  boolean covers(byte[] userKey, long sequence) {
    if (fragments.isEmpty()) {
      return false;
    }
    int f = fragments.find(userKey);
    if (f < 0) {
      return false;
    }
    long[] seqs = fragments.sequences(f);
    // The oldest tombstone above the entry decides: newer ones are in the same or later stripes.
    for (int i = seqs.length - 1; i >= 0; i--) {
      if (seqs[i] > sequence) {
        if (stripeOf(seqs[i]) == stripeOf(sequence)) {
          dropped++;
          return true;
        }
        return false;
      }
    }
    return false;
  }

  /** The tombstones the output keeps. */
  FragmentedRangeTombstones output() {
    FragmentedRangeTombstones.Builder b = new FragmentedRangeTombstones.Builder();
    for (int i = 0; i < fragments.fragmentCount(); i++) {
      long[] seqs = fragments.sequences(i);
      long[] kept = new long[seqs.length];
      int n = 0;
      int lastStripe = -1;
      for (long s : seqs) {
        int stripe = stripeOf(s);
        if (stripe != lastStripe) {
          kept[n++] = s;
          lastStripe = stripe;
        }
      }
      if (n > 0
          && lastStripe == 0
          && bottommost != null
          && bottommost.test(
              fragments.start(i), FileMetadata.lastCoveredKey(fragments.end(i)))) {
        n--;
      }
      if (n > 0) {
        b.add(fragments.start(i), fragments.end(i), Arrays.copyOf(kept, n));
      }
    }
    return b.build();
  }

  private int stripeOf(long seq) {
    return Stripes.of(snapshots, seq);
  }

  /** Entries {@link #covers} dropped. */
  long dropped() {
    return dropped;
  }
}
