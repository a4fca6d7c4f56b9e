package dev.strata.compaction;

import dev.strata.util.Bytes;
import dev.strata.version.FileMetadata;
import dev.strata.version.Level;
import dev.strata.version.VersionSet;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Chooses the most urgent compaction from a consistent view of the levels, with dynamic level
 * sizing (Dong et al., "Optimizing Space Amplification in RocksDB", CIDR 2017): the bottom
 * level's actual size sets the targets of the levels above it, each {@code multiplier} times
 * smaller, and level 0 compacts straight into the highest level that has a target (the base
 * level), so that about 90% of the data sits in the bottom level and space amplification stays
 * near 1.1.
 *
 * <p>Scores: level 0 is its file count over the trigger; a level from the base down to the one
 * above the bottom is its bytes over its target. The highest score of at least 1 runs first; from
 * a level below 0 it moves the file with the least overlap below per byte ({@link #forLevel}).
 *
 * <p>When no score reaches 1, a file that reads have charged enough goes down a level (LevelDB's
 * seek compaction). Iterators sample the keys they pass ({@link #recordReadSample}); a sampled
 * key that lies in two or more files, counting each level-0 file and one file per level, charges
 * the first of them, the newest, which the read had to look past. A file takes one sample per 16
 * KiB of its size (at least 100) before it is due. This is what tidies a tree that writes left
 * with overlapping level-0 files below the trigger and obsolete versions further down: scans and
 * seeks over it merge every one of those files until it is compacted.
 *
 * <h2>Concurrency</h2>
 *
 * {@link #pick} and {@link #manual} are called by the compaction thread alone and keep no state
 * between calls but {@code due}, an {@link AtomicReference}: reading threads
 * set it from {@link #recordReadSample}, the compaction thread clears it when it picks the file.
 * {@link #targets}, {@link #scores} and {@link #needsCompaction} read no state and are safe from
 * any thread.
 */
public final class CompactionPicker {
  private final int level0Trigger;
  private final int multiplier;
  private final long maxBytesForLevelBase;
  private final long targetFileSize;
  /** A file read samples made due, with its level, or null; see the class comment. */
  private final AtomicReference<Due> due = new AtomicReference<>();

  private record Due(int level, FileMetadata file) {}

  public CompactionPicker(
      int level0Trigger, int multiplier, long maxBytesForLevelBase, long targetFileSize) {
    this.level0Trigger = level0Trigger;
    this.multiplier = multiplier;
    this.maxBytesForLevelBase = maxBytesForLevelBase;
    this.targetFileSize = targetFileSize;
  }

  /** The level targets and base level for a view of the levels. */
  public record Targets(int baseLevel, long[] bytes) {}

  public Targets targets(Level[] levels) {
    int last = VersionSet.NUM_LEVELS - 1;
    long bottom = 0;
    for (int i = 1; i <= last; i++) {
      bottom = Math.max(bottom, levels[i].totalBytes());
    }
    long[] t = new long[VersionSet.NUM_LEVELS];
    int base = last;
    long cur = Math.max(bottom, 1);
    t[last] = Long.MAX_VALUE;
    while (base > 1 && cur > maxBytesForLevelBase) {
      cur /= multiplier;
      base--;
    }
    // Level 0 must compact into the highest non-empty level: putting newer data below a level
    // that still holds older versions would let those older versions shadow it.
    for (int i = 1; i < base; i++) {
      if (levels[i].fileCount() > 0) {
        for (int j = i; j < base; j++) {
          cur /= multiplier;
        }
        base = i;
        break;
      }
    }
    long target = Math.max(cur, 1);
    for (int i = base; i < last; i++) {
      // No level's target below maxBytesForLevelBase (as RocksDB's dynamic sizing does): while
      // the bottom level is small, a base level sized bottom / multiplier would score far above
      // level 0 and take every compaction slot, rewriting the bottom level over and over while
      // level 0 fills up to the slowdown trigger (measured without the floor: a 10M-key fill
      // held 14 level-0 files and wrote 3% more table bytes than RocksDB, which floors too).
      t[i] = Math.max(target, maxBytesForLevelBase);
      target *= multiplier;
    }
    return new Targets(base, t);
  }

  /**
   * Bytes compactions would rewrite to bring every level under its target, as RocksDB's {@code
   * estimate-pending-compaction-bytes} estimates it: level 0's bytes once it reaches its trigger,
   * and each higher level's bytes over its target. An estimate for monitoring.
   */
  public long estimatedPendingBytes(Level[] levels) {
    long pending = levels[0].fileCount() >= level0Trigger ? levels[0].totalBytes() : 0;
    long[] t = targets(levels).bytes();
    for (int i = 1; i < VersionSet.NUM_LEVELS - 1; i++) {
      pending += Math.max(0, levels[i].totalBytes() - t[i]);
    }
    return pending;
  }

  /** Score of each level (index 0 to 6); the bottom level's is 0. */
  public double[] scores(Level[] levels) {
    Targets targets = targets(levels);
    double[] s = new double[VersionSet.NUM_LEVELS];
    s[0] = (double) levels[0].fileCount() / level0Trigger;
    for (int i = targets.baseLevel(); i < VersionSet.NUM_LEVELS - 1; i++) {
      s[i] = (double) levels[i].totalBytes() / targets.bytes()[i];
    }
    return s;
  }

  /**
   * Charges one read sample at {@code userKey} against {@code levels}, the levels as they are now:
   * if two or more files may hold the key, the first in lookup order (newest) is charged. Called
   * by reading threads; thread-safe.
   *
   * @return whether this charge made a file due (the caller wakes the compaction worker)
   */
  public boolean recordReadSample(Level[] levels, byte[] userKey) {
    FileMetadata first = null;
    int firstLevel = -1;
    for (int i = 0; i < VersionSet.NUM_LEVELS; i++) {
      for (FileMetadata f : levels[i].filesForKey(userKey)) {
        if (first != null) {
          return first.chargeReadSample() && due.compareAndSet(null, new Due(firstLevel, first));
        }
        first = f;
        firstLevel = i;
      }
    }
    return false;
  }

  /** Whether {@link #pick} would find work now; reads no state the compaction thread owns. */
  public boolean needsCompaction(Level[] levels) {
    return mostUrgent(scores(levels)) >= 0 || inPlace(levels, due.get());
  }

  /** The level with the highest score of at least 1, or -1 if none. */
  private static int mostUrgent(double[] s) {
    int best = -1;
    for (int i = 0; i < VersionSet.NUM_LEVELS - 1; i++) {
      if (s[i] >= 1 && (best < 0 || s[i] > s[best])) {
        best = i;
      }
    }
    return best;
  }

  /** Whether {@code d} is a due file still in the level it was charged in. */
  private static boolean inPlace(Level[] levels, Due d) {
    return d != null && levels[d.level()].files().contains(d.file());
  }

  /**
   * The most urgent compaction: the highest score of at least 1, else the file read samples made
   * due; null if there is neither. Compaction thread only.
   */
  public Compaction pick(Level[] levels) {
    double[] s = scores(levels);
    int best = mostUrgent(s);
    if (best < 0) {
      return forReads(levels);
    }
    Targets targets = targets(levels);
    if (best == 0) {
      return forLevel0(levels, targets.baseLevel(), s[0], null, null, Compaction.Reason.SIZE);
    }
    return forLevel(levels, best, s[best]);
  }

  /**
   * The compaction of the file read samples made due, which it clears; null if none is due or the
   * file has left its level since (a later sample makes it due again if it is still costly).
   */
  private Compaction forReads(Level[] levels) {
    Due d = due.getAndSet(null);
    if (!inPlace(levels, d)) {
      return null;
    }
    FileMetadata f = d.file();
    if (d.level() == 0) {
      int base = targets(levels).baseLevel();
      return forLevel0(
          levels, base, 0, f.smallestUserKey(), f.largestUserKey(), Compaction.Reason.READS);
    }
    return forFiles(levels, d.level(), List.of(f), 0, Compaction.Reason.READS);
  }

  private Compaction forLevel0(
      Level[] levels,
      int output,
      double score,
      byte[] begin,
      byte[] end,
      Compaction.Reason reason) {
    List<FileMetadata> inputs = level0Closure(levels[0], begin, end);
    if (inputs.isEmpty()) {
      return null;
    }
    byte[][] range = range(inputs);
    List<FileMetadata> below = levels[output].overlapping(range[0], range[1]);
    return new Compaction(
        0, output, inputs, below, grandparents(levels, output, range), score, reason);
  }

  /**
   * The level-0 files overlapping [begin, end] (null = unbounded), closed under overlap: every
   * level-0 file that overlaps the inputs' range joins them, and the range widens, until no file
   * is added (LevelDB's {@code GetOverlappingInputs}). Files chained by overlap (C over 10..20, B
   * over 18..30, A over 28..40) therefore leave level 0 together: moving A and B down while C
   * stays would leave C's older versions of 18..20 above B's newer ones, and a tombstone of B
   * dropped at the bottom level would let C's deleted value come back.
   */
  static List<FileMetadata> level0Closure(Level level0, byte[] begin, byte[] end) {
    List<FileMetadata> inputs = level0.overlapping(begin, end);
    while (!inputs.isEmpty()) {
      byte[][] range = range(inputs);
      List<FileMetadata> wider = level0.overlapping(range[0], range[1]);
      if (wider.size() == inputs.size()) {
        break;
      }
      inputs = wider;
    }
    return inputs;
  }

  /**
   * The compaction of a level over its target: the file whose overlap in the level below is the
   * smallest for its size (RocksDB's {@code kMinOverlappingRatio}), so that each byte moved down
   * rewrites as few bytes of the level below as the level allows; ties go to the first in key
   * order. Choosing in key order instead (LevelDB's round-robin) took files overlapping 8 to 10
   * files below beside files overlapping 2 (YCSB's phases, {@code docs/benchmarks.md}).
   */
  private Compaction forLevel(Level[] levels, int level, double score) {
    List<FileMetadata> files = levels[level].files();
    Level below = levels[level + 1];
    FileMetadata chosen = null;
    double best = Double.MAX_VALUE;
    for (int i = 0, n = files.size(); i < n; i++) {
      FileMetadata f = files.get(i);
      long overlap = 0;
      for (FileMetadata b : below.overlapping(f.smallestUserKey(), f.largestUserKey())) {
        overlap += b.fileSize();
      }
      double ratio = (double) overlap / Math.max(1, f.fileSize());
      if (ratio < best) {
        best = ratio;
        chosen = f;
      }
    }
    return forFiles(levels, level, List.of(chosen), score, Compaction.Reason.SIZE);
  }

  /** Files of a level from 1 down, with what they overlap in the next level. */
  private Compaction forFiles(
      Level[] levels,
      int level,
      List<FileMetadata> inputs,
      double score,
      Compaction.Reason reason) {
    byte[][] range = range(inputs);
    List<FileMetadata> below = levels[level + 1].overlapping(range[0], range[1]);
    return new Compaction(
        level, level + 1, inputs, below, grandparents(levels, level + 1, range), score, reason);
  }

  /**
   * A manual compaction of [begin, end] (null = unbounded) from {@code level}, or null if the
   * level holds nothing in range. Level 0 goes to the base level, others one level down.
   */
  public Compaction manual(Level[] levels, int level, byte[] begin, byte[] end) {
    if (level == 0) {
      int base = targets(levels).baseLevel();
      return forLevel0(levels, base, 0, begin, end, Compaction.Reason.MANUAL);
    }
    List<FileMetadata> inputs = levels[level].overlapping(begin, end);
    if (inputs.isEmpty()) {
      return null;
    }
    return forFiles(levels, level, inputs, 0, Compaction.Reason.MANUAL);
  }

  /**
   * A manual rewrite of the last level's files within [begin, end] (null = unbounded), from the
   * first to the last that holds range tombstones (every file between them too, so that the
   * outputs overlap no file left in place), or null if none does. The rewrite drops the tombstones
   * that no snapshot needs any more, with the entries they hide (RocksDB compacts such bottommost
   * files too). With {@code everyFile} (a compaction filter is set, which must see every value, as
   * RocksDB's {@code kIfHaveCompactionFilter}) every file in range is rewritten. Without it, a
   * file counts only if some sequence of it is at or below {@code oldestSnapshot} (the oldest live
   * snapshot's, {@code Long.MAX_VALUE} with none): otherwise every tombstone of it is above a
   * snapshot that keeps it, and a {@code compactRange} called again and again while a snapshot
   * lives would rewrite the same files each time for nothing.
   */
  public Compaction manualBottommost(
      Level[] levels, byte[] begin, byte[] end, boolean everyFile, long oldestSnapshot) {
    return manualBottommost(levels, begin, end, everyFile, oldestSnapshot, Long.MAX_VALUE);
  }

  /**
   * As {@link #manualBottommost(Level[], byte[], byte[], boolean, long)}, leaving out the files
   * numbered {@code writtenFrom} or above: those the same {@code compactRange} just wrote into the
   * last level, whose entries its compactions already filtered and whose droppable tombstones they
   * already dropped (rewriting them would write the range twice, as RocksDB's {@code kForce} does
   * and its {@code kForceOptimized} avoids). Such a file lying between two files that are wanted
   * is rewritten with them all the same, so that the outputs overlap no file left in place.
   */
  public Compaction manualBottommost(
      Level[] levels,
      byte[] begin,
      byte[] end,
      boolean everyFile,
      long oldestSnapshot,
      long writtenFrom) {
    int last = VersionSet.NUM_LEVELS - 1;
    List<FileMetadata> files = levels[last].overlapping(begin, end);
    int first = -1;
    int lastWith = -1;
    for (int i = 0; i < files.size(); i++) {
      FileMetadata f = files.get(i);
      // A tombstone above the oldest snapshot must stay (that snapshot may see what it hides), so
      // a file whose every sequence lies above it would be rewritten to no effect.
      boolean wanted =
          f.number() < writtenFrom
              && (everyFile || (f.hasRangeTombstones() && f.smallestSequence() <= oldestSnapshot));
      if (wanted) {
        if (first < 0) {
          first = i;
        }
        lastWith = i;
      }
    }
    if (first < 0) {
      return null;
    }
    return new Compaction(
        last,
        last,
        List.copyOf(files.subList(first, lastWith + 1)),
        List.of(),
        List.of(),
        0,
        Compaction.Reason.MANUAL);
  }

  private List<FileMetadata> grandparents(Level[] levels, int output, byte[][] range) {
    if (output + 1 >= VersionSet.NUM_LEVELS) {
      return List.of();
    }
    return levels[output + 1].overlapping(range[0], range[1]);
  }

  /** Overlap with the grandparent level above which an output file is cut. */
  public long maxGrandparentOverlap() {
    return 10 * targetFileSize;
  }

  private static byte[][] range(List<FileMetadata> files) {
    byte[] lo = null;
    byte[] hi = null;
    for (FileMetadata f : files) {
      if (lo == null || Bytes.compare(f.smallestUserKey(), lo) < 0) {
        lo = f.smallestUserKey();
      }
      if (hi == null || Bytes.compare(f.largestUserKey(), hi) > 0) {
        hi = f.largestUserKey();
      }
    }
    return new byte[][] {lo, hi};
  }
}
