package dev.strata.compaction;

import dev.strata.fs.CrashPoint;
import dev.strata.fs.FileSystem;
import dev.strata.fs.WritableFile;
import dev.strata.key.FragmentedRangeTombstones;
import dev.strata.key.InternalKey;
import dev.strata.key.Trailer;
import dev.strata.key.ValueKind;
import dev.strata.sstable.BufferedTableFile;
import dev.strata.sstable.TableBuilder;
import dev.strata.sstable.TableOptions;
import dev.strata.sstable.TableProperties;
import dev.strata.util.Bytes;
import dev.strata.util.Futures;
import dev.strata.version.FileMetadata;
import dev.strata.version.FileNames;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Writes the sorted output of a flush or compaction into one or more table files, cutting a new
 * file when the current one reaches the target size (only between user keys, so that every
 * version of a key lands in one file and levels stay disjoint) or when it would overlap too many
 * bytes of the level below the output (so that the next compaction stays small).
 *
 * <p>Range tombstones ({@link #setRangeTombstones}) are cut at the same places: each file gets the
 * fragments of its part of the key space, from just after the previous file's last key up to and
 * including its own last key (the last file: to the end), and its key range grows to cover them.
 * The ranges of consecutive files stay disjoint in user keys, since the part after a file's last
 * key {@code k} starts at {@code k + 0x00}, the next user key in byte order. Tombstones in a gap
 * after the last point key, or with no point keys at all, make a file of their own.
 *
 * <p>Each finished file is synced and closed: the last one by the job's thread in {@link
 * #finish()}, the others on a thread of this output's own while the job writes the next file (the
 * job's thread otherwise waited for each {@code fsync} before writing on; JFR, {@code
 * docs/benchmarks.md}, "Table files synced while the next is written"). {@link #finish()} waits for
 * every sync, reports the first failure, and then forces the directory, so the files are durable
 * before the caller records them in the manifest. {@link #abandon()} waits for the syncs in flight
 * and deletes every file written, which is how an aborted or failed job leaves nothing visible.
 * Confined to the job's thread; the sync thread touches only the files handed to it, and a file
 * handed over is never touched by the job's thread again.
 */
final class TableOutput {
  private final FileSystem fs;
  private final Path dir;
  private final LongSupplier newFileNumber;
  private final TableOptions options;
  private final long targetFileSize;
  private final List<FileMetadata> grandparents;
  private final long maxGrandparentOverlap;

  /** Where the builder of the moment reports its heap bytes ({@link TableBuilder}). */
  private final AtomicLong bufferGauge;

  /** Paces the files' appends, or null for no cap. */
  private final IoRateLimiter limiter;

  private final List<FileMetadata> outputs = new ArrayList<>();
  private final List<Long> created = new ArrayList<>();
  private TableBuilder builder;
  private WritableFile file;
  private long fileNumber;
  private byte[] lastUserKey;
  private int grandparentIndex;
  private long grandparentOverlap;
  private boolean seenKey;
  private long bytesWritten;

  /** Every range tombstone to write, cut among the files. */
  private FragmentedRangeTombstones rangeTombstones = FragmentedRangeTombstones.EMPTY;

  /** Where the next file's part of the key space starts; null: the beginning. */
  private byte[] nextLowerBound;

  /** Syncs and closes finished files; made at the first file finished before the last. */
  private ExecutorService syncer;

  /** The syncs handed to {@link #syncer}, in file order; waited for by finish and abandon. */
  private final List<Future<?>> syncs = new ArrayList<>();

  TableOutput(
      FileSystem fs,
      Path dir,
      LongSupplier newFileNumber,
      TableOptions options,
      long targetFileSize,
      List<FileMetadata> grandparents,
      long maxGrandparentOverlap,
      AtomicLong bufferGauge,
      IoRateLimiter limiter) {
    this.fs = fs;
    this.dir = dir;
    this.newFileNumber = newFileNumber;
    this.options = options;
    this.targetFileSize = targetFileSize;
    this.grandparents = grandparents;
    this.maxGrandparentOverlap = maxGrandparentOverlap;
    this.bufferGauge = bufferGauge;
    this.limiter = limiter;
  }

  /** Sets the range tombstones of the output; call before the first {@link #add}. */
  void setRangeTombstones(FragmentedRangeTombstones fragments) {
    this.rangeTombstones = fragments;
  }

  void add(byte[] userKey, long trailer, byte[] value) throws IOException {
    add(userKey, trailer, value, 0, value.length);
  }

  /** As above with the value {@code value[offset, offset + length)}, copied before this returns. */
  void add(byte[] userKey, long trailer, byte[] value, int offset, int length)
      throws IOException {
    boolean newUserKey = lastUserKey == null || !java.util.Arrays.equals(lastUserKey, userKey);
    if (builder != null && newUserKey && shouldCut(userKey)) {
      finishFile(false);
    }
    if (builder == null) {
      openFile();
    }
    builder.add(userKey, trailer, value, offset, length);
    lastUserKey = userKey;
  }

  private boolean shouldCut(byte[] userKey) {
    boolean overlapTooBig = false;
    while (grandparentIndex < grandparents.size()
        && Bytes.compare(userKey, grandparents.get(grandparentIndex).largestUserKey()) > 0) {
      if (seenKey) {
        grandparentOverlap += grandparents.get(grandparentIndex).fileSize();
      }
      grandparentIndex++;
    }
    seenKey = true;
    if (grandparentOverlap > maxGrandparentOverlap) {
      grandparentOverlap = 0;
      overlapTooBig = true;
    }
    return overlapTooBig || builder.estimatedFileSize() >= targetFileSize;
  }

  private void openFile() throws IOException {
    fileNumber = newFileNumber.getAsLong();
    created.add(fileNumber);
    String name = FileNames.table(fileNumber);
    WritableFile created = fs.create(FileNames.path(dir, name));
    file = new BufferedTableFile(limiter == null ? created : new RateLimitedFile(created, limiter));
    builder = new TableBuilder(file, name, options, bufferGauge);
  }

  /**
   * Finishes the current file with the range tombstones of its part of the key space: up to its
   * last key, or to the end if {@code last}.
   */
  private void finishFile(boolean last) throws IOException {
    FragmentedRangeTombstones pieces = FragmentedRangeTombstones.EMPTY;
    if (!rangeTombstones.isEmpty()) {
      byte[] upper = last ? null : successor(lastUserKey);
      pieces = rangeTombstones.clip(nextLowerBound, upper);
      nextLowerBound = upper;
      builder.setRangeTombstones(pieces);
    }
    TableProperties props = builder.finish();
    builder.close();
    builder = null;
    WritableFile finished = file;
    file = null;
    if (last) {
      syncAndClose(finished);
    } else {
      if (syncer == null) {
        syncer =
            Executors.newSingleThreadExecutor(
                r -> {
                  Thread t = new Thread(r, Thread.currentThread().getName() + "-sync");
                  t.setDaemon(true);
                  return t;
                });
      }
      syncs.add(
          syncer.submit(
              () -> {
                syncAndClose(finished);
                return null;
              }));
    }
    bytesWritten += props.fileSize();
    outputs.add(FileMetadata.ofTable(fileNumber, props, pieces));
  }

  private void syncAndClose(WritableFile f) throws IOException {
    try {
      fs.crashPoint(CrashPoint.TABLE_BEFORE_SYNC);
      f.sync();
    } finally {
      f.close();
    }
    fs.crashPoint(CrashPoint.TABLE_AFTER_SYNC);
  }

  /**
   * Waits for every sync handed to the sync thread (not interruptibly: a file must not be left
   * open, and an interrupted caller's flag is set again on return), then stops the thread.
   *
   * @return the first failure of a sync, or null
   */
  private Throwable awaitSyncs() {
    Throwable first = null;
    for (Future<?> f : syncs) {
      try {
        Futures.getUninterruptibly(f);
      } catch (ExecutionException e) {
        if (first == null) {
          first = e.getCause();
        }
      }
    }
    syncs.clear();
    if (syncer != null) {
      syncer.shutdown();
      syncer = null;
    }
    return first;
  }

  /** The user key right after {@code key} in byte order: {@code key} followed by 0x00. */
  static byte[] successor(byte[] key) {
    return java.util.Arrays.copyOf(key, key.length + 1);
  }

  /** Finishes the last file and forces the directory; returns every output in key order. */
  List<FileMetadata> finish() throws IOException {
    if (builder == null
        && !rangeTombstones.isEmpty()
        && !rangeTombstones.clip(nextLowerBound, null).isEmpty()) {
      openFile();
    }
    if (builder != null) {
      finishFile(true);
    }
    Throwable failed = awaitSyncs();
    if (failed != null) {
      throw Futures.asIoException(failed, "syncing a table failed");
    }
    if (!outputs.isEmpty()) {
      fs.syncDirectory(dir);
      fs.crashPoint(CrashPoint.TABLE_AFTER_DIR_SYNC);
    }
    return outputs;
  }

  /**
   * As {@link #abandon()}, after the job failed with {@code failure}: a failure of the clean-up
   * itself (the heap may still be short) is added to it, and the files it leaves are deleted at the
   * next open.
   */
  void abandonAfter(Throwable failure) {
    try {
      abandon();
    } catch (RuntimeException | Error e) {
      failure.addSuppressed(e);
    }
  }

  /** Closes and deletes every file this output created; never throws. */
  void abandon() {
    awaitSyncs();
    if (builder != null) {
      builder.close();
      builder = null;
    }
    if (file != null) {
      try {
        file.close();
      } catch (IOException ignored) {
        // Deleting it below is all that matters.
      }
      file = null;
    }
    for (long n : created) {
      try {
        fs.delete(FileNames.path(dir, FileNames.table(n)));
      } catch (IOException ignored) {
        // A leftover unreferenced table is deleted at the next open.
      }
    }
    outputs.clear();
  }

  long bytesWritten() {
    return bytesWritten;
  }
}
