package dev.strata.engine;

import dev.strata.CorruptionException;
import dev.strata.Options;
import dev.strata.StrataException;
import dev.strata.WalRecoveryMode;
import dev.strata.fs.CrashPoint;
import dev.strata.fs.FileSystem;
import dev.strata.fs.ReadableFile;
import dev.strata.memtable.Memtable;
import dev.strata.sstable.TableCache;
import dev.strata.version.FileMetadata;
import dev.strata.version.FileNames;
import dev.strata.version.Level;
import dev.strata.version.VersionEdit;
import dev.strata.version.VersionSet;
import dev.strata.wal.LogReader;
import dev.strata.wal.LogWriter;
import dev.strata.wal.WalFormat;
import dev.strata.wal.WriteBatchCodec;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import dev.strata.key.ValueKind;

/**
 * Opening a database: create it or rebuild its levels from the manifest, check that every table
 * the manifest names exists, replay the WALs not yet flushed into level-0 tables (or keep the last
 * one's writes in memory and go on appending to it, {@link Options#reuseLogs}; or, for a database
 * of one family, leave the last memtable to the flush worker, {@link #deferrable}), start a fresh
 * WAL otherwise, record all of it in one manifest edit, and delete files nothing refers to
 * (leftovers of a crash). Runs once, in the opening thread, before any other thread sees the database.
 *
 * <p>Replay never invents or reorders writes: records are applied in log order, every batch must
 * carry sequences above everything before it, and replay stops for good at a torn tail of a log
 * that is not the last (later logs would otherwise leave a hole), at a later log whose first write
 * does not follow the last replayed one (an earlier log lost its tail at a record boundary), or,
 * in {@link WalRecoveryMode#POINT_IN_TIME} mode, at the first damaged record.
 */
final class Recovery {

  /**
   * What recovery built: the WAL to append to and its number (null and 0 for a read-only open),
   * the last recovered sequence; for a read-only open, the memtables replayed from the WALs, oldest
   * first; for a writable open that reused the replayed WAL ({@link Options#reuseLogs}), the
   * memtable each family replayed from it, which stays the family's active one; for a writable
   * open that left its replayed memtable to the flush worker ({@link #deferrable}), that memtable
   * per family and the replayed log as a retired WAL that its flush makes durable (a writable
   * open otherwise flushes them to level 0 itself).
   */
  record Result(
      LogWriter wal,
      long walNumber,
      long lastSequence,
      Map<Integer, List<Memtable>> replayed,
      Map<Integer, Memtable> reusedActive,
      Map<Integer, Memtable> deferred,
      RetiredWal deferredWal) {}

  /** Writes a replayed memtable of a family as a level-0 table; null if it holds nothing. */
  interface Flusher {
    FileMetadata flush(ColumnFamily family, Memtable mem) throws IOException;
  }

  /** Builds the family the default family's manifest names (not yet recovered). */
  interface FamilyFactory {
    ColumnFamily create(int id, String name);
  }

  private final FileSystem fs;
  private final Path dir;
  private final Options options;
  private final Families families;
  private final FamilyFactory familyFactory;

  /** The default family's versions: the database's manifest. */
  private final VersionSet versions;

  private final Function<Options, Memtable> newMemtable;
  private final Flusher flusher;

  private final InfoLog infoLog;

  /** Nothing is written: no manifest, WAL, table or CURRENT; the WALs replay into memory only. */
  private final boolean readOnly;

  /**
   * Read-only: the manifest changed while this open read it and pinned its files (a writer beside
   * it flushed or compacted); the caller starts again.
   */
  static final class ManifestChangedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    ManifestChangedException() {
      super("the manifest changed during a read-only open", null, false, false);
    }
  }

  /** Read-only: the manifest's name and size when it was read. */
  private String manifestStateAtRead;

  /** Read-only: the logs to replay, opened before the first is read; closed by replay. */
  private final java.util.Map<Long, ReadableFile> pinnedLogs = new java.util.HashMap<>();

  /**
   * Whether the last log replayed ended with a whole record and replay did not stop early: the
   * condition for appending to it ({@link Options#reuseLogs}).
   */
  private boolean lastLogEndedCleanly;

  /**
   * Whether the last log may be kept, as far as known before the replay: {@link
   * #closedCleanly}. The replay then flushes the older logs' writes when it reaches the last.
   */
  private boolean reuseCandidate;

  /**
   * Whether the replayed memtable may be left to the flush worker, as far as known before the
   * replay ({@link #deferrable}): a writable open of a database of one family. The replay then,
   * too, flushes the older logs' writes when it reaches the last, so that the memtable left holds
   * the last log's writes only.
   */
  private boolean deferCandidate;

  /** Level-0 tables the replay wrote before it began the last log. */
  private int tablesBeforeLastLog;

  /** Level-0 tables the replay wrote, and the time writing them took; for the info log. */
  private int replayTables;

  private long replayTableNanos;

  /** Read-only: memtables replayed from the WALs per family, oldest first. */
  private final Map<Integer, List<Memtable>> replayed = new HashMap<>();

  /** The replay of one family: its inserter, memtable and the edit recording its tables. */
  private final class FamilyReplay {
    final ColumnFamily family;
    final VersionEdit edit = new VersionEdit();
    ReplayInserter inserter;
    Memtable mem;

    FamilyReplay(ColumnFamily family) {
      this.family = family;
    }

    void add(long seq, ValueKind kind, byte[] key, byte[] value) throws IOException {
      if (inserter == null) {
        inserter =
            new ReplayInserter(
                ReplayInserter.defaultThreads(), family.options.memtableSizeBytes());
        mem = newMemtable.apply(family.options);
      }
      inserter.add(seq, kind, key, value);
      if (inserter.chunkFull()) {
        inserter.drainInto(mem);
        if (mem.isFull()) {
          flushReplayed(this, mem);
          mem = newMemtable.apply(family.options);
        }
      }
    }

    /** Inserts what the helpers still hold: {@code mem} then holds every replayed write. */
    void drain() {
      if (inserter != null) {
        inserter.drainInto(mem);
      }
    }

    /**
     * Flushes what the logs before the last one put in the memtable, so that the last log's writes
     * alone fill the next: the memtable that open may keep ({@link Options#reuseLogs}).
     */
    void flushAtLastLog() throws IOException {
      drain();
      if (mem != null && !mem.isEmpty()) {
        flushReplayed(this, mem);
        mem = newMemtable.apply(family.options);
      }
    }

    /** Flushes the last memtable (or keeps it, read-only) unless it holds nothing. */
    void flushRest() throws IOException {
      if (mem != null && !mem.isEmpty()) {
        flushReplayed(this, mem);
      }
    }

    void close() {
      if (inserter != null) {
        inserter.close();
      }
    }
  }

  Recovery(
      Path dir,
      Options options,
      Families families,
      FamilyFactory familyFactory,
      Function<Options, Memtable> newMemtable,
      Flusher flusher,
      boolean readOnly,
      InfoLog infoLog) {
    this.readOnly = readOnly;
    this.infoLog = infoLog;
    this.fs = options.fileSystem();
    this.dir = dir;
    this.options = options;
    this.families = families;
    this.familyFactory = familyFactory;
    this.versions = families.defaultFamily().versions;
    this.newMemtable = newMemtable;
    this.flusher = flusher;
  }

  /**
   * Runs recovery; on success the caller owns the returned WAL.
   *
   * @throws CorruptionException if a file is damaged beyond what the recovery mode tolerates
   * @throws IOException if reading or writing fails
   */
  Result run() throws IOException {
    // 1. Create a new database, or rebuild the levels from the manifest.
    List<String> names = fs.list(dir);
    if (!fs.exists(FileNames.path(dir, FileNames.CURRENT))) {
      for (String n : names) {
        FileNames.Kind k = FileNames.parse(n).kind();
        // A manifest alone is what a crash while creating the database leaves (the first WAL is
        // created after CURRENT): nothing was ever written, so it is created anew and the stray
        // manifest deleted as unreferenced. A table or a log without CURRENT means damage.
        if (k == FileNames.Kind.TABLE || k == FileNames.Kind.LOG) {
          throw new CorruptionException(
              FileNames.CURRENT, -1, dir + " holds database files but no CURRENT file");
        }
      }
      if (!options.createIfMissing() || readOnly) {
        throw new StrataException(dir + " does not hold a database (no CURRENT file)");
      }
      versions.create();
    } else {
      if (options.errorIfExists() && !readOnly) {
        throw new StrataException("a database already exists in " + dir);
      }
      if (readOnly) {
        manifestStateAtRead = versions.currentManifestState();
        versions.recoverReadOnly();
      } else {
        versions.recover();
      }
      recoverFamilies();
    }
    // 2. Every table the manifest names must exist with its recorded size. Read-only, each is
    // opened now and stays open (the table cache keeps every reader of a read-only open): a
    // writer beside this open may delete it after a compaction.
    for (ColumnFamily family : families.live()) {
      checkTables(family);
    }
    // 3. Replay the logs at or above the smallest log number of a family, in order. Listed again:
    // beside a running writer (read-only), logs come and go after the first listing.
    long minLog = Long.MAX_VALUE;
    for (ColumnFamily family : families.live()) {
      minLog = Math.min(minLog, family.versions.logNumber());
    }
    List<Long> logs = new ArrayList<>();
    for (String n : fs.list(dir)) {
      FileNames.Parsed p = FileNames.parse(n);
      if (p.kind() == FileNames.Kind.LOG) {
        versions.markFileNumberUsed(p.number());
        if (p.number() >= minLog) {
          logs.add(p.number());
        }
      } else if (p.kind() == FileNames.Kind.TABLE || p.kind() == FileNames.Kind.TEMP) {
        versions.markFileNumberUsed(p.number());
      }
    }
    Collections.sort(logs);
    Map<Integer, FamilyReplay> replays = new HashMap<>();
    for (ColumnFamily family : families.live()) {
      replays.put(family.id, new FamilyReplay(family));
    }
    long maxSequence;
    boolean reuse;
    boolean defer;
    try {
      if (readOnly) {
        // Opened at once, before any replay: a writer beside this open deletes a log once its
        // memtable is flushed, and an open file stays readable after its deletion.
        for (Long n : logs) {
          pinnedLogs.put(n, fs.openRead(FileNames.path(dir, FileNames.log(n))));
        }
        // A log at or above the manifest's log number, or a table it lists, is deleted only after
        // a later edit reaches the manifest: if the manifest is as it was read, every file of
        // this view is now open, and the view is whole. Otherwise a writer moved on meanwhile.
        if (!manifestStateAtRead.equals(manifestStates())) {
          throw new ManifestChangedException();
        }
      }
      long replayStart = System.nanoTime();
      reuseCandidate = closedCleanly(logs);
      deferCandidate = !readOnly && !reuseCandidate && families.live().size() == 1;
      maxSequence = replay(logs, replays);
      reuse = reusable(logs);
      defer = !reuse && deferrable(logs, replays);
      if (!reuse && !defer) {
        for (FamilyReplay r : replays.values()) {
          r.flushRest();
        }
      }
      if (!logs.isEmpty() && !readOnly) {
        // Not read-only: beside a writer, a log replayed a moment ago may be gone already.
        long logBytes = 0;
        for (long n : logs) {
          logBytes += fs.size(FileNames.path(dir, FileNames.log(n)));
        }
        infoLog.info(
            "replayed {} WAL(s), {} bytes, in {} ms ({} ms of it writing {} level-0 table(s)){}",
            logs.size(),
            logBytes,
            (System.nanoTime() - replayStart) / 1_000_000,
            replayTableNanos / 1_000_000,
            replayTables,
            reuse
                ? "; appending to " + FileNames.log(logs.get(logs.size() - 1))
                : defer
                    ? "; " + FileNames.log(logs.get(logs.size() - 1))
                        + "'s memtable is flushed in the background"
                    : "");
      }
    } finally {
      for (ReadableFile f : pinnedLogs.values()) {
        f.close();
      }
      pinnedLogs.clear();
      for (FamilyReplay r : replays.values()) {
        r.close();
      }
    }
    fs.crashPoint(CrashPoint.RECOVERY_AFTER_REPLAY);
    if (readOnly) {
      return new Result(null, 0, maxSequence, Map.copyOf(replayed), Map.of(), Map.of(), null);
    }
    // 4. The WAL to append to: the replayed one when it can be reused, else a fresh one. Then an
    // edit per family recording its replayed tables and the log number; the default family's
    // last, each family's replay is complete on its own.
    long walNumber = reuse ? logs.get(logs.size() - 1) : versions.newFileNumber();
    String walName = FileNames.log(walNumber);
    Path walPath = FileNames.path(dir, walName);
    LogWriter wal =
        new LogWriter(reuse ? fs.openAppend(walPath) : fs.create(walPath), walName);
    Map<Integer, Memtable> reusedActive = new HashMap<>();
    Map<Integer, Memtable> deferred = new HashMap<>();
    RetiredWal deferredWal = null;
    // With the memtable left to the flush worker, the last replayed log stays needed until its
    // table is installed: each family's log number stays at it, and nothing from it is deleted.
    long lastLog = logs.isEmpty() ? walNumber : logs.get(logs.size() - 1);
    long keepFrom = defer ? lastLog : walNumber;
    try {
      if (reuse) {
        // No force here: the close's record says every byte replayed was forced then. Forcing
        // now could not make up for a force that failed before (Linux may mark the pages of a
        // failed writeback clean, and this force would then succeed without writing them).
        for (FamilyReplay r : replays.values()) {
          if (r.mem != null) {
            reusedActive.put(r.family.id, r.mem);
          }
        }
      }
      if (defer) {
        for (FamilyReplay r : replays.values()) {
          if (r.mem != null && !r.mem.isEmpty()) {
            deferred.put(r.family.id, r.mem);
          }
        }
        deferredWal =
            RetiredWal.replayed(
                FileNames.log(lastLog), lastLog, fs.size(FileNames.path(dir, FileNames.log(lastLog))));
      }
      fs.syncDirectory(dir);
      List<ColumnFamily> order = new ArrayList<>(families.live());
      order.add(order.remove(0));
      for (ColumnFamily family : order) {
        VersionEdit edit = replays.get(family.id).edit;
        edit.setLogNumber(deferred.containsKey(family.id) ? lastLog : walNumber);
        edit.setLastSequence(maxSequence);
        family.versions.logAndApply(edit);
      }
      // 5. Delete what nothing refers to any more.
      fs.crashPoint(CrashPoint.RECOVERY_BEFORE_CLEANUP);
      for (ColumnFamily family : families.live()) {
        deleteUnreferenced(family, keepFrom);
      }
      deleteFamilyDirectoriesNotLive();
    } catch (IOException | RuntimeException | Error e) {
      // Until it is returned, the fresh WAL is this method's to close.
      try {
        wal.close();
      } catch (IOException closeFailure) {
        e.addSuppressed(closeFailure);
      }
      throw e;
    }
    return new Result(
        wal,
        walNumber,
        maxSequence,
        Map.of(),
        Map.copyOf(reusedActive),
        Map.copyOf(deferred),
        deferredWal);
  }

  /**
   * Whether a writable open leaves the memtable it replayed to the flush worker instead of writing
   * it to level 0 itself (the open then returns that much sooner; a 64 MiB memtable's table took
   * 0.2 to 0.5 s of a cold open, {@code docs/benchmarks.md} item 29): a database of one family
   * ({@link #deferCandidate}), the last log read to a whole last record with nothing stopping the
   * replay before (a later log must never follow a torn one, which recovery reads as a hole), no
   * table written from the last log's writes (the memtable holds them all, so the log number can
   * stay at that log without a write being replayed twice), and the family's log number not above
   * the last log. The log is then not forced (RetiredWal): sync writes wait for the flush instead.
   */
  private boolean deferrable(List<Long> logs, Map<Integer, FamilyReplay> replays) {
    if (!deferCandidate || logs.isEmpty() || !lastLogEndedCleanly) {
      return false;
    }
    if (replayTables > tablesBeforeLastLog) {
      return false;
    }
    long last = logs.get(logs.size() - 1);
    boolean any = false;
    for (FamilyReplay r : replays.values()) {
      if (r.family.versions.logNumber() > last) {
        return false;
      }
      any |= r.mem != null && !r.mem.isEmpty();
    }
    return any;
  }

  /**
   * Whether a writable open appends to the last log it replayed instead of flushing ({@link
   * Options#reuseLogs}): a clean close recorded that log at its length ({@link #closedCleanly}),
   * it read to a whole last record with nothing stopping the replay before it, no table written
   * from its writes (every family's fit one memtable; the logs before it were flushed when it
   * began, and the edit's log number makes them obsolete), and no family whose log number is
   * above it (that family would skip the log's writes at the next recovery).
   */
  private boolean reusable(List<Long> logs) {
    if (!reuseCandidate || !lastLogEndedCleanly) {
      return false;
    }
    if (replayTables > tablesBeforeLastLog) {
      return false;
    }
    long last = logs.get(logs.size() - 1);
    for (ColumnFamily f : families.live()) {
      if (f.versions.logNumber() > last) {
        return false;
      }
    }
    return true;
  }

  /**
   * Whether a writable open may keep the last log ({@link Options#reuseLogs}): the manifest's last
   * edit is a clean close's record that this log was forced at exactly its present length. After a
   * crash, or a close whose force failed, the log's bytes may be in the page cache only, and
   * nothing read from it can tell; its writes then go to a level-0 table, which is forced whole.
   */
  private boolean closedCleanly(List<Long> logs) throws IOException {
    if (readOnly || !options.reuseLogs() || logs.isEmpty()) {
      return false;
    }
    long last = logs.get(logs.size() - 1);
    return versions.closedCleanlyAt(last, fs.size(FileNames.path(dir, FileNames.log(last))));
  }

  /**
   * Builds and recovers every family the database's manifest names, from its own directory. A
   * family whose directory lost its manifest is damage, not an empty family.
   */
  private void recoverFamilies() throws IOException {
    for (Map.Entry<Integer, String> e : versions.families().entrySet()) {
      ColumnFamily family = familyFactory.create(e.getKey(), e.getValue());
      if (!fs.exists(FileNames.path(family.dir, FileNames.CURRENT))) {
        throw new CorruptionException(
            FileNames.FAMILY_DIR_PREFIX + family.id + "/" + FileNames.CURRENT,
            -1,
            "column family '" + family.name + "' has lost its CURRENT file");
      }
      if (readOnly) {
        // Taken before the read, as the database manifest's was: a writer's change after it
        // shows at the check after the logs are pinned.
        manifestStateAtRead += familyState(family);
        family.versions.recoverReadOnly();
      } else {
        family.versions.recover();
      }
      families.add(family);
    }
  }

  /** One family's part of {@link #manifestStates()}. */
  private static String familyState(ColumnFamily f) throws IOException {
    return ";" + f.id + "=" + f.versions.currentManifestState();
  }

  /** The state of every family's manifest, for a read-only open to tell a writer moved on. */
  private String manifestStates() throws IOException {
    StringBuilder sb = new StringBuilder(versions.currentManifestState());
    for (ColumnFamily f : families.live()) {
      if (f.id != 0) {
        sb.append(familyState(f));
      }
    }
    return sb.toString();
  }

  /**
   * Every table a family's manifest names must exist with its recorded size. Read-only, each is
   * opened now and stays open (the table cache keeps every reader of a read-only open): a writer
   * beside this open may delete it after a compaction.
   */
  private void checkTables(ColumnFamily family) throws IOException {
    for (Level level : family.versions.currentLevels()) {
      if (readOnly) {
        for (FileMetadata f : level.files()) {
          f.acquireTable(family.tables).close();
        }
        continue;
      }
      for (FileMetadata f : level.files()) {
        Path p = FileNames.tablePath(family.dir, f.number());
        if (!fs.exists(p)) {
          throw new CorruptionException(FileNames.table(f.number()), -1, "table file missing");
        }
        long size = fs.size(p);
        if (size != f.fileSize()) {
          throw new CorruptionException(
              FileNames.table(f.number()),
              Math.min(size, f.fileSize()),
              "table file is " + size + " bytes, the manifest says " + f.fileSize());
        }
      }
    }
  }

  private long replay(List<Long> logs, Map<Integer, FamilyReplay> replays) throws IOException {
    // The manifests' last sequence may be above the unflushed logs' writes (a flush records the
    // visible sequence of its moment), so order is checked among replayed records only.
    long manifestSequence = 0;
    for (ColumnFamily f : families.live()) {
      manifestSequence = Math.max(manifestSequence, f.versions.lastSequence());
    }
    long[] maxSeq = {manifestSequence};
    long[] lastReplayed = {-1};
    boolean stopped = false;
    {
      for (int i = 0; i < logs.size() && !stopped; i++) {
        long logNumber = logs.get(i);
        String name = FileNames.log(logs.get(i));
        if (i > 0 && i == logs.size() - 1 && (reuseCandidate || deferCandidate)) {
          for (FamilyReplay r : replays.values()) {
            r.flushAtLastLog();
          }
          tablesBeforeLastLog = replayTables;
        }
        ReadableFile pinned = pinnedLogs.remove(logs.get(i));
        try (ReadableFile file =
            pinned != null ? pinned : fs.openRead(FileNames.path(dir, name))) {
          LogReader reader = new LogReader(file, name);
          byte[] record;
          boolean firstInLog = true;
          while ((record = reader.next()) != null) {
            if (firstInLog && i > 0 && followsHole(record, lastReplayed[0])) {
              // An earlier log lost its tail exactly at a record boundary, which reads as a clean
              // end: its memtable's WAL is forced only before its flush or a sync write, so a power
              // loss can keep a later log's writes but not an earlier log's tail. None of the lost
              // writes was acknowledged as durable; recover the prefix only.
              infoLog.warn(
                  "{}: first write {} follows a hole ({}): recovery ends",
                  name,
                  WriteBatchCodec.firstSequence(record),
                  lastReplayed[0] < 0
                      ? "the earlier logs hold no write"
                      : "the last replayed write is " + lastReplayed[0]);
              stopped = true;
              break;
            }
            firstInLog = false;
            if (lastReplayed[0] < 0
                && record.length >= WalFormat.BATCH_HEADER_SIZE
                && WriteBatchCodec.firstSequence(record) > manifestSequence + 1
                && versions.recoveredManifest() != null) {
              // Every write below the first one a WAL holds is in a table the manifest names, and
              // every edit records a last sequence at least as high: a gap means the manifest lost
              // records (a damaged tail read as a torn one) and with them tables.
              throw new CorruptionException(
                  versions.recoveredManifest(),
                  -1,
                  "the manifest's last sequence "
                      + manifestSequence
                      + " is below the first logged write "
                      + WriteBatchCodec.firstSequence(record)
                      + " in "
                      + name
                      + ": the manifest lost records");
            }
            if (record.length >= WalFormat.BATCH_HEADER_SIZE
                && WriteBatchCodec.firstSequence(record) <= lastReplayed[0]) {
              throw new CorruptionException(
                  name,
                  reader.recordOffset(),
                  "batch sequence "
                      + WriteBatchCodec.firstSequence(record)
                      + " is not above the last recovered "
                      + lastReplayed[0]);
            }
            try {
              decode(record, name, reader.recordOffset(), logNumber, replays, maxSeq, lastReplayed);
            } catch (java.io.UncheckedIOException e) {
              throw e.getCause();
            }
            if (WriteBatchCodec.count(record) == 0) {
              // An unlogged marker: every write up to its sequence is replayed, and the writes
              // after it until the next batch skipped the WAL (WriteOptions.disableWal), so the
              // next batch may start above the last replayed write plus one.
              lastReplayed[0] =
                  Math.max(lastReplayed[0], WriteBatchCodec.firstSequence(record) - 1);
            }
          }
          if (reader.tornTailOffset() >= 0) {
            infoLog.warn("{}: torn tail at offset {} ends recovery", name, reader.tornTailOffset());
            if (i < logs.size() - 1) {
              // A later log's writes would follow a hole: recover the prefix only.
              stopped = true;
            }
          } else if (!stopped && i == logs.size() - 1) {
            lastLogEndedCleanly = true;
          }
        } catch (CorruptionException e) {
          if (options.walRecoveryMode() != WalRecoveryMode.POINT_IN_TIME) {
            throw e;
          }
          infoLog.warn("point-in-time recovery stops at {}", e.getMessage());
          stopped = true;
        }
      }
    }
    for (FamilyReplay r : replays.values()) {
      r.drain();
    }
    return maxSeq[0];
  }

  /**
   * Applies one record's operations to their families' replays: not those of a dropped family, nor
   * a family's writes its tables already hold (in a log below its log number).
   */
  private static void decode(
      byte[] record,
      String name,
      long offset,
      long logNumber,
      Map<Integer, FamilyReplay> replays,
      long[] maxSeq,
      long[] lastReplayed) {
    WriteBatchCodec.decode(
        record,
        name,
        offset,
        (WriteBatchCodec.FamilyHandler)
            (seq, familyId, kind, key, value) -> {
              FamilyReplay r = replays.get(familyId);
              if (r != null && logNumber >= r.family.versions.logNumber()) {
                try {
                  r.add(seq, kind, key, value);
                } catch (IOException e) {
                  throw new java.io.UncheckedIOException(e);
                }
              }
              maxSeq[0] = Math.max(maxSeq[0], seq);
              lastReplayed[0] = seq;
            });
  }

  /**
   * Whether the first record of a log that is not the oldest follows lost writes: no earlier log
   * of this replay held a write, or its batch starts above the last replayed write plus one.
   * Sequences are handed out without gaps and logged in order, and every log but the newest took
   * at least one write (a memtable is switched only when it is not empty), so either case means
   * an earlier log lost its tail. The manifest's last sequence is no baseline: a flush records the
   * visible sequence of its moment, which may include writes of these very logs.
   */
  private static boolean followsHole(byte[] record, long lastReplayed) {
    if (record.length < WalFormat.BATCH_HEADER_SIZE) {
      return false;
    }
    return lastReplayed < 0 || WriteBatchCodec.firstSequence(record) > lastReplayed + 1;
  }

  private void flushReplayed(FamilyReplay r, Memtable mem) throws IOException {
    if (readOnly) {
      replayed.computeIfAbsent(r.family.id, k -> new ArrayList<>()).add(mem);
      return;
    }
    long start = System.nanoTime();
    FileMetadata f = flusher.flush(r.family, mem);
    replayTableNanos += System.nanoTime() - start;
    if (f != null) {
      replayTables++;
      r.edit.addFile(0, f);
    }
  }

  /**
   * Deletes the directory of every family that is not live: dropped, or created by a crash that
   * came before the manifest recorded it.
   */
  private void deleteFamilyDirectoriesNotLive() throws IOException {
    for (String n : fs.list(dir)) {
      int id = FileNames.parseFamilyDir(n);
      if (id > 0 && families.byId(id) == null) {
        deleteFamilyDirectory(fs, FileNames.familyDir(dir, id));
      }
    }
  }

  /** Deletes a family's directory and the files in it (it has no subdirectories). */
  static void deleteFamilyDirectory(FileSystem fs, Path familyDir) throws IOException {
    if (!fs.exists(familyDir)) {
      return;
    }
    for (String f : fs.list(familyDir)) {
      fs.crashPoint(CrashPoint.OBSOLETE_BEFORE_DELETE);
      fs.delete(familyDir.resolve(f));
    }
    fs.delete(familyDir);
    fs.syncDirectory(familyDir.getParent());
  }

  private void deleteUnreferenced(ColumnFamily family, long liveWal) throws IOException {
    VersionSet versions = family.versions;
    Path dir = family.dir;
    TableCache tables = family.tables;
    Set<Long> liveTables = versions.liveTableNumbers();
    long liveManifest = versions.manifestNumber();
    for (String n : fs.list(dir)) {
      FileNames.Parsed p = FileNames.parse(n);
      boolean obsolete;
      switch (p.kind()) {
        case LOG:
          obsolete = p.number() < liveWal;
          break;
        case TABLE:
          obsolete = !liveTables.contains(p.number());
          break;
        case MANIFEST:
          obsolete = p.number() != liveManifest;
          break;
        case TEMP:
          obsolete = true;
          break;
        default:
          obsolete = false;
      }
      if (obsolete) {
        tables.evict(p.number());
        fs.crashPoint(CrashPoint.OBSOLETE_BEFORE_DELETE);
        fs.delete(FileNames.path(dir, n));
        fs.crashPoint(CrashPoint.OBSOLETE_AFTER_DELETE);
      }
    }
  }
}
