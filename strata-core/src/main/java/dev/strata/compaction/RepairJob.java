package dev.strata.compaction;

import dev.strata.fs.FileSystem;
import dev.strata.key.FragmentedRangeTombstones;
import dev.strata.key.InternalIterator;
import dev.strata.key.MergingIterator;
import dev.strata.key.Trailer;
import dev.strata.sstable.TableOptions;
import dev.strata.version.FileMetadata;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The merge of a repair or salvage: every source that could be read (tables, replayed logs) is
 * merged in internal-key order, only the newest version of each key is kept, tombstones are
 * dropped (every surviving older version is in this same merge, so nothing below can need them),
 * and the result is written as tables for the bottom level. Duplicates (a log whose memtable was
 * also flushed) collapse into one entry. Range tombstones of every source are applied: an entry
 * they cover is dropped, and they are dropped too, since everything they could hide is in this
 * merge. Confined to the calling thread.
 */
public final class RepairJob {
  /** What the merge wrote. */
  public record Result(List<FileMetadata> outputs, long entriesWritten, long maxSequence) {}

  private RepairJob() {}

  /**
   * Requires: each source can be read forward from {@code seekToFirst}. The sources are closed.
   *
   * @throws IOException if writing fails; no output is left behind
   */
  public static Result run(
      List<InternalIterator> sources,
      FragmentedRangeTombstones rangeTombstones,
      FileSystem fs,
      Path dir,
      LongSupplier newFileNumber,
      TableOptions options,
      long targetFileSize)
      throws IOException {
    TableOutput out =
        new TableOutput(
            fs,
            dir,
            newFileNumber,
            options,
            targetFileSize,
            List.of(),
            Long.MAX_VALUE,
            new AtomicLong(),
            null);
    ShadowFilter filter = new ShadowFilter(new long[0], key -> true);
    RangeTombstoneFilter ranges =
        new RangeTombstoneFilter(rangeTombstones, new long[0], (from, to) -> true);
    long written = 0;
    long maxSequence = 0;
    try (InternalIterator it = new MergingIterator(sources)) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        byte[] key = it.userKey();
        long trailer = it.trailer();
        maxSequence = Math.max(maxSequence, Trailer.sequence(trailer));
        if (filter.keep(key, trailer)
            && (ranges.isEmpty() || !ranges.covers(key, Trailer.sequence(trailer)))) {
          out.add(key, trailer, it.value());
          written++;
        }
      }
      return new Result(out.finish(), written, maxSequence);
    } catch (IOException | RuntimeException e) {
      out.abandon();
      throw e;
    }
  }
}
