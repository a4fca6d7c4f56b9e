package dev.strata.engine;

import dev.strata.ColumnFamilyHandle;
import dev.strata.ColumnFamilyOptions;
import dev.strata.Options;
import dev.strata.StrataException;
import dev.strata.Ticker;
import dev.strata.compaction.CompactionPicker;
import dev.strata.sstable.BlockCache;
import dev.strata.sstable.TableCache;
import dev.strata.sstable.TableOptions;
import dev.strata.sstable.TableReadStats;
import dev.strata.stats.LockWaits;
import dev.strata.version.FileNames;
import dev.strata.version.VersionSet;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One column family: a keyspace with its own memtables ({@link MemtableSet}), levels and manifest
 * ({@link VersionSet}), table cache, compaction picker and settings. The families of a database
 * share its WAL and commit pipeline ({@link WriteController}), snapshots, block cache and
 * background workers ({@link BackgroundJobs}).
 *
 * <p>The default family (id 0) keeps its files in the database's directory and its manifest is
 * the database's, which also records the other families. Family {@code id} keeps its tables,
 * manifest and CURRENT in {@code cf-<id>/} ({@link FileNames#familyDir}); its manifest's log number
 * names the oldest WAL (in the database's directory) that still holds writes of it.
 *
 * <h2>Concurrency</h2>
 *
 * Final fields (and the atomic {@code pinnedMemtableBytes}) but {@code mems} (written under the
 * write controller's {@code stateLock}, volatile for lock-free readers), {@code dropped} (volatile,
 * set once) and the read path and ingestion, set once by the opening or creating thread before the
 * family reaches another thread.
 */
final class ColumnFamily implements ColumnFamilyHandle {
  /** The database this family belongs to: a handle of another database is refused. */
  final Object owner;

  final int id;
  final String name;
  final ColumnFamilyOptions familyOptions;

  /** The database's options with this family's settings in place of theirs. */
  final Options options;

  /** Where this family's tables and manifest live. */
  final Path dir;

  final TableOptions tableOptions;
  final TableCache tables;
  final ObsoleteFiles obsolete;
  final VersionSet versions;
  final CompactionPicker picker;
  final WriteTimes writeTimes;

  /**
   * Heap bytes of this family's memtables that left {@code mems} (flushed) while open iterators
   * still read them: the total its {@link MemtablePin}s add to and take from, lock-free (see
   * there); read by {@code getProperty}.
   */
  final AtomicLong pinnedMemtableBytes = new AtomicLong();

  /** The memtables readers consult; see {@link MemtableSet}. */
  volatile MemtableSet mems;

  /** Set once when the family is dropped; every later call with its handle fails. */
  private volatile boolean dropped;

  /** Set once before the family reaches another thread. */
  ReadPath reads;

  Ingestion ingestion;

  ColumnFamily(
      Object owner,
      int id,
      String name,
      ColumnFamilyOptions familyOptions,
      Options dbOptions,
      Path dbDir,
      BlockCache blockCache,
      boolean readOnly,
      Observability obs) {
    this.owner = owner;
    this.id = id;
    this.name = name;
    this.familyOptions = familyOptions;
    this.options = id == 0 ? dbOptions : familyOptions.applyTo(dbOptions);
    this.dir = id == 0 ? dbDir : FileNames.familyDir(dbDir, id);
    this.tableOptions = DbImpl.tableOptions(options);
    // Read-only, every table stays open from the open on (see DbImpl.openReadOnly): a writer
    // beside it may delete a table this view still lists, and an evicted reader could not open it.
    int maxOpenFiles = readOnly ? Integer.MAX_VALUE / 2 : Math.max(16, options.maxOpenFiles());
    this.tables =
        new TableCache(
            options.fileSystem(),
            n -> FileNames.tablePath(dir, n),
            blockCache,
            maxOpenFiles,
            options.mmapReads(),
            new TableReadStats(obs.recorder, options.blockCacheShared()));
    this.obsolete = new ObsoleteFiles(options.fileSystem(), dir, tables, readOnly, obs);
    this.versions =
        new VersionSet(
            dir,
            dbDir,
            options.fileSystem(),
            tables,
            obsolete::add,
            new LockWaits(
                obs.recorder.adder(Ticker.LEVEL_LOCK_WAITS),
                obs.recorder.adder(Ticker.LEVEL_LOCK_WAIT_NANOS)));
    this.picker =
        new CompactionPicker(
            options.level0CompactionTrigger(),
            options.levelSizeMultiplier(),
            options.maxBytesForLevelBase(),
            options.targetFileSizeBytes());
    this.writeTimes = new WriteTimes(options);
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public int id() {
    return id;
  }

  @Override
  public boolean isDropped() {
    return dropped;
  }

  void markDropped() {
    dropped = true;
  }

  /**
   * @throws StrataException if the family was dropped
   */
  void checkLive() {
    if (dropped) {
      throw new StrataException("column family '" + name + "' was dropped");
    }
  }

  @Override
  public String toString() {
    return "ColumnFamily[" + id + ", " + name + "]";
  }
}
