package dev.strata.engine;

import dev.strata.DBIterator;
import dev.strata.EventListener;
import dev.strata.HistogramType;
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
import dev.strata.fs.FileLockHandle;
import dev.strata.fs.FileSystem;
import dev.strata.sstable.BlockCache;
import dev.strata.sstable.TableCache;
import dev.strata.sstable.TableOptions;
import dev.strata.version.FileNames;
import dev.strata.version.Level;
import dev.strata.version.VersionSet;
import dev.strata.wal.LogWriter;
import dev.strata.wal.WalFormat;
import dev.strata.wal.WriteBatchCodec;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
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
 * A failed WAL append or force, manifest write or table write becomes the sticky error in {@link
 * DbStatus}: the database stays readable and refuses writes until reopened. No fsync is retried.
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
  private final TableCache tables;
  private final VersionSet versions;
  private final SnapshotList snapshots = new SnapshotList();
  private final WriteController writes;
  private final BackgroundJobs jobs;
  private final ReadPath reads;
  private final Checkpoint checkpoint;
  private final Ingestion ingestion;

  /** The merge operator from the options, or null. */
  private final MergeOperator mergeOperator;

  /** Stamps and strips values' write times with a time-to-live filter; else passes them. */
  private final WriteTimes writeTimes;

  private DbImpl(
      Path dir,
      Options options,
      FileLockHandle dirLock,
      BlockCache blockCache,
      MemtableBudget budget,
      boolean readOnly,
      InfoLog infoLog) {
    this.dir = dir;
    this.mergeOperator = options.mergeOperator();
    this.writeTimes = new WriteTimes(options);
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
    this.blockCache = blockCache;
    // Read-only, every table stays open from the open on (see openReadOnly): a writer beside it
    // may delete a table this view still lists, and an evicted reader could not open it again.
    int maxOpenFiles = readOnly ? Integer.MAX_VALUE / 2 : Math.max(16, options.maxOpenFiles());
    this.tables = new TableCache(
            fs,
            n -> FileNames.tablePath(dir, n),
            blockCache,
            maxOpenFiles,
            options.mmapReads(),
            new TableReadStats(obs.recorder));
    ObsoleteFiles obsolete = new ObsoleteFiles(fs, dir, tables, readOnly, obs);
    this.versions =
        new VersionSet(
            dir,
            fs,
            tables,
            obsolete::add,
            new LockWaits(
                obs.recorder.adder(Ticker.LEVEL_LOCK_WAITS),
                obs.recorder.adder(Ticker.LEVEL_LOCK_WAIT_NANOS)));
    TableOptions tableOptions = tableOptions(options);
    this.writes =
        new WriteController(dir, options, versions, stats, status, infoLog, budget, obs);
    this.jobs =
        new BackgroundJobs(
            dir,
            options,
            tableOptions,
            versions,
            tables,
            stats,
            snapshots,
            status,
            writes,
            obsolete,
            infoLog,
            obs);
    this.reads =
        new ReadPath(
            status,
            writes,
            versions,
            snapshots,
            jobs,
            stats,
            obs,
            options.mergeOperator(),
            options.prefixExtractor());
    this.checkpoint =
        new Checkpoint(
            dir, fs, versions, status, readOnly, jobs, writes, tableOptions, obsolete, infoLog);
    this.ingestion = new Ingestion(dir, options, versions, status, writes, jobs, infoLog);
  }

  /**
   * See {@link StrataDB#open}, which resolves the block cache: the shared one of {@link
   * Options#blockCache()} or one of the database's own; and the shared memtable budget of {@link
   * Options#writeBufferManager()}, or null.
   */
  public static StrataDB open(
      Path dir, Options options, BlockCache blockCache, MemtableBudget budget) {
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
      db.startMonitoring(options);
      infoLog.info(
          "opened at sequence {}; level files {}",
          recovered.lastSequence(),
          levelFileCounts(db.versions.eachLevelNow()));
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
  public static StrataDB openReadOnly(Path dir, Options options, BlockCache blockCache) {
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
   * Registers the MXBean and schedules the statistics dump; by the opening thread, once the
   * database is ready and before it reaches another thread.
   */
  private void startMonitoring(Options options) {
    if (options.jmx()) {
      jmx = JmxRegistration.register(obs.name, new DbMXBean(obs.name, dir.toString(), this, obs.recorder));
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
    infoLog.info("------- DUMPING STATS -------\n{}\n{}", new Properties(this).get("strata.stats"), obs.recorder.dump());
  }

  private Recovery.Result recover(Options options, boolean readOnly, InfoLog infoLog)
      throws IOException {
    return new Recovery(
            dir,
            options,
            versions,
            tables,
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

  @Override
  public void put(byte[] key, byte[] value, WriteOptions wo) {
    StrataDB.checkKey(key);
    StrataDB.checkValue(value);
    Objects.requireNonNull(wo, "write options must not be null");
    writeSingle(key, writeTimes.stamp(value, wo), wo);
  }

  @Override
  public void delete(byte[] key, WriteOptions wo) {
    StrataDB.checkKey(key);
    Objects.requireNonNull(wo, "write options must not be null");
    writeSingle(key, null, wo);
  }

  @Override
  public void deleteRange(byte[] begin, byte[] end, WriteOptions wo) {
    StrataDB.checkRange(begin, end);
    Objects.requireNonNull(wo, "write options must not be null");
    checkWritableOpen();
    long start = obs.recorder.startTimer();
    byte[] b = begin.clone();
    byte[] e = end.clone();
    stats.userBytesWritten.add(b.length + e.length);
    stats.userWrites.increment();
    writes.commit(
        new CommitPipeline.SingleOp(ValueKind.RANGE_DELETE, b, e),
        wo.sync(),
        wo.noSlowdown(),
        wo.disableWal());
    obs.recorder.stopTimer(HistogramType.WRITE_NANOS, start);
  }

  @Override
  public void merge(byte[] key, byte[] operand, WriteOptions wo) {
    StrataDB.checkKey(key);
    StrataDB.checkValue(operand);
    Objects.requireNonNull(wo, "write options must not be null");
    requireMergeOperator();
    checkWritableOpen();
    long start = obs.recorder.startTimer();
    byte[] k = key.clone();
    byte[] v = operand.clone();
    stats.userBytesWritten.add(k.length + v.length);
    stats.userWrites.increment();
    writes.commit(
        new CommitPipeline.SingleOp(ValueKind.MERGE, k, v),
        wo.sync(),
        wo.noSlowdown(),
        wo.disableWal());
    obs.recorder.stopTimer(HistogramType.WRITE_NANOS, start);
  }

  private void requireMergeOperator() {
    if (mergeOperator == null) {
      throw new IllegalStateException(
          "merge needs a merge operator: open the database with"
              + " Options.builder().mergeOperator(...) (see MergeOperators)");
    }
  }

  private void writeSingle(byte[] key, byte[] value, WriteOptions wo) {
    checkWritableOpen();
    long start = obs.recorder.startTimer();
    byte[] k = key.clone();
    byte[] v = value == null ? null : value.clone();
    stats.userBytesWritten.add(k.length + (v == null ? 0 : v.length));
    stats.userWrites.increment();
    writes.commit(new CommitPipeline.SingleOp(k, v), wo.sync(), wo.noSlowdown(), wo.disableWal());
    obs.recorder.stopTimer(HistogramType.WRITE_NANOS, start);
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
    long start = obs.recorder.startTimer();
    byte[][] keys = new byte[n][];
    byte[][] values = new byte[n][];
    ValueKind[][] kinds = {null};
    int[] i = {0};
    long[] size = {WalFormat.BATCH_HEADER_SIZE};
    batch.forEach(
        new WriteBatch.Handler() {
          @Override
          public void put(byte[] key, byte[] value) {
            value = writeTimes.stamp(value, wo);
            keys[i[0]] = key;
            values[i[0]++] = value;
            size[0] += WriteBatchCodec.opSize(key, value);
          }

          @Override
          public void delete(byte[] key) {
            keys[i[0]++] = key;
            size[0] += WriteBatchCodec.opSize(key, null);
          }

          @Override
          public void merge(byte[] key, byte[] operand) {
            requireMergeOperator();
            add(ValueKind.MERGE, key, operand);
          }

          @Override
          public void deleteRange(byte[] begin, byte[] end) {
            add(ValueKind.RANGE_DELETE, begin, end);
          }

          /** An operation whose kind its value does not tell (see WriteBatchOps). */
          private void add(ValueKind kind, byte[] key, byte[] value) {
            if (kinds[0] == null) {
              kinds[0] = new ValueKind[n];
            }
            kinds[0][i[0]] = kind;
            keys[i[0]] = key;
            values[i[0]++] = value;
            size[0] += WriteBatchCodec.opSize(key, value);
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
            keys, values, kinds[0], (int) (size[0] - WalFormat.BATCH_HEADER_SIZE)),
        wo.sync(),
        wo.noSlowdown(),
        wo.disableWal());
    obs.recorder.stopTimer(HistogramType.WRITE_NANOS, start);
  }

  // ---- reads ----

  @Override
  public byte[] get(byte[] key, ReadOptions ro) {
    Objects.requireNonNull(key, "key must not be null");
    Objects.requireNonNull(ro, "read options must not be null");
    return writeTimes.read(reads.get(key, ro));
  }

  @Override
  public List<byte[]> multiGet(List<byte[]> keys, ReadOptions ro) {
    Objects.requireNonNull(keys, "keys must not be null");
    Objects.requireNonNull(ro, "read options must not be null");
    List<byte[]> values = reads.multiGet(keys, ro);
    if (writeTimes.enabled()) {
      values = new java.util.ArrayList<>(values);
      values.replaceAll(writeTimes::read);
    }
    return values;
  }

  @Override
  public boolean keyMayExist(byte[] key, ReadOptions ro) {
    Objects.requireNonNull(key, "key must not be null");
    Objects.requireNonNull(ro, "read options must not be null");
    return reads.keyMayExist(key, ro);
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
    Objects.requireNonNull(ro, "read options must not be null");
    DBIterator it = reads.newIterator(ro);
    return writeTimes.enabled() ? new WriteTimeStrippingIterator(it) : it;
  }

  @Override
  public Snapshot getSnapshot() {
    status.checkOpen();
    return snapshots.newSnapshot(writes::visibleSequence);
  }

  // ---- maintenance ----

  @Override
  public void flush() {
    checkWritableOpen();
    jobs.flush();
  }

  @Override
  public void compactRange(byte[] begin, byte[] end) {
    checkWritableOpen();
    jobs.compactRange(begin, end);
  }

  /** See {@link StrataDB#ingestExternalFiles}; the work is {@link Ingestion}'s. */
  @Override
  public void ingestExternalFiles(List<Path> files, dev.strata.IngestOptions io) {
    Objects.requireNonNull(files, "files must not be null");
    Objects.requireNonNull(io, "ingest options must not be null");
    checkWritableOpen();
    ingestion.ingest(List.copyOf(files), io);
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
    Objects.requireNonNull(name, "name");
    status.checkOpen();
    return new Properties(this).get(name);
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
  long estimateNumKeys() {
    MemtableSet m = writes.mems();
    long n = m.active.entryCount();
    for (MemtableSet.Immutable imm : m.immutables) {
      n += imm.memtable().entryCount();
    }
    for (int level = 0; level < VersionSet.NUM_LEVELS; level++) {
      n += versions.level(level).estimateKeys();
    }
    return Math.max(0, n);
  }

  MemtableSet memtablesForProperties() {
    return writes.mems();
  }

  BlockCache blockCache() {
    return blockCache;
  }

  TableCache tablesForProperties() {
    return tables;
  }

  long pinnedMemtableBytes() {
    return writes.pinnedMemtableBytes();
  }

  CompactionPicker picker() {
    return jobs.picker();
  }

  boolean compactionPending() {
    return jobs.compactionPending();
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
    if (!status.markClosed()) {
      return;
    }
    writes.signalProgress();
    boolean stopped = jobs.stop(closeTimeoutMillis);
    writes.closeWals();
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

  private void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception e) {
      LOG.warn("closing {} of {}", c, dir, e);
    }
  }

  /** The last step of close, once no worker can touch the files. Runs once. */
  private void releaseResources() {
    try {
      jobs.closeVersions();
    } catch (IOException | RuntimeException e) {
      LOG.warn("closing the manifest of {}", dir, e);
    }
    try {
      tables.close();
    } catch (RuntimeException e) {
      LOG.warn("closing the tables of {}", dir, e);
    }
    try {
      dirLock.close();
    } catch (IOException | RuntimeException e) {
      LOG.warn("releasing the lock of {}", dir, e);
    } finally {
      infoLog.close();
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

  /** Installs a hook the calling thread's reads run between their steps; see {@link ReadHook}. */
  void setReadHookForTesting(ReadHook hook) {
    reads.setHookForTesting(hook);
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
    jobs.recordReadSample(key);
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

  /** The JMX name this database registered, or null. */
  javax.management.ObjectName jmxNameForTesting() {
    return jmx.name();
  }
}
