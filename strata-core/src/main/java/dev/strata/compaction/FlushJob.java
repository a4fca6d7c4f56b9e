package dev.strata.compaction;

import dev.strata.MergeOperator;
import dev.strata.fs.CrashPoint;
import dev.strata.fs.FileSystem;
import dev.strata.key.InternalIterator;
import dev.strata.key.Trailer;
import dev.strata.memtable.Memtable;
import dev.strata.sstable.TableOptions;
import dev.strata.version.FileMetadata;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * Turns one immutable memtable into one level-0 table: the shards' contents are merged into a
 * single sorted run (never one file per shard), versions no snapshot needs are dropped (those
 * below a newer version of their stripe, and those the memtable's range tombstones hide), merge
 * operands are folded ({@link MergeCollapser}), and the
 * file is synced and its directory forced before the caller records it. Tombstones are kept: older
 * versions may live in any level. Stateless; runs on the flush worker or during recovery.
 */
public final class FlushJob {
  private FlushJob() {}

  /** As {@link #run(Memtable, FileSystem, Path, LongSupplier, TableOptions, long[], CompactionStats, IoRateLimiter)} with no rate limit. */
  public static FileMetadata run(
      Memtable memtable,
      FileSystem fs,
      Path dir,
      LongSupplier newFileNumber,
      TableOptions options,
      long[] snapshots,
      CompactionStats stats)
      throws IOException {
    return run(memtable, fs, dir, newFileNumber, options, snapshots, stats, null, null);
  }

  /**
   * @param snapshots live snapshot sequences, ascending
   * @param limiter paces the table's writes, or null for no cap
   * @param mergeOperator folds merge operands ({@link MergeCollapser}), or null to keep them
   * @return the new table, or null if nothing survived (an empty memtable)
   * @throws IOException if writing fails; no file is left behind
   */
  public static FileMetadata run(
      Memtable memtable,
      FileSystem fs,
      Path dir,
      LongSupplier newFileNumber,
      TableOptions options,
      long[] snapshots,
      CompactionStats stats,
      IoRateLimiter limiter,
      MergeOperator mergeOperator)
      throws IOException {
    TableOutput out =
        new TableOutput(
            fs,
            dir,
            newFileNumber,
            options,
            Long.MAX_VALUE,
            List.of(),
            Long.MAX_VALUE,
            stats.tableBuilderBytes,
            limiter);
    ShadowFilter filter = new ShadowFilter(snapshots, null);
    out.setRangeTombstones(memtable.rangeTombstones());
    // Entries the memtable's range tombstones hide from every reader are dropped, so that no merge
    // takes one as its base; the tombstones themselves are kept (older levels need them).
    RangeTombstoneFilter ranges =
        new RangeTombstoneFilter(memtable.rangeTombstones(), snapshots, null);
    MergeCollapser merges = new MergeCollapser(mergeOperator, snapshots, null, out::add);
    try (InternalIterator it = memtable.newIterator()) {
      long n = 0;
      for (it.seekToFirst(); it.isValid(); it.next()) {
        byte[] key = it.userKey();
        long trailer = it.trailer();
        if (filter.keep(key, trailer)
            && (ranges.isEmpty() || !ranges.covers(key, Trailer.sequence(trailer)))) {
          merges.add(key, trailer, it);
        }
        if (++n == 1) {
          fs.crashPoint(CrashPoint.FLUSH_MID);
        }
      }
      merges.finish();
      stats.recorder.add(dev.strata.Ticker.MERGE_FAILURES, merges.failures());
      List<FileMetadata> files = out.finish();
      stats.flushBytesWritten.add(out.bytesWritten());
      stats.flushes.increment();
      return files.isEmpty() ? null : files.get(0);
    } catch (IOException | RuntimeException | Error e) {
      out.abandonAfter(e);
      throw OutputFailedException.wrapOrRethrow("flush", e);
    }
  }
}
