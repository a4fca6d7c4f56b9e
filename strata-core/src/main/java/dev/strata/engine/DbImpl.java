package dev.strata.engine;

import dev.strata.DBIterator;
import dev.strata.EventListener;
import dev.strata.HistogramType;
import dev.strata.MemtableKind;
import dev.strata.MergeOperator;
import dev.strata.key.ValueKind;
import dev.strata.Statistics;
import dev.strata.Ticker;
import dev.strata.observe.DbMXBean;
import dev.strata.observe.EventDispatcher;
import dev.strata.observe.JmxRegistration;
import dev.strata.observe.StatsDumper;
import dev.strata.sstable.TableReadStats;
import dev.strata.stats.LockWaits;
import dev.strata.Options;
import dev.strata.ReadOptions;
import dev.strata.Snapshot;
import dev.strata.StrataDB;
import dev.strata.StrataException;
import dev.strata.WriteBatch;
import dev.strata.WriteOptions;
import dev.strata.compaction.CompactionPicker;
import dev.strata.compaction.CompactionStats;
import dev.strata.fs.CrashPoint;
import dev.strata.fs.FileLockHandle;
import dev.strata.fs.FileSystem;
import dev.strata.sstable.BlockCache;
import dev.strata.sstable.TableCache;
import dev.strata.sstable.TableOptions;
import dev.strata.version.FileNames;
import dev.strata.version.Level;
import dev.strata.version.VersionEdit;
import dev.strata.version.VersionSet;
import dev.strata.wal.LogWriter;
import dev.strata.wal.WalFormat;
import dev.strata.wal.WriteBatchCodec;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The database behind {@link StrataDB}: its lifecycle and the wiring of the pieces that do the
 * work. Where each job lives:
 *
 * <ul>
 *   <li>writes: {@link WriteController} (the {@link CommitPipeline}, stalls, memtable switches,
 *       the WAL);
 *   <li>reads: {@link ReadPath} (memtables, then {@code ConcurrentLevel}s top down);
 *   <li>flushes, compactions, {@code compactRange} and read samples: {@link BackgroundJobs};
 *   <li>deletion of files nothing needs: {@link ObsoleteFiles};
 *   <li>checkpoints: {@link Checkpoint};
 *   <li>ingestion of external tables: {@link Ingestion};
 *   <li>snapshots: {@link SnapshotList};
 *   <li>column families: {@link ColumnFamily} (one family's memtables, levels and settings) and
 *       {@link Families} (the live ones); created and dropped here;
 *   <li>opening: {@link Recovery};
 *   <li>whether the database is open, and its sticky error: {@link DbStatus}.
 * </ul>
 *
 * <h2>Invariants</h2>
 *
 * <ol>
 *   <li>Every piece is built and recovery has run before the database reaches another thread.
 *   <li>The directory lock is held from open until no thread of this database can touch its files.
 * </ol>
 *
 * <h2>Concurrency</h2>
 *
 * Lock order (see {@code docs/design/locking.md}): (1) commit queue, (2) compaction run lock, (3)
 * memtable switch and stall waits, (4) memtable shards, (5) version lock, (6) levels, (7)
 * scheduler and snapshot list (leaves). Each piece names the locks it owns. Fields here are final.
 *
 * <h2>Lifecycle</h2>
 *
 * {@link #open} takes the directory lock, recovers ({@link Recovery}), then starts the background
 * workers. {@link #close()} marks the database closed, stops the workers (a running compaction
 * aborts at a safe point and deletes its partial output), forces the retired WALs and closes the
 * WAL in the leader role, deletes obsolete files, closes the table cache and releases the lock.
 * Unflushed memtables are recovered from their WALs at the next open.
 *
 * <h2>Failure</h2>
 *
 * A failed WAL append or force or manifest write becomes the sticky error in {@link DbStatus}: the
 * database stays readable and refuses writes until reopened. No fsync is retried. A flush or
 * compaction that could not write its output tables is tried again as a whole ({@link
 * BackgroundJobs}): new files, never a force of the failed one.
 */
public final class DbImpl implements StrataDB {
  private static final Logger LOG = LoggerFactory.getLogger(DbImpl.class);
  private static final long CLOSE_TIMEOUT_MILLIS = 10_000;

  /** {@link #CLOSE_TIMEOUT_MILLIS} but in tests; set before close, by the thread that closes. */
  private long closeTimeoutMillis = CLOSE_TIMEOUT_MILLIS;

  /** Completed by the last step of close, once the directory lock is released. */
  private final java.util.concurrent.CompletableFuture<Void> released =
      new java.util.concurrent.CompletableFuture<>();

  private final Path dir;
  private final FileLockHandle dirLock;

  /** Opened by {@link #openReadOnly}: no lock held, nothing written, every write refused. */
  private final boolean readOnly;

  /** The database's {@code LOG} file; {@link InfoLog#NONE} read-only or when turned off. */
  private final InfoLog infoLog;

  /** Name, statistics and listener events; see {@link Observability}. */
  private final Observability obs;

  final CompactionStats stats;

  /**
   * The MXBean's registration and the periodic dump's schedule: set by {@link #open} before the
   * database reaches another thread, closed by {@link #close}; {@code NONE} until then.
   */
  private JmxRegistration jmx = JmxRegistration.NONE;

  private AutoCloseable statsDump = () -> {};
  private final DbStatus status;
  private final BlockCache blockCache;

  /**
   * Lets the block cache go once the database is closed (the JVM's default cache counts its
   * holders); set by a successful open just before it returns the database, so that a failed open
   * leaves the release to its caller. Read by {@link #releaseResources}, which runs after close.
   */
  private volatile Runnable releaseCache;

  /** The memtable budget the database shares with others, or null; for properties. */
  private final MemtableBudget budget;
  private final Options options;

  /** The live column families; the default family's versions are the database's manifest. */
  private final Families families = new Families();

  private final ColumnFamily defaultFamily;

  /** The default family's versions: the database's manifest (WAL numbers, families). */
  private final VersionSet versions;

  /**
   * Families dropped whose directories still hold files an iterator may read; guarded by itself.
   * Their remaining tables are deleted as iterators release them, and the directory once empty
   * (or at the next open).
   */
  private final List<ColumnFamily> draining = new java.util.ArrayList<>();

  /**
   * Rank 0: serialises creating and dropping column families; taken before the commit leader
   * role ({@code runExclusive}) and, for a drop, {@code compactionRunLock}. Held across the
   * manifest writes of a create or drop, never by a read or an ordinary write.
   */
  private final Object familyChangeLock = new Object();

  private final SnapshotList snapshots = new SnapshotList();
  private final WriteController writes;
  private final BackgroundJobs jobs;
  private final Checkpoint checkpoint;

  private DbImpl(
      Path dir,
      Options options,
      FileLockHandle dirLock,
      BlockCache blockCache,
      MemtableBudget budget,
      boolean readOnly,
      InfoLog infoLog) {
    this.dir = dir;
    this.options = options;
    this.infoLog = infoLog;
    this.dirLock = dirLock;
    this.readOnly = readOnly;
    this.status = new DbStatus(dir);
    FileSystem fs = options.fileSystem();
    String name = Observability.nameOf(dir, options);
    this.obs =
        new Observability(
            name, dir, options, readOnly ? EventDispatcher.NONE : EventDispatcher.start(name, options.listeners()));
    this.stats = new CompactionStats(obs.recorder);
    obs.recorder.source(Ticker.BLOCK_CACHE_EVICTIONS, blockCache::evictions);
    if (!options.blockCacheShared()) {
      // A cache of its own counts exactly this database's data-block lookups (TableReadStats).
      obs.recorder.source(Ticker.BLOCK_CACHE_DATA_HIT, blockCache::hits);
      obs.recorder.source(Ticker.BLOCK_CACHE_DATA_MISS, blockCache::misses);
      obs.recorder.source(Ticker.BLOCK_CACHE_DATA_ADD, blockCache::adds);
    }
    // Gets that found nothing in a memtable: counted anyway as reads less memtable hits.
    // (Hits first: a get counts its read before its hit. A merge read may hit twice.) The lambda
    // holds the two counters, not this database: the recorder outlives it in its MXBean.
    LongAdder reads = stats.gets;
    LongAdder memtableHits = stats.memtableHits;
    obs.recorder.source(
        Ticker.MEMTABLE_MISS,
        () -> {
          long hits = memtableHits.sum();
          return Math.max(0, reads.sum() - hits);
        });
    this.blockCache = blockCache;
    this.budget = budget;
    this.defaultFamily =
        new ColumnFamily(
            this,
            0,
            dev.strata.ColumnFamilyHandle.DEFAULT_NAME,
            dev.strata.ColumnFamilyOptions.of(options),
            options,
            dir,
            blockCache,
            readOnly,
            obs);
    this.versions = defaultFamily.versions;
    families.add(defaultFamily);
    this.writes =
        new WriteController(
            dir, options, versions, stats, status, infoLog, budget, obs, families);
    this.jobs =
        new BackgroundJobs(
            dir, options, families, stats, snapshots, status, writes, infoLog, obs);
    wire(defaultFamily);
    this.checkpoint =
        new Checkpoint(dir, fs, families, status, readOnly, jobs, writes, infoLog);
  }

  /** Gives a family its read path and ingestion; before it reaches another thread. */
  private void wire(ColumnFamily f) {
    f.reads = new ReadPath(status, writes, f, snapshots, jobs, stats, obs);
    f.ingestion = new Ingestion(f, status, writes, jobs, infoLog);
  }

  /**
   * A family object for {@code id} and {@code name}, with the settings the open's options name for
   * it (or the defaults), wired; not yet recovered or live.
   */
  private ColumnFamily newFamily(int id, String name, dev.strata.ColumnFamilyOptions cfo) {
    ColumnFamily f =
        new ColumnFamily(
            this, id, name, cfo, options, dir, blockCache, readOnly, obs);
    wire(f);
    return f;
  }

  private ColumnFamily familyAtOpen(int id, String name) {
    dev.strata.ColumnFamilyOptions cfo = options.columnFamilyOptions(name);
    return newFamily(id, name, cfo == null ? dev.strata.ColumnFamilyOptions.defaults() : cfo);
  }

  /**
   * See {@link StrataDB#open}, which resolves the block cache (the shared one of {@link
   * Options#blockCache()}, one of the database's own, or the JVM's default cache) and the memtable
   * budget ({@link Options#writeBufferManager()} or the process default; null if the heap has no
   * maximum). {@code releaseCache} runs once the database has closed; a failed open leaves it to
   * the caller.
   */
  public static StrataDB open(
      Path dir,
      Options options,
      BlockCache blockCache,
      MemtableBudget budget,
      Runnable releaseCache) {
    FileSystem fs = options.fileSystem();
    FileLockHandle lock;
    try {
      if (!fs.exists(dir)) {
        if (!options.createIfMissing()) {
          throw new StrataException("database directory " + dir + " does not exist");
        }
        fs.createDirectories(dir);
      }
      lock = fs.lock(FileNames.path(dir, FileNames.LOCK));
    } catch (IOException e) {
      throw new StrataException("cannot open " + dir + ": " + e.getMessage(), e);
    }
    InfoLog infoLog =
        options.infoLog()
            ? InfoLog.open(fs, dir, options.infoLogMaxBytes(), options.infoLogFilesToKeep())
            : InfoLog.NONE;
    infoLog.info("opening with {}", options);
    DbImpl db = new DbImpl(dir, options, lock, blockCache, budget, false, infoLog);
    try {
      Recovery.Result recovered = db.recover(options, false, infoLog);
      db.writes.start(recovered, db.jobs);
      db.jobs.start();
      if (recovered.deferredWal() != null) {
        // The memtable the open replayed and left to the flush worker.
        db.jobs.signalFlush();
      }
      db.startMonitoring(options);
      infoLog.info(
          "opened at sequence {}; level files {}",
          recovered.lastSequence(),
          levelFileCounts(db.versions.eachLevelNow()));
      db.releaseCache = releaseCache;
      return db;
    } catch (IOException e) {
      db.abortOpen();
      throw new StrataException("cannot open " + dir + ": " + e.getMessage(), e);
    } catch (RuntimeException | Error e) {
      db.abortOpen();
      throw e;
    }
  }

  /** See {@link StrataDB#repair}. */
  public static dev.strata.RepairReport repair(Path dir, Options options) {
    return Repair.repair(dir, options);
  }

  /** See {@link StrataDB#salvage}. */
  public static dev.strata.RepairReport salvage(Path from, Path to, Options options) {
    return Repair.salvage(from, to, options);
  }

  /** Attempts of a read-only open that a writer's concurrent change may have failed. */
  private static final int READ_ONLY_ATTEMPTS = 20;

  /**
   * See {@link StrataDB#openReadOnly}: takes no lock and writes nothing (no manifest, WAL, table
   * or CURRENT, and no obsolete file deleted); the WALs replay into memory. Every table the
   * manifest names, and every WAL to replay, is opened right after the manifest is read, and the
   * tables stay open until close, so that a writer beside this view may delete them (after a
   * flush or compaction) without this view losing them (see {@link Recovery}). If the open fails
   * while the manifest changed under it (a writer installed, rolled the manifest or deleted a
   * flushed WAL meanwhile), it starts again from the new manifest; a failure on an unchanging
   * database is reported as is.
   */
  public static StrataDB openReadOnly(
      Path dir, Options options, BlockCache blockCache, Runnable releaseCache) {
    FileSystem fs = options.fileSystem();
    if (!fs.exists(dir)) {
      throw new StrataException("database directory " + dir + " does not exist");
    }
    for (int attempt = 1; ; attempt++) {
      DbImpl db =
          new DbImpl(dir, options, FileLockHandle.NONE, blockCache, null, true, InfoLog.NONE);
      String before = manifestState(db.versions);
      try {
        Recovery.Result recovered = db.recover(options, true, InfoLog.NONE);
        db.writes.start(recovered, db.jobs);
        db.startMonitoring(options);
        db.releaseCache = releaseCache;
        return db;
      } catch (IOException | RuntimeException e) {
        db.abortOpen();
        // A failure while the manifest changed may be the writer's doing (a file this open was
        // about to read deleted): start again. On an unchanging database it is reported.
        boolean changed =
            e instanceof Recovery.ManifestChangedException
                || before == null
                || !before.equals(manifestState(db.versions));
        if (!changed || attempt == READ_ONLY_ATTEMPTS) {
          if (e instanceof IOException io) {
            throw new StrataException("cannot open " + dir + " read-only: " + io.getMessage(), io);
          }
          if (e instanceof Recovery.ManifestChangedException) {
            throw new StrataException(
                "cannot open " + dir + " read-only: a writer changed it " + attempt + " times");
          }
          throw (RuntimeException) e;
        }
        LOG.debug("{} changed during a read-only open (attempt {}): {}", dir, attempt, e.toString());
      }
    }
  }

  /**
   * Starts the MXBean's registration (in the background: the open does not wait for the platform
   * MBean server, {@link JmxRegistration#registerInBackground}) and schedules the statistics dump;
   * by the opening thread, once the database is ready and before it reaches another thread.
   */
  private void startMonitoring(Options options) {
    if (options.jmx()) {
      jmx =
          JmxRegistration.registerInBackground(
              obs.name, this, new DbMXBean(obs.name, dir.toString(), this, obs.recorder));
    }
    if (!readOnly) {
      statsDump = StatsDumper.schedule(options.statsDumpPeriod(), this, DbImpl::dumpStats);
    }
  }

  /** The periodic dump: {@code strata.stats} and the statistics, to the LOG file and SLF4J. */
  private void dumpStats() {
    if (status.isClosed()) {
      return;
    }
    infoLog.info("------- DUMPING STATS -------\n{}\n{}", statsDumpText(), obs.recorder.dump());
  }

  /**
   * What the periodic dump logs besides the statistics: {@code strata.stats} (the default family's
   * levels, the database's memory, writes and stalls), then the levels of each other family.
   */
  String statsDumpText() {
    StringBuilder sb = new StringBuilder(new Properties(this).get("strata.stats"));
    for (ColumnFamily f : families.live()) {
      if (f.id != 0) {
        sb.append("column family ").append(f.name).append(" levels:");
        sb.append(System.lineSeparator());
        new Properties(this, f).levels(sb);
      }
    }
    return sb.toString();
  }

  private Recovery.Result recover(Options options, boolean readOnly, InfoLog infoLog)
      throws IOException {
    return new Recovery(
            dir,
            options,
            families,
            this::familyAtOpen,
            writes::newMemtable,
            jobs::flushForRecovery,
            readOnly,
            infoLog)
        .run();
  }

  /** The table format settings of {@code options}. */
  static TableOptions tableOptions(Options options) {
    return new TableOptions(
        options.blockSizeBytes(),
        options.blockRestartInterval(),
        options.compression(),
        options.bloomBitsPerKey(),
        options.prefixExtractor());
  }

  private static String levelFileCounts(Level[] levels) {
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < levels.length; i++) {
      sb.append(i == 0 ? "" : ", ").append(levels[i].fileCount());
    }
    return sb.append(']').toString();
  }

  /** The manifest's name and size, or null if CURRENT cannot be read now. */
  private static String manifestState(VersionSet versions) {
    try {
      return versions.currentManifestState();
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /**
   * Undoes a failed open: stops whatever background work started, closes the WAL and the manifest,
   * and releases the lock, so that nothing of the attempt stays held.
   */
  private void abortOpen() {
    status.markClosed();
    closeQuietly(jmx);
    closeQuietly(statsDump);
    obs.events.close(closeTimeoutMillis);
    if (!jobs.stop(closeTimeoutMillis)) {
      LOG.warn("background work of a failed open of {} did not stop in time", dir);
    }
    try {
      LogWriter wal = writes.walForAbort();
      if (wal != null) {
        wal.close();
      }
    } catch (IOException e) {
      LOG.warn("closing the WAL after a failed open of {}", dir, e);
    }
    jobs.whenStopped(this::releaseResources);
  }


  // ---- writes ----

  /**
   * The live family of a caller's handle (null: the default).
   *
   * @throws IllegalArgumentException if the handle is of another database
   * @throws StrataException if its family was dropped
   */
  private ColumnFamily family(dev.strata.ColumnFamilyHandle handle) {
    return families.resolve(handle, this);
  }

  @Override
  public void put(byte[] key, byte[] value, WriteOptions wo) {
    put(null, key, value, wo);
  }

  @Override
  public void put(dev.strata.ColumnFamilyHandle handle, byte[] key, byte[] value, WriteOptions wo) {
    StrataDB.checkKey(key);
    StrataDB.checkValue(value);
    Objects.requireNonNull(wo, "write options must not be null");
    ColumnFamily f = family(handle);
    writeSingle(f, ValueKind.VALUE, key, f.writeTimes.stamp(value, wo), wo);
  }

  @Override
  public void delete(byte[] key, WriteOptions wo) {
    delete(null, key, wo);
  }

  @Override
  public void delete(dev.strata.ColumnFamilyHandle handle, byte[] key, WriteOptions wo) {
    StrataDB.checkKey(key);
    Objects.requireNonNull(wo, "write options must not be null");
    writeSingle(family(handle), ValueKind.DELETE, key, null, wo);
  }

  @Override
  public void deleteRange(byte[] begin, byte[] end, WriteOptions wo) {
    deleteRange(null, begin, end, wo);
  }

  @Override
  public void deleteRange(
      dev.strata.ColumnFamilyHandle handle, byte[] begin, byte[] end, WriteOptions wo) {
    StrataDB.checkRange(begin, end);
    Objects.requireNonNull(wo, "write options must not be null");
    writeSingle(family(handle), ValueKind.RANGE_DELETE, begin, end, wo);
  }

  @Override
  public void merge(byte[] key, byte[] operand, WriteOptions wo) {
    merge(null, key, operand, wo);
  }

  @Override
  public void merge(
      dev.strata.ColumnFamilyHandle handle, byte[] key, byte[] operand, WriteOptions wo) {
    StrataDB.checkKey(key);
    StrataDB.checkValue(operand);
    Objects.requireNonNull(wo, "write options must not be null");
    ColumnFamily f = family(handle);
    requireMergeOperator(f);
    writeSingle(f, ValueKind.MERGE, key, operand, wo);
  }

  private static void requireMergeOperator(ColumnFamily f) {
    if (f.options.mergeOperator() == null) {
      throw new IllegalStateException(
          f.id == 0
              ? "merge needs a merge operator: open the database with"
                  + " Options.builder().mergeOperator(...) (see MergeOperators)"
              : "merge needs a merge operator: column family '" + f.name + "' has none"
                  + " (ColumnFamilyOptions.builder().mergeOperator(...))");
    }
  }

  /**
   * One operation of any kind. The caller's arrays are read while the call runs and not kept after
   * it: the WAL record is encoded from them, and the sharded memtable copies a point entry into its
   * arena, so they go to the commit as they are (a copy of a 1 KiB value was a sixth of the heap a
   * YCSB load allocates). A memtable that keeps the arrays it is given (the skip list, and range
   * tombstones in any memtable) gets copies, so that a caller may reuse its arrays once the call
   * returns. Changing an array while the call runs leaves what is stored undefined.
   */
  private void writeSingle(ColumnFamily f, ValueKind kind, byte[] key, byte[] value, WriteOptions wo) {
    checkWritableOpen();
    // One write in StatsRecorder.LATENCY_SAMPLE is timed for the histogram.
    long start = obs.recorder.startSampledTimer();
    boolean kept = kind == ValueKind.RANGE_DELETE || f.options.memtable() == MemtableKind.SKIPLIST;
    byte[] k = kept ? key.clone() : key;
    byte[] v = value == null || !kept ? value : value.clone();
    stats.userBytesWritten.add(k.length + (v == null ? 0 : v.length));
    stats.userWrites.increment();
    writes.commitSingle(f.id, kind, k, v, wo.sync(), wo.noSlowdown(), wo.disableWal());
    obs.recorder.stopSampledTimer(HistogramType.WRITE_NANOS, start);
  }

  @Override
  public void write(WriteBatch batch, WriteOptions wo) {
    Objects.requireNonNull(batch, "batch must not be null");
    Objects.requireNonNull(wo, "write options must not be null");
    checkWritableOpen();
    int n = batch.count();
    if (n == 0) {
      return;
    }
    long start = obs.recorder.startSampledTimer();
    byte[][] keys = new byte[n][];
    byte[][] values = new byte[n][];
    ValueKind[][] kinds = {null};
    int[][] familyIds = {null};
    int[] i = {0};
    long[] size = {WalFormat.BATCH_HEADER_SIZE};
    batch.forEach(
        new WriteBatch.ColumnFamilyHandler() {
          @Override
          public void put(dev.strata.ColumnFamilyHandle handle, byte[] key, byte[] value) {
            ColumnFamily f = family(handle);
            value = f.writeTimes.stamp(value, wo);
            add(f, null, key, value);
          }

          @Override
          public void delete(dev.strata.ColumnFamilyHandle handle, byte[] key) {
            add(family(handle), null, key, null);
          }

          @Override
          public void merge(dev.strata.ColumnFamilyHandle handle, byte[] key, byte[] operand) {
            ColumnFamily f = family(handle);
            requireMergeOperator(f);
            add(f, ValueKind.MERGE, key, operand);
          }

          @Override
          public void deleteRange(dev.strata.ColumnFamilyHandle handle, byte[] begin, byte[] end) {
            add(family(handle), ValueKind.RANGE_DELETE, begin, end);
          }

          /**
           * An operation; {@code kind} only where its value does not tell it (see WriteBatchOps).
           */
          private void add(ColumnFamily f, ValueKind kind, byte[] key, byte[] value) {
            if (kind != null) {
              if (kinds[0] == null) {
                kinds[0] = new ValueKind[n];
              }
              kinds[0][i[0]] = kind;
            }
            if (f.id != 0) {
              if (familyIds[0] == null) {
                familyIds[0] = new int[n];
              }
              familyIds[0][i[0]] = f.id;
            }
            keys[i[0]] = key;
            values[i[0]++] = value;
            size[0] += WriteBatchCodec.opSize(f.id, key, value);
          }
        });
    // WriteBatch refuses to grow past the limit by a size never below this one; checked again
    // here, before anything is logged, so that no batch can reach the WAL writer's record limit
    // (which would fail the whole commit group and the database with it).
    if (size[0] > WalFormat.BATCH_HEADER_SIZE + (long) StrataDB.MAX_BATCH_BYTES) {
      throw new IllegalArgumentException(
          "write batch of " + size[0] + " bytes exceeds " + StrataDB.MAX_BATCH_BYTES);
    }
    long userBytes = 0;
    for (int j = 0; j < n; j++) {
      userBytes += keys[j].length + (values[j] == null ? 0 : values[j].length);
    }
    stats.userBytesWritten.add(userBytes);
    stats.userWrites.add(n);
    writes.commit(
        new CommitPipeline.WriteBatchOps(
            keys, values, kinds[0], familyIds[0], (int) (size[0] - WalFormat.BATCH_HEADER_SIZE)),
        wo.sync(),
        wo.noSlowdown(),
        wo.disableWal());
    obs.recorder.stopSampledTimer(HistogramType.WRITE_NANOS, start);
  }

  // ---- reads ----

  @Override
  public byte[] get(byte[] key, ReadOptions ro) {
    return get(null, key, ro);
  }

  @Override
  public byte[] get(dev.strata.ColumnFamilyHandle handle, byte[] key, ReadOptions ro) {
    Objects.requireNonNull(key, "key must not be null");
    Objects.requireNonNull(ro, "read options must not be null");
    ColumnFamily f = family(handle);
    return f.writeTimes.read(f.reads.get(key, ro));
  }

  @Override
  public List<byte[]> multiGet(List<byte[]> keys, ReadOptions ro) {
    Objects.requireNonNull(keys, "keys must not be null");
    Objects.requireNonNull(ro, "read options must not be null");
    return multiGet(defaultFamily, keys, ro);
  }

  private List<byte[]> multiGet(ColumnFamily f, List<byte[]> keys, ReadOptions ro) {
    List<byte[]> values = f.reads.multiGet(keys, ro);
    if (f.writeTimes.enabled()) {
      values = new java.util.ArrayList<>(values);
      values.replaceAll(f.writeTimes::read);
    }
    return values;
  }

  /**
   * Groups the keys by family and reads each group with one multiGet at one sequence: a snapshot
   * the call takes unless the options carry one, so that every family is read at one point.
   */
  @Override
  public List<byte[]> multiGet(
      List<dev.strata.ColumnFamilyHandle> handles, List<byte[]> keys, ReadOptions ro) {
    Objects.requireNonNull(handles, "column families must not be null");
    Objects.requireNonNull(keys, "keys must not be null");
    Objects.requireNonNull(ro, "read options must not be null");
    if (handles.size() != keys.size()) {
      throw new IllegalArgumentException(
          handles.size() + " column families for " + keys.size() + " keys");
    }
    java.util.Map<ColumnFamily, List<Integer>> byFamily = new java.util.LinkedHashMap<>();
    for (int i = 0; i < keys.size(); i++) {
      Objects.requireNonNull(keys.get(i), "key must not be null");
      byFamily.computeIfAbsent(family(handles.get(i)), k -> new java.util.ArrayList<>()).add(i);
    }
    byte[][] out = new byte[keys.size()][];
    if (byFamily.size() == 1) {
      List<byte[]> values = multiGet(byFamily.keySet().iterator().next(), keys, ro);
      return values;
    }
    Snapshot own = ro.snapshot() == null ? getSnapshot() : null;
    try {
      ReadOptions at =
          own == null ? ro : ro.toBuilder().snapshot(own).build();
      for (java.util.Map.Entry<ColumnFamily, List<Integer>> e : byFamily.entrySet()) {
        List<byte[]> group = new java.util.ArrayList<>(e.getValue().size());
        for (int i : e.getValue()) {
          group.add(keys.get(i));
        }
        List<byte[]> values = multiGet(e.getKey(), group, at);
        for (int j = 0; j < values.size(); j++) {
          out[e.getValue().get(j)] = values.get(j);
        }
      }
    } finally {
      if (own != null) {
        own.close();
      }
    }
    return java.util.Arrays.asList(out);
  }

  @Override
  public boolean keyMayExist(byte[] key, ReadOptions ro) {
    return keyMayExist(null, key, ro);
  }

  @Override
  public boolean keyMayExist(dev.strata.ColumnFamilyHandle handle, byte[] key, ReadOptions ro) {
    Objects.requireNonNull(key, "key must not be null");
    Objects.requireNonNull(ro, "read options must not be null");
    return family(handle).reads.keyMayExist(key, ro);
  }

  @Override
  public long[] getApproximateSizes(List<dev.strata.Range> ranges) {
    Objects.requireNonNull(ranges, "ranges must not be null");
    status.checkOpen();
    long[] sizes = new long[ranges.size()];
    try {
      for (int i = 0; i < sizes.length; i++) {
        dev.strata.Range r = Objects.requireNonNull(ranges.get(i), "range must not be null");
        if (r.start() != null
            && r.limit() != null
            && dev.strata.util.Bytes.compare(r.start(), r.limit()) >= 0) {
          continue;
        }
        for (int level = 0; level < VersionSet.NUM_LEVELS; level++) {
          sizes[i] += versions.level(level).approximateSize(r.start(), r.limit());
        }
      }
    } catch (java.io.UncheckedIOException e) {
      status.checkOpen();
      throw new StrataException("reading table indexes failed in " + dir + ": " + e.getMessage(), e);
    }
    return sizes;
  }

  @Override
  public DBIterator newIterator(ReadOptions ro) {
    return newIterator(null, ro);
  }

  @Override
  public DBIterator newIterator(dev.strata.ColumnFamilyHandle handle, ReadOptions ro) {
    Objects.requireNonNull(ro, "read options must not be null");
    ColumnFamily f = family(handle);
    DBIterator it = f.reads.newIterator(ro);
    return f.writeTimes.enabled() ? new WriteTimeStrippingIterator(it) : it;
  }

  @Override
  public Snapshot getSnapshot() {
    status.checkOpen();
    return snapshots.newSnapshot(writes::visibleSequence);
  }

  // ---- maintenance ----

  @Override
  public void flush() {
    flush(null);
  }

  @Override
  public void flush(dev.strata.ColumnFamilyHandle handle) {
    checkWritableOpen();
    ColumnFamily f = family(handle);
    jobs.flush(f);
    deleteDrainedFamilies();
  }

  @Override
  public void compactRange(byte[] begin, byte[] end) {
    compactRange(null, begin, end);
  }

  @Override
  public void compactRange(dev.strata.ColumnFamilyHandle handle, byte[] begin, byte[] end) {
    checkWritableOpen();
    jobs.compactRange(family(handle), begin, end);
  }

  /** See {@link StrataDB#ingestExternalFiles}; the work is {@link Ingestion}'s. */
  @Override
  public void ingestExternalFiles(List<Path> files, dev.strata.IngestOptions io) {
    ingestExternalFiles(null, files, io);
  }

  @Override
  public void ingestExternalFiles(
      dev.strata.ColumnFamilyHandle handle, List<Path> files, dev.strata.IngestOptions io) {
    Objects.requireNonNull(files, "files must not be null");
    Objects.requireNonNull(io, "ingest options must not be null");
    checkWritableOpen();
    family(handle).ingestion.ingest(List.copyOf(files), io);
  }

  // ---- column families ----

  /** Longest family name, in UTF-8 bytes. */
  private static final int MAX_FAMILY_NAME_BYTES = 255;

  @Override
  public dev.strata.ColumnFamilyHandle createColumnFamily(
      String name, dev.strata.ColumnFamilyOptions cfo) {
    Objects.requireNonNull(name, "column family name must not be null");
    Objects.requireNonNull(cfo, "column family options must not be null");
    if (name.isEmpty()
        || name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_FAMILY_NAME_BYTES) {
      throw new IllegalArgumentException(
          "a column family name has 1 to " + MAX_FAMILY_NAME_BYTES + " bytes in UTF-8");
    }
    checkWritableOpen();
    synchronized (familyChangeLock) {
      if (families.byName(name) != null) {
        throw new IllegalArgumentException("column family '" + name + "' exists");
      }
      int id = Math.max(versions.maxFamilyId(), families.maxLiveId()) + 1;
      ColumnFamily f = newFamily(id, name, cfo);
      FileSystem fs = options.fileSystem();
      try {
        // A directory an earlier crash left (created, never recorded) is deleted first.
        Recovery.deleteFamilyDirectory(fs, f.dir);
        fs.createDirectories(f.dir);
        fs.syncDirectory(dir);
      } catch (IOException e) {
        throw new StrataException(
            "cannot create column family '" + name + "' in " + dir + ": " + e.getMessage(), e);
      }
      writes.runExclusive(
          () -> {
            // Every earlier write as durable as the family about to be recorded: recovery never
            // finds the family without a write made before it.
            writes.syncWals();
            try {
              // Its manifest first, starting at the active WAL: no write of it can be older. Then
              // the database's manifest records it; a crash between leaves a directory that the
              // next open deletes.
              f.versions.createWith(new VersionEdit().setLogNumber(writes.activeWalNumber()));
              options.fileSystem().crashPoint(dev.strata.fs.CrashPoint.FAMILY_CREATED_DIRECTORY);
              versions.logAndApply(new VersionEdit().addFamily(id, name));
            } catch (IOException e) {
              writes.recordBackgroundError("create column family", e);
              throw new StrataException(
                  "cannot create column family '" + name + "': " + e.getMessage(), e);
            }
            writes.addFamily(f);
          });
      infoLog.info("created column family {} ({}) with {}", name, id, cfo);
      return f;
    }
  }

  @Override
  public void dropColumnFamily(dev.strata.ColumnFamilyHandle handle) {
    Objects.requireNonNull(handle, "column family must not be null");
    checkWritableOpen();
    ColumnFamily f = family(handle);
    if (f.id == 0) {
      throw new IllegalArgumentException("the default column family cannot be dropped");
    }
    synchronized (familyChangeLock) {
      f.checkLive();
      writes.runExclusive(
          () -> {
            // Every earlier write as durable as the drop: recovery never finds the drop without a
            // write made before it.
            writes.syncWals();
            try {
              versions.logAndApply(new VersionEdit().dropFamily(f.id));
            } catch (IOException e) {
              writes.recordBackgroundError("drop column family", e);
              throw new StrataException(
                  "cannot drop column family '" + f.name + "': " + e.getMessage(), e);
            }
            f.markDropped();
            families.remove(f);
            writes.removeFamily(f);
          });
      // Its tables leave its levels with no compaction running in it; each is deleted once no
      // iterator reads it. A crash from here on leaves files the next open deletes.
      jobs.excludingCompactions(
          () -> {
            try {
              removeAllTables(f);
            } catch (IOException e) {
              LOG.warn("removing the tables of dropped column family {} of {}", f.name, dir, e);
            }
          },
          true);
      synchronized (draining) {
        draining.add(f);
      }
    }
    infoLog.info("dropped column family {} ({})", f.name, f.id);
    deleteDrainedFamilies();
  }

  /**
   * Deletes the tables of dropped families that no iterator reads any more, and the directory of
   * each that holds no table; what an iterator still reads is deleted at a later call or at the
   * next open.
   */
  void deleteDrainedFamilies() {
    List<ColumnFamily> done = new java.util.ArrayList<>();
    synchronized (draining) {
      for (ColumnFamily f : draining) {
        if (jobs.isFlushing(f)) {
          // A flush picked it before the drop: its directory stays until the next call.
          continue;
        }
        try {
          // A flush that ended after the drop may have installed a table: out with it too. No
          // compaction runs in a dropped family (the drop waited for the one running).
          removeAllTables(f);
          f.obsolete.deleteTables();
          boolean tablesLeft = false;
          for (String n : options.fileSystem().list(f.dir)) {
            tablesLeft |= FileNames.parse(n).kind() == FileNames.Kind.TABLE;
          }
          if (!tablesLeft) {
            f.versions.close();
            f.tables.close();
            Recovery.deleteFamilyDirectory(options.fileSystem(), f.dir);
            done.add(f);
          }
        } catch (IOException | RuntimeException e) {
          LOG.warn("deleting the files of dropped column family {} of {}", f.name, dir, e);
        }
      }
      draining.removeAll(done);
    }
  }

  /**
   * Removes every table from a dropped family's levels in one manifest edit (none if its levels
   * are empty): each is then deleted once no iterator reads it.
   */
  private static void removeAllTables(ColumnFamily f) throws IOException {
    VersionEdit removeAll = new VersionEdit();
    for (dev.strata.version.Level l : f.versions.currentLevels()) {
      for (dev.strata.version.FileMetadata file : l.files()) {
        removeAll.deleteFile(l.number(), file.number());
      }
    }
    if (!removeAll.deleted().isEmpty()) {
      f.versions.logAndApply(removeAll);
    }
  }

  @Override
  public List<String> listColumnFamilies() {
    status.checkOpen();
    List<String> names = new java.util.ArrayList<>();
    for (ColumnFamily f : families.live()) {
      names.add(f.name);
    }
    return names;
  }

  /** See {@link StrataDB#listColumnFamilies(Path, Options)}. */
  public static List<String> listColumnFamilies(Path dir, Options options) {
    FileSystem fs = options.fileSystem();
    try {
      String name = dev.strata.version.ManifestContents.readCurrent(fs, dir);
      dev.strata.version.ManifestContents m =
          dev.strata.version.ManifestContents.read(fs, dir, name);
      if (m.failure() != null) {
        throw m.failure();
      }
      List<String> names = new java.util.ArrayList<>();
      names.add(dev.strata.ColumnFamilyHandle.DEFAULT_NAME);
      names.addAll(m.families().values());
      return names;
    } catch (java.nio.file.NoSuchFileException e) {
      throw new StrataException(dir + " does not hold a database (no CURRENT file)", e);
    } catch (IOException e) {
      throw new StrataException("cannot read the manifest of " + dir + ": " + e.getMessage(), e);
    }
  }

  @Override
  public dev.strata.ColumnFamilyHandle columnFamily(String name) {
    Objects.requireNonNull(name, "name");
    status.checkOpen();
    return families.byName(name);
  }

  @Override
  public dev.strata.ColumnFamilyHandle defaultColumnFamily() {
    return defaultFamily;
  }

  ColumnFamily defaultFamily() {
    return defaultFamily;
  }

  /** See {@link StrataDB#createCheckpoint}; the work is {@link Checkpoint}'s. */
  @Override
  public void createCheckpoint(Path target) {
    Objects.requireNonNull(target, "target must not be null");
    checkpoint.create(target);
  }

  /**
   * @throws StrataException if the database is closed or was opened read-only
   */
  private void checkWritableOpen() {
    status.checkOpen();
    if (readOnly) {
      throw new StrataException("database " + dir + " was opened read-only: writes are refused");
    }
  }

  @Override
  public Statistics getStatistics() {
    return obs.recorder;
  }

  @Override
  public String getProperty(String name) {
    return getProperty(null, name);
  }

  @Override
  public String getProperty(dev.strata.ColumnFamilyHandle handle, String name) {
    Objects.requireNonNull(name, "name");
    status.checkOpen();
    return new Properties(this, family(handle)).get(name);
  }

  @Override
  public long getAggregatedLongProperty(String name) {
    Objects.requireNonNull(name, "name");
    status.checkOpen();
    return new Properties(this).aggregatedLong(name);
  }

  // ---- what Properties and tests read ----

  /**
   * The levels for monitoring, each read under its own lock and never under the version lock,
   * which an install holds across the manifest's fsync: a property never waits behind disk I/O.
   * A view taken while an install is midway may count a moving file in two levels.
   */
  Level[] levelsForProperties() {
    return versions.eachLevelNow();
  }

  /**
   * {@code strata.estimate-num-keys}: entries in the memtables (every version and deletion
   * counts) plus, over the tables, entries less twice the tombstones, floored at 0. Overwrites and
   * deletions still in memtables make it an overestimate, and so does a flush installing its table
   * between the reads of the memtables and of the levels (that memtable counts twice); it is exact
   * for keys written once and deleted at most once, once flushed.
   */
  long estimateNumKeys(ColumnFamily f) {
    VersionSet versions = f.versions;
    MemtableSet m = f.mems;
    long n = m.active.entryCount();
    for (MemtableSet.Immutable imm : m.immutables) {
      n += imm.memtable().entryCount();
    }
    for (int level = 0; level < VersionSet.NUM_LEVELS; level++) {
      n += versions.level(level).estimateKeys();
    }
    return Math.max(0, n);
  }

  /**
   * The families whose memtables, table readers and tables the database-wide figures add up: the
   * live ones, read lock-free ({@link Families}). A dropped family leaves them at its drop, also
   * while an open iterator still holds its memtables and readers.
   */
  List<ColumnFamily> familiesForProperties() {
    return families.live();
  }

  BlockCache blockCache() {
    return blockCache;
  }

  Options optionsForProperties() {
    return options;
  }

  /** Flushes, then background compactions, that failed in a row and are retried; for properties. */
  int[] failuresInARow() {
    return new int[] {jobs.flushFailuresInARow(), jobs.compactionFailuresInARow()};
  }

  /** The memtable budget the database shares with others, or null; for properties. */
  MemtableBudget memtableBudget() {
    return budget;
  }

  /** The default family's table cache, for tests. */
  TableCache tablesForProperties() {
    return defaultFamily.tables;
  }

  CompactionPicker picker() {
    return jobs.picker();
  }

  long visibleSequence() {
    return writes.visibleSequence();
  }

  EventListener.StallCondition stallCondition() {
    return writes.stallCondition();
  }

  int snapshotCount() {
    return snapshots.size();
  }

  // ---- close ----

  /**
   * See {@link StrataDB#close()}. Waits up to {@code closeTimeoutMillis} for the running flush or
   * compaction; a compaction aborts at its next safe point, a flush runs to its end. If a worker
   * is still writing when the wait ends (a disk that hangs), close returns but the manifest, the
   * table cache and the directory lock are released only when that worker's unit ends: another
   * process or another open in this JVM cannot take the directory while this one can still write
   * to it.
   */
  @Override
  public void close() {
    if (!readOnly
        && options.flushOnClose()
        && !options.reuseLogs()
        && !status.isClosed()
        && status.error() == null) {
      flushForClose();
    }
    if (!status.markClosed()) {
      return;
    }
    writes.signalProgress();
    boolean stopped = jobs.stop(closeTimeoutMillis);
    // A memtable the open replayed and the flush worker has not flushed stays in its log for the
    // next open; a sync write waiting for that flush fails (before the WALs' close, which waits
    // for the group that write leads).
    writes.abandonReplayedWals(
        new dev.strata.StrataException(dir + " closed before the memtable replayed at open was flushed"));
    WriteController.ForcedWal forced = writes.closeWals(options.reuseLogs());
    if (forced != null) {
      recordClosedLog(forced);
    }
    writes.leaveBudget();
    closeQuietly(jmx);
    closeQuietly(statsDump);
    obs.events.close(closeTimeoutMillis);
    if (!stopped) {
      infoLog.warn(
          "background work still runs after {} ms; the directory lock is released when it ends",
          closeTimeoutMillis);
    }
    infoLog.info("closing at sequence {}", writes.visibleSequence());
    jobs.whenStopped(this::releaseResources);
  }

  /**
   * Flushes every family's memtables before the close ({@link Options#flushOnClose}), so that the
   * next open has nothing to replay; waits at most the close's timeout in all. A failure (an I/O
   * error, a background error, an interrupt, whose status is kept) or the timeout ends the
   * flushing and is logged; it loses nothing, since every write not yet in a table is still in
   * its WAL, which the next open replays. Skipped when the application's executor is shut down:
   * its flush would never run.
   */
  private void flushForClose() {
    ExecutorService executor = options.backgroundExecutor();
    if (executor != null && executor.isShutdown()) {
      infoLog.warn("no flush before close: the background executor is shut down");
      return;
    }
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(closeTimeoutMillis);
    for (ColumnFamily f : families.live()) {
      try {
        if (!jobs.flush(f, deadline - System.nanoTime())) {
          infoLog.warn(
              "flush before close unfinished after {} ms; the next open replays the WAL",
              closeTimeoutMillis);
          return;
        }
      } catch (RuntimeException e) {
        LOG.warn("flushing {} before its close failed; the next open replays its WAL", dir, e);
        infoLog.warn("flush before close failed ({}); the next open replays the WAL", e.toString());
        return;
      }
    }
  }

  /**
   * Records in the manifest that close forced the active WAL at its length, so that the next open
   * may append to it ({@link Options#reuseLogs}). A failure only costs that open a flush.
   */
  private void recordClosedLog(WriteController.ForcedWal forced) {
    try {
      options.fileSystem().crashPoint(CrashPoint.CLOSE_BEFORE_LOG_RECORD);
      versions.logAndApply(new VersionEdit().setClosedLog(forced.number(), forced.length()));
    } catch (IOException | RuntimeException e) {
      LOG.warn("recording the forced WAL {} of {} at close", forced.number(), dir, e);
    }
  }

  private void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception e) {
      LOG.warn("closing {} of {}", c, dir, e);
    }
  }

  /** The last step of close, once no worker can touch the files. Runs once. */
  private void releaseResources() {
    // Pooled value chunks go to the collector now, not when the application drops this object.
    writes.closeValuePool();
    try {
      jobs.closeVersions();
    } catch (IOException | RuntimeException e) {
      LOG.warn("closing the manifest of {}", dir, e);
    }
    deleteDrainedFamilies();
    for (ColumnFamily f : families.live()) {
      try {
        f.tables.close();
      } catch (RuntimeException e) {
        LOG.warn("closing the tables of {}", dir, e);
      }
    }
    synchronized (draining) {
      for (ColumnFamily f : draining) {
        try {
          f.versions.close();
          f.tables.close();
        } catch (IOException | RuntimeException e) {
          LOG.warn("closing dropped column family {} of {}", f.name, dir, e);
        }
      }
    }
    try {
      dirLock.close();
    } catch (IOException | RuntimeException e) {
      LOG.warn("releasing the lock of {}", dir, e);
    } finally {
      infoLog.close();
      Runnable cache = releaseCache;
      if (cache != null) {
        cache.run();
      }
      released.complete(null);
    }
  }

  /** Shortens the close wait, for tests of a worker that outlives it. */
  void setCloseTimeoutForTesting(long millis) {
    closeTimeoutMillis = millis;
  }

  /** Completes once close released the directory lock. */
  java.util.concurrent.CompletableFuture<Void> releasedForTesting() {
    return released;
  }

  /**
   * The bytes of the live WALs as the engine counts them (the active one and the retired ones not
   * yet deleted), read in the leader role.
   */
  long liveWalBytesForTesting() {
    long[] bytes = new long[1];
    writes.runExclusive(() -> bytes[0] = writes.liveWalBytes());
    return bytes[0];
  }

  /** The bound on the live WALs' bytes that applies now; see {@link Options#maxTotalWalBytes}. */
  long maxTotalWalBytesForTesting() {
    return writes.maxTotalWalBytesForTesting();
  }

  /** Times every get and write instead of a sample, so that a test can count timed calls. */
  public void timeEveryCallForTesting() {
    obs.recorder.timeEveryCallForTesting();
  }

  /** Installs a hook the calling thread's reads run between their steps; see {@link ReadHook}. */
  void setReadHookForTesting(ReadHook hook) {
    for (ColumnFamily f : families.live()) {
      f.reads.setHookForTesting(hook);
    }
  }

  /** Direct memory kept for the next memtables' values; for the memory figures. */
  long pooledValueChunkBytes() {
    return writes.pooledChunkBytes();
  }

  /** Memtable chunks taken from the pool instead of allocated; for tests. */
  long reusedMemtableChunksForTesting() {
    return writes.reusedChunks();
  }

  /** Installs a hook the calling thread's next checkpoint runs right after pinning its tables. */
  void setCheckpointHookForTesting(Runnable afterPin) {
    checkpoint.setAfterPinHookForTesting(afterPin);
  }

  /** Charges a read sample at {@code key} as an iterator would; see {@link BackgroundJobs}. */
  void compactLevelForTesting(int level, byte[] begin, byte[] end) {
    jobs.compactLevelForTesting(level, begin, end);
  }

  void recordReadSampleForTesting(byte[] key) {
    jobs.recordReadSample(defaultFamily, key);
  }

  /** Whether the flush worker still accepts work (false once close began stopping it). */
  /** Whether {@code t} waits for the compaction run lock; for tests. */
  boolean waitsForCompactionForTesting(Thread t) {
    return jobs.waitsForCompactionForTesting(t);
  }

  boolean flushWorkerActiveForTesting() {
    return jobs.flushWorkerActiveForTesting();
  }

  /** Threads owned by this database's workers, for tests that check none survives close. */
  List<Thread> backgroundThreadsForTesting() {
    List<Thread> threads = new java.util.ArrayList<>(jobs.threadsForTesting());
    if (obs.events.threadForTesting() != null) {
      threads.add(obs.events.threadForTesting());
    }
    return threads;
  }

  /** Runs the periodic statistics dump now. */
  void dumpStatsForTesting() {
    dumpStats();
  }

  /**
   * Waits for the MXBean's registration, which runs in the background after the open, and
   * returns the name it registered under (null with JMX off or after a failed registration).
   */
  public javax.management.ObjectName awaitJmxRegistrationForTesting()
      throws InterruptedException {
    return jmx.awaitRegistered();
  }
}
