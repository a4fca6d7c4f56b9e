package dev.strata.compaction;

import dev.strata.fs.CrashPoint;
import dev.strata.fs.FileSystem;
import dev.strata.key.InternalIterator;
import dev.strata.memtable.Memtable;
import dev.strata.sstable.TableOptions;
import dev.strata.version.FileMetadata;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * Turns one immutable memtable into one level-0 table: the shards' contents are merged into a
 * single sorted run (never one file per shard), versions no snapshot needs are dropped, and the
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
    return run(memtable, fs, dir, newFileNumber, options, snapshots, stats, null);
  }

  /**
   * @param snapshots live snapshot sequences, ascending
   * @param limiter paces the table's writes, or null for no cap
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
      IoRateLimiter limiter)
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
    try (InternalIterator it = memtable.newIterator()) {
      long n = 0;
      for (it.seekToFirst(); it.isValid(); it.next()) {
        byte[] key = it.userKey();
        long trailer = it.trailer();
        if (filter.keep(key, trailer)) {
          out.add(key, trailer, it.value());
        }
        if (++n == 1) {
          fs.crashPoint(CrashPoint.FLUSH_MID);
        }
      }
      List<FileMetadata> files = out.finish();
      stats.flushBytesWritten.add(out.bytesWritten());
      stats.flushes.increment();
      return files.isEmpty() ? null : files.get(0);
    } catch (IOException | RuntimeException e) {
      out.abandon();
      throw e;
    }
  }
}
