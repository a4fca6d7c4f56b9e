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
import java.util.Set;
import java.util.function.Supplier;

/**
 * Opening a database: create it or rebuild its levels from the manifest, check that every table
 * the manifest names exists, replay the WALs not yet flushed into level-0 tables, start a fresh
 * WAL, record all of it in one manifest edit, and delete files nothing refers to (leftovers of a
 * crash). Runs once, in the opening thread, before any other thread sees the database.
 *
 * <p>Replay never invents or reorders writes: records are applied in log order, every batch must
 * carry sequences above everything before it, and replay stops for good at a torn tail of a log
 * that is not the last (later logs would otherwise leave a hole), at a later log whose first write
 * does not follow the last replayed one (an earlier log lost its tail at a record boundary), or,
 * in {@link WalRecoveryMode#POINT_IN_TIME} mode, at the first damaged record.
 */
final class Recovery {

  /**
   * What recovery built: the fresh WAL and its number (null and 0 for a read-only open), the last
   * recovered sequence, and, for a read-only open, the memtables replayed from the WALs, oldest
   * first (a writable open flushes them to level 0 instead).
   */
  record Result(LogWriter wal, long walNumber, long lastSequence, List<Memtable> replayed) {}

  /** Writes a replayed memtable as a level-0 table; null if it holds nothing. */
  interface Flusher {
    FileMetadata flush(Memtable mem) throws IOException;
  }

  private final FileSystem fs;
  private final Path dir;
  private final Options options;
  private final VersionSet versions;
  private final TableCache tables;
  private final Supplier<Memtable> newMemtable;
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

  /** Read-only: memtables replayed from the WALs, oldest first. */
  private final List<Memtable> replayed = new ArrayList<>();

  Recovery(
      Path dir,
      Options options,
      VersionSet versions,
      TableCache tables,
      Supplier<Memtable> newMemtable,
      Flusher flusher,
      boolean readOnly,
      InfoLog infoLog) {
    this.readOnly = readOnly;
    this.infoLog = infoLog;
    this.fs = options.fileSystem();
    this.dir = dir;
    this.options = options;
    this.versions = versions;
    this.tables = tables;
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
    }
    // 2. Every table the manifest names must exist with its recorded size. Read-only, each is
    // opened now and stays open (the table cache keeps every reader of a read-only open): a
    // writer beside this open may delete it after a compaction.
    for (Level level : versions.currentLevels()) {
      if (readOnly) {
        for (FileMetadata f : level.files()) {
          tables.acquire(f.number(), f.fileSize(), f.globalSequence()).close();
        }
        continue;
      }
      for (FileMetadata f : level.files()) {
        Path p = FileNames.tablePath(dir, f.number());
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
    // 3. Replay the logs at or above the manifest's log number, in order. Listed again: beside a
    // running writer (read-only), logs come and go after the first listing.
    List<Long> logs = new ArrayList<>();
    for (String n : fs.list(dir)) {
      FileNames.Parsed p = FileNames.parse(n);
      if (p.kind() == FileNames.Kind.LOG) {
        versions.markFileNumberUsed(p.number());
        if (p.number() >= versions.logNumber()) {
          logs.add(p.number());
        }
      } else if (p.kind() == FileNames.Kind.TABLE || p.kind() == FileNames.Kind.TEMP) {
        versions.markFileNumberUsed(p.number());
      }
    }
    Collections.sort(logs);
    VersionEdit edit = new VersionEdit();
    long maxSequence;
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
        if (!manifestStateAtRead.equals(versions.currentManifestState())) {
          throw new ManifestChangedException();
        }
      }
      maxSequence = replay(logs, edit);
    } finally {
      for (ReadableFile f : pinnedLogs.values()) {
        f.close();
      }
      pinnedLogs.clear();
    }
    fs.crashPoint(CrashPoint.RECOVERY_AFTER_REPLAY);
    if (readOnly) {
      return new Result(null, 0, maxSequence, List.copyOf(replayed));
    }
    // 4. A fresh WAL, and one edit recording the replayed tables and the new log number.
    long walNumber = versions.newFileNumber();
    String walName = FileNames.log(walNumber);
    LogWriter wal = new LogWriter(fs.create(FileNames.path(dir, walName)), walName);
    try {
      fs.syncDirectory(dir);
      edit.setLogNumber(walNumber);
      edit.setLastSequence(maxSequence);
      versions.logAndApply(edit);
      // 5. Delete what nothing refers to any more.
      fs.crashPoint(CrashPoint.RECOVERY_BEFORE_CLEANUP);
      deleteUnreferenced(walNumber);
    } catch (IOException | RuntimeException | Error e) {
      // Until it is returned, the fresh WAL is this method's to close.
      try {
        wal.close();
      } catch (IOException closeFailure) {
        e.addSuppressed(closeFailure);
      }
      throw e;
    }
    return new Result(wal, walNumber, maxSequence, List.of());
  }

  private long replay(List<Long> logs, VersionEdit edit) throws IOException {
    // The manifest's last sequence may be above the unflushed logs' writes (a flush records the
    // visible sequence of its moment), so order is checked among replayed records only.
    long[] maxSeq = {versions.lastSequence()};
    long[] lastReplayed = {-1};
    Memtable[] mem = {newMemtable.get()};
    boolean stopped = false;
    try (ReplayInserter inserter =
        new ReplayInserter(ReplayInserter.defaultThreads(), options.memtableSizeBytes())) {
      for (int i = 0; i < logs.size() && !stopped; i++) {
        String name = FileNames.log(logs.get(i));
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
                && WriteBatchCodec.firstSequence(record) > versions.lastSequence() + 1
                && versions.recoveredManifest() != null) {
              // Every write below the first one a WAL holds is in a table the manifest names, and
              // every edit records a last sequence at least as high: a gap means the manifest lost
              // records (a damaged tail read as a torn one) and with them tables.
              throw new CorruptionException(
                  versions.recoveredManifest(),
                  -1,
                  "the manifest's last sequence "
                      + versions.lastSequence()
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
            WriteBatchCodec.decode(
                record,
                name,
                reader.recordOffset(),
                (seq, kind, key, value) -> {
                  inserter.add(seq, kind, key, value);
                  maxSeq[0] = Math.max(maxSeq[0], seq);
                  lastReplayed[0] = seq;
                });
            if (WriteBatchCodec.count(record) == 0) {
              // An unlogged marker: every write up to its sequence is replayed, and the writes
              // after it until the next batch skipped the WAL (WriteOptions.disableWal), so the
              // next batch may start above the last replayed write plus one.
              lastReplayed[0] =
                  Math.max(lastReplayed[0], WriteBatchCodec.firstSequence(record) - 1);
            }
            if (inserter.chunkFull()) {
              inserter.drainInto(mem[0]);
              if (mem[0].isFull()) {
                flushReplayed(mem[0], edit);
                mem[0] = newMemtable.get();
              }
            }
          }
          if (reader.tornTailOffset() >= 0) {
            infoLog.warn("{}: torn tail at offset {} ends recovery", name, reader.tornTailOffset());
            if (i < logs.size() - 1) {
              // A later log's writes would follow a hole: recover the prefix only.
              stopped = true;
            }
          }
        } catch (CorruptionException e) {
          if (options.walRecoveryMode() != WalRecoveryMode.POINT_IN_TIME) {
            throw e;
          }
          infoLog.warn("point-in-time recovery stops at {}", e.getMessage());
          stopped = true;
        }
      }
      inserter.drainInto(mem[0]);
    }
    if (!mem[0].isEmpty()) {
      flushReplayed(mem[0], edit);
    }
    return maxSeq[0];
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

  private void flushReplayed(Memtable mem, VersionEdit edit) throws IOException {
    if (readOnly) {
      replayed.add(mem);
      return;
    }
    FileMetadata f = flusher.flush(mem);
    if (f != null) {
      edit.addFile(0, f);
    }
  }

  private void deleteUnreferenced(long liveWal) throws IOException {
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
