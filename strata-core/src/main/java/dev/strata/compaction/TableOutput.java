package dev.strata.compaction;

import dev.strata.fs.CrashPoint;
import dev.strata.fs.FileSystem;
import dev.strata.fs.WritableFile;
import dev.strata.key.InternalKey;
import dev.strata.sstable.TableBuilder;
import dev.strata.sstable.TableOptions;
import dev.strata.sstable.TableProperties;
import dev.strata.util.Bytes;
import dev.strata.version.FileMetadata;
import dev.strata.version.FileNames;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Writes the sorted output of a flush or compaction into one or more table files, cutting a new
 * file when the current one reaches the target size (only between user keys, so that every
 * version of a key lands in one file and levels stay disjoint) or when it would overlap too many
 * bytes of the level below the output (so that the next compaction stays small).
 *
 * <p>Each finished file is synced and closed; {@link #finish()} then forces the directory, so the
 * files are durable before the caller records them in the manifest. {@link #abandon()} deletes
 * every file written, which is how an aborted or failed job leaves nothing visible. Confined to the
 * job's thread.
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

  void add(byte[] userKey, long trailer, byte[] value) throws IOException {
    boolean newUserKey = lastUserKey == null || !java.util.Arrays.equals(lastUserKey, userKey);
    if (builder != null && newUserKey && shouldCut(userKey)) {
      finishFile();
    }
    if (builder == null) {
      openFile();
    }
    builder.add(userKey, trailer, value);
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
    file = limiter == null ? created : new RateLimitedFile(created, limiter);
    builder = new TableBuilder(file, name, options, bufferGauge);
  }

  private void finishFile() throws IOException {
    TableProperties props = builder.finish();
    builder.close();
    builder = null;
    fs.crashPoint(CrashPoint.TABLE_BEFORE_SYNC);
    file.sync();
    file.close();
    fs.crashPoint(CrashPoint.TABLE_AFTER_SYNC);
    file = null;
    bytesWritten += props.fileSize();
    outputs.add(
        new FileMetadata(
            fileNumber,
            props.fileSize(),
            InternalKey.decode(props.smallestKey()),
            InternalKey.decode(props.largestKey()),
            props.smallestSequence(),
            props.largestSequence(),
            props.entryCount()));
  }

  /** Finishes the last file and forces the directory; returns every output in key order. */
  List<FileMetadata> finish() throws IOException {
    if (builder != null) {
      finishFile();
    }
    if (!outputs.isEmpty()) {
      fs.syncDirectory(dir);
      fs.crashPoint(CrashPoint.TABLE_AFTER_DIR_SYNC);
    }
    return outputs;
  }

  /** Closes and deletes every file this output created; never throws. */
  void abandon() {
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
