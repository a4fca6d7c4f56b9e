package dev.strata.engine;

import dev.strata.fs.CrashPoint;
import dev.strata.fs.FileSystem;
import dev.strata.sstable.TableCache;
import dev.strata.version.FileMetadata;
import dev.strata.version.FileNames;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Files no longer needed: tables whose last reference dropped (queued by {@link
 * FileMetadata}'s obsolete callback on whichever thread let go last) and WALs whose memtables were
 * flushed. Deleted by background work after each install and at close; a file whose deletion
 * fails is left for the next open, which deletes every file nothing refers to.
 *
 * <p>Thread-safe: the queue is concurrent, and deleting a file twice is harmless.
 */
final class ObsoleteFiles {
  private static final Logger LOG = LoggerFactory.getLogger(ObsoleteFiles.class);

  private final FileSystem fs;
  private final Path dir;
  private final TableCache tables;

  /** Tables whose last reference dropped; polled by {@link #deleteTables()}. */
  private final ConcurrentLinkedQueue<FileMetadata> tablesToDelete = new ConcurrentLinkedQueue<>();

  /** A read-only open deletes nothing. */
  private final boolean readOnly;

  ObsoleteFiles(FileSystem fs, Path dir, TableCache tables, boolean readOnly) {
    this.fs = fs;
    this.dir = dir;
    this.tables = tables;
    this.readOnly = readOnly;
  }

  /** The callback a level's files call when their last reference drops. */
  void add(FileMetadata f) {
    tablesToDelete.add(f);
  }

  /** Deletes the table files whose last reference dropped, after evicting their readers. */
  void deleteTables() {
    FileMetadata f;
    while ((f = tablesToDelete.poll()) != null) {
      tables.evict(f.number());
      deleteQuietly(FileNames.tablePath(dir, f.number()));
    }
  }

  /** Deletes the WAL {@code number}, whose memtable is flushed and installed. */
  void deleteWal(long number) {
    deleteQuietly(FileNames.path(dir, FileNames.log(number)));
  }

  private void deleteQuietly(Path p) {
    if (readOnly) {
      return;
    }
    try {
      fs.crashPoint(CrashPoint.OBSOLETE_BEFORE_DELETE);
      fs.delete(p);
      fs.crashPoint(CrashPoint.OBSOLETE_AFTER_DELETE);
    } catch (IOException e) {
      LOG.warn("could not delete obsolete file {}", p, e);
    }
  }
}
