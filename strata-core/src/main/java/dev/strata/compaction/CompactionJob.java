package dev.strata.compaction;

import dev.strata.CompactionFilter;
import dev.strata.HistogramType;
import dev.strata.MergeOperator;
import dev.strata.Ticker;
import dev.strata.fs.CrashPoint;
import dev.strata.fs.FileSystem;
import dev.strata.key.FragmentedRangeTombstones;
import dev.strata.key.InternalIterator;
import dev.strata.key.RangeTombstone;
import dev.strata.key.Trailer;
import dev.strata.key.MergingIterator;
import dev.strata.sstable.TableCache;
import dev.strata.sstable.TableHandle;
import dev.strata.sstable.TableOptions;
import dev.strata.version.FileMetadata;
import dev.strata.version.Level;
import dev.strata.version.TableFileIterator;
import dev.strata.version.VersionEdit;
import dev.strata.version.VersionSet;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * Runs one {@link Compaction}: merges the input tables, drops versions no snapshot needs and
 * tombstones nothing below can hold, folds merge operands ({@link MergeCollapser}), offers the
 * resulting values to the user's compaction filter ({@link CompactionFilterStage}), writes outputs
 * split at the target size, and installs the result with one manifest edit (both levels replaced,
 * bottom first, as {@link VersionSet#logAndApply} guarantees). A trivial move is the edit alone.
 *
 * <p>Holds no level or memtable lock while reading inputs and writing outputs. Polls {@code
 * keepRunning} every few thousand entries and, when it turns false (the database is closing),
 * abandons the job at that safe point: partial outputs are deleted and nothing is installed.
 * Confined to the calling thread (the compaction worker, or a caller of {@code compactRange}).
 */
public final class CompactionJob {
  /** Thrown inside the job when it stops at a safe point because the database is closing. */
  public static final class AbortedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    AbortedException() {
      super("compaction aborted: database closing");
    }
  }

  private static final int POLL_EVERY = 1024;

  /**
   * What a compaction did.
   *
   * @param outputs the tables written, in key order (empty for a trivial move)
   * @param bytesWritten their bytes
   * @param nanos the time taken
   * @param filterFailures entries the compaction filter failed on (each kept as written)
   * @param firstFilterFailure what the filter threw first, or null; the caller logs it once it
   *     holds no lock
   */
  public record Result(
      List<FileMetadata> outputs,
      long bytesWritten,
      long nanos,
      long filterFailures,
      Exception firstFilterFailure) {}

  private CompactionJob() {}

  /**
   * Passes of one compaction with its filter; if snapshots were taken during each, the next pass
   * runs without the filter (a later compaction offers the entries again).
   */
  static final int FILTER_ATTEMPTS = 3;

  /**
   * @param snapshots the live snapshots, and the gate that keeps the filter's decisions from
   *     snapshots taken while the job runs ({@link CompactionSnapshots})
   * @param levels the view the compaction was picked from (levels below the output decide
   *     whether a tombstone can go)
   * @param limiter paces the outputs' writes, or null for no cap
   * @param mergeOperator folds merge operands ({@link MergeCollapser}), or null to keep them
   * @param compactionFilter the user's filter ({@link CompactionFilterStage}), or null for none;
   *     called on this thread
   * @throws AbortedException if {@code keepRunning} turned false
   * @throws OutputFailedException if reading the inputs or writing the outputs failed in a way a
   *     later attempt may not (no output is left behind, nothing was installed)
   * @throws IOException if the manifest edit failed, or an input is corrupt
   */
  public static Result run(
      Compaction c,
      Level[] levels,
      VersionSet versions,
      TableCache tables,
      FileSystem fs,
      Path dir,
      TableOptions options,
      long targetFileSize,
      long maxGrandparentOverlap,
      CompactionSnapshots snapshots,
      CompactionStats stats,
      BooleanSupplier keepRunning,
      IoRateLimiter limiter,
      MergeOperator mergeOperator,
      CompactionFilter compactionFilter)
      throws IOException {
    long start = System.nanoTime();
    if (c.reason() == Compaction.Reason.READS) {
      stats.readTriggeredCompactions.increment();
    }
    if (c.isTrivialMove() && overlapBytes(c.grandparents()) <= maxGrandparentOverlap) {
      FileMetadata f = c.inputs().get(0);
      VersionEdit edit = new VersionEdit().deleteFile(c.level(), f.number());
      edit.addFile(c.outputLevel(), f);
      versions.logAndApply(edit);
      stats.trivialMoves.increment();
      return new Result(List.of(), 0, System.nanoTime() - start, 0, null);
    }
    Output written;
    CompactionFilter filter = compactionFilter;
    for (int attempt = 1; ; attempt++) {
      // The generation first: a snapshot taken between the two reads fails beginInstall.
      long generation = snapshots.generation();
      long[] sequences = snapshots.sequences();
      written =
          write(c, levels, tables, fs, dir, options, targetFileSize, maxGrandparentOverlap,
              versions, sequences, stats, keepRunning, limiter, mergeOperator, filter);
      if (!written.filterActed()) {
        install(c, versions, written.files());
        break;
      }
      if (snapshots.beginInstall(generation)) {
        try {
          install(c, versions, written.files());
        } finally {
          snapshots.endInstall();
        }
        break;
      }
      // A snapshot taken meanwhile could see what the filter removed or changed: write again,
      // respecting it.
      written.out().abandon();
      if (attempt >= FILTER_ATTEMPTS) {
        filter = null;
      }
    }
    CompactionFilterStage userFilter = written.userFilter();
    stats.recorder.add(Ticker.MERGE_FAILURES, written.mergeFailures());
    if (userFilter != null) {
      stats.recorder.add(Ticker.COMPACTION_FILTER_REMOVED, userFilter.removed());
      stats.recorder.add(Ticker.COMPACTION_FILTER_CHANGED, userFilter.changed());
      stats.recorder.add(Ticker.COMPACTION_FILTER_FAILURES, userFilter.failures());
    }
    long bytesWritten = written.out().bytesWritten();
    stats.compactionBytesRead[c.outputLevel()].add(c.inputBytes());
    stats.compactionBytesWritten[c.outputLevel()].add(bytesWritten);
    stats.compactions[c.outputLevel()].increment();
    long nanos = System.nanoTime() - start;
    stats.compactionNanos.add(nanos);
    stats.recorder.increment(Ticker.COMPACTIONS);
    stats.recorder.add(Ticker.COMPACTION_BYTES_READ, c.inputBytes());
    stats.recorder.add(Ticker.COMPACTION_BYTES_WRITTEN, bytesWritten);
    stats.recorder.record(HistogramType.COMPACTION_NANOS, nanos);
    return new Result(
        written.files(),
        bytesWritten,
        nanos,
        userFilter == null ? 0 : userFilter.failures(),
        userFilter == null ? null : userFilter.firstFailure());
  }

  /** The tables one pass wrote, and what its filter and merge stages did. */
  private record Output(
      TableOutput out, List<FileMetadata> files, CompactionFilterStage userFilter, long mergeFailures) {
    boolean filterActed() {
      return userFilter != null && userFilter.removed() + userFilter.changed() > 0;
    }
  }

  /** Merges the inputs into new tables (synced, not yet installed); on failure leaves none. */
  private static Output write(
      Compaction c,
      Level[] levels,
      TableCache tables,
      FileSystem fs,
      Path dir,
      TableOptions options,
      long targetFileSize,
      long maxGrandparentOverlap,
      VersionSet versions,
      long[] snapshots,
      CompactionStats stats,
      BooleanSupplier keepRunning,
      IoRateLimiter limiter,
      MergeOperator mergeOperator,
      CompactionFilter compactionFilter)
      throws IOException {
    TableOutput out =
        new TableOutput(
            fs,
            dir,
            versions::newFileNumber,
            options,
            targetFileSize,
            c.grandparents(),
            maxGrandparentOverlap,
            stats.tableBuilderBytes,
            limiter);
    RangeTombstoneFilter ranges =
        new RangeTombstoneFilter(
            rangeTombstonesOf(c, tables),
            snapshots,
            (from, to) -> isBottommost(levels, c.outputLevel(), from, to));
    out.setRangeTombstones(ranges.output());
    List<InternalIterator> children = new ArrayList<>();
    for (FileMetadata f : c.inputs()) {
      f.ref();
      children.add(new TableFileIterator(tables, f, true, false, true));
    }
    for (FileMetadata f : c.outputLevelInputs()) {
      f.ref();
      children.add(new TableFileIterator(tables, f, true, false, true));
    }
    ShadowFilter filter =
        new ShadowFilter(snapshots, key -> isBottommost(levels, c.outputLevel(), key));
    // The user's filter comes after the merge operands are folded, so that it is offered the full
    // value a key's operands collapse to, and never an operand (see CompactionFilterStage).
    CompactionFilterStage userFilter =
        compactionFilter == null
            ? null
            : new CompactionFilterStage(
                compactionFilter,
                c.level(),
                snapshots,
                key -> isBottommost(levels, c.outputLevel(), key),
                out::add);
    MergeCollapser merges =
        new MergeCollapser(
            mergeOperator,
            snapshots,
            key -> isBottommost(levels, c.outputLevel(), key),
            userFilter == null ? out::add : userFilter::add);
    try (InternalIterator it = new MergingIterator(children)) {
      long n = 0;
      for (it.seekToFirst(); it.isValid(); it.next()) {
        if (++n % POLL_EVERY == 0 && !keepRunning.getAsBoolean()) {
          throw new AbortedException();
        }
        if (n % POLL_EVERY == 1) {
          fs.crashPoint(CrashPoint.COMPACTION_MID);
        }
        byte[] key = it.userKey();
        long trailer = it.trailer();
        if (filter.keep(key, trailer)
            && (ranges.isEmpty() || !ranges.covers(key, Trailer.sequence(trailer)))) {
          merges.add(key, trailer, it);
        }
      }
      merges.finish();
      List<FileMetadata> files = List.copyOf(out.finish());
      return new Output(out, files, userFilter, merges.failures());
    } catch (AbortedException e) {
      out.abandon();
      throw e;
    } catch (IOException | RuntimeException | Error e) {
      out.abandonAfter(e);
      throw OutputFailedException.wrapOrRethrow("compaction", e);
    }
  }

  /** Replaces the inputs with {@code outputs} in one manifest edit. */
  private static void install(Compaction c, VersionSet versions, List<FileMetadata> outputs)
      throws IOException {
    VersionEdit edit = new VersionEdit();
    for (FileMetadata f : c.inputs()) {
      edit.deleteFile(c.level(), f.number());
    }
    for (FileMetadata f : c.outputLevelInputs()) {
      edit.deleteFile(c.outputLevel(), f.number());
    }
    for (FileMetadata f : outputs) {
      edit.addFile(c.outputLevel(), f);
    }
    // No abandon() if the edit fails: its record may have reached the manifest (an append that
    // landed before a failed force), which then names the outputs. Unreferenced leftovers are
    // deleted at the next open.
    versions.logAndApply(edit);
  }

  private static long overlapBytes(List<FileMetadata> files) {
    long n = 0;
    for (FileMetadata f : files) {
      n += f.fileSize();
    }
    return n;
  }

  /** The range tombstones of every input table, fragmented together. */
  private static FragmentedRangeTombstones rangeTombstonesOf(Compaction c, TableCache tables)
      throws IOException {
    List<RangeTombstone> all = new ArrayList<>();
    List<FileMetadata> files = new ArrayList<>(c.inputs());
    files.addAll(c.outputLevelInputs());
    for (FileMetadata f : files) {
      if (f.hasRangeTombstones()) {
        try (TableHandle t = f.acquireTable(tables)) {
          all.addAll(t.reader().rangeTombstones().toTombstones());
        }
      }
    }
    return all.isEmpty() ? FragmentedRangeTombstones.EMPTY : FragmentedRangeTombstones.of(all);
  }

  /**
   * Whether no level below {@code outputLevel} has a file whose range overlaps [{@code start},
   * {@code endInclusive}].
   */
  static boolean isBottommost(Level[] levels, int outputLevel, byte[] start, byte[] endInclusive) {
    for (int i = outputLevel + 1; i < levels.length; i++) {
      for (FileMetadata f : levels[i].files()) {
        if (f.overlaps(start, endInclusive)) {
          return false;
        }
      }
    }
    return true;
  }

  /** Whether no level below {@code outputLevel} has a file whose range holds {@code key}. */
  static boolean isBottommost(Level[] levels, int outputLevel, byte[] key) {
    return isBottommost(levels, outputLevel, key, key);
  }
}
