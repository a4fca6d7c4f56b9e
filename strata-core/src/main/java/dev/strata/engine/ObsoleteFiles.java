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

  /** Where a deleted table is raised to listeners. */
  private final Observability obs;

  ObsoleteFiles(FileSystem fs, Path dir, TableCache tables, boolean readOnly, Observability obs) {
    this.obs = obs;
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
      if (deleteQuietly(FileNames.tablePath(dir, f.number()))) {
        obs.tableDeleted(f.number(), f.fileSize());
      }
    }
  }

  /** Deletes the WAL {@code number}, whose memtable is flushed and installed. */
  void deleteWal(long number) {
    deleteQuietly(FileNames.path(dir, FileNames.log(number)));
  }

  /** Deletes {@code p}; returns whether it did (false read-only or on failure, logged). */
  private boolean deleteQuietly(Path p) {
    if (readOnly) {
      return false;
    }
    try {
      fs.crashPoint(CrashPoint.OBSOLETE_BEFORE_DELETE);
      fs.delete(p);
      fs.crashPoint(CrashPoint.OBSOLETE_AFTER_DELETE);
      return true;
    } catch (IOException e) {
      LOG.warn("could not delete obsolete file {}", p, e);
      return false;
    }
  }
}
