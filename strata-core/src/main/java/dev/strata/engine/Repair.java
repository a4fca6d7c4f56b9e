package dev.strata.engine;

import dev.strata.CorruptionException;
import dev.strata.Options;
import dev.strata.RepairReport;
import dev.strata.StrataException;
import dev.strata.compaction.RepairJob;
import dev.strata.key.FragmentedRangeTombstones;
import dev.strata.key.RangeTombstone;
import dev.strata.fs.FileLockHandle;
import dev.strata.fs.FileSystem;
import dev.strata.fs.ReadableFile;
import dev.strata.key.InternalIterator;
import dev.strata.key.ValueKind;
import dev.strata.memtable.Memtable;
import dev.strata.memtable.SkipListMemtable;
import dev.strata.sstable.BlockCache;
import dev.strata.sstable.SalvagingTableIterator;
import dev.strata.sstable.TableCache;
import dev.strata.sstable.TableReader;
import dev.strata.version.FileMetadata;
import dev.strata.version.FileNames;
import dev.strata.version.ManifestContents;
import dev.strata.version.VersionEdit;
import dev.strata.version.VersionSet;
import dev.strata.wal.LogReader;
import dev.strata.wal.LogWriter;
import dev.strata.wal.WriteBatchCodec;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rebuilds a consistent database from whatever of a damaged one can be read, as RocksDB's {@code
 * RepairDB} does, without trusting its manifest or {@code CURRENT}:
 *
 * <ol>
 *   <li>every table is read block by block ({@link SalvagingTableIterator}); a block that fails a
 *       check is skipped and its key range reported, a table whose footer, index or meta blocks
 *       fail is unreadable;
 *   <li>every WAL is replayed into memory up to its first bad record;
 *   <li>all of it is merged ({@link RepairJob}): the newest version of each key, tombstones
 *       dropped, written as new tables for the bottom level;
 *   <li>an empty WAL and a manifest naming only the new tables are written, and {@code CURRENT} is
 *       switched to it in one atomic rename: a crash before it leaves the database as it was,
 *       and repair can run again;
 *   <li>in place, what could not be read whole (partial or unreadable tables, truncated WALs, the
 *       old manifests) moves to {@code lost/}; what was read whole is deleted.
 * </ol>
 *
 * <p>Salvage runs steps 1 to 4 into another, empty directory and leaves the source untouched.
 * Versions lost with an unreadable block of a newer table can let an older version of the same key
 * show again; the report's lost ranges say where to look. Confined to the calling thread; holds the
 * target's directory lock throughout.
 */
final class Repair {
  private static final Logger LOG = LoggerFactory.getLogger(Repair.class);
  private static final String LOST_DIR = "lost";
  private static final HexFormat HEX = HexFormat.of();

  /** The range tombstones of every table and log read, applied by the merge. */
  private final List<RangeTombstone> rangeTombstones = new ArrayList<>();

  private final FileSystem fs;
  private final Path source;
  private final Path target;
  private final Options options;
  private final boolean inPlace;
  private final AtomicLong nextFileNumber = new AtomicLong(2);

  private final List<String> tablesRead = new ArrayList<>();
  private final List<String> tablesPartial = new ArrayList<>();
  private final List<String> tablesUnreadable = new ArrayList<>();
  private final List<String> logsRead = new ArrayList<>();
  private final List<String> logsTruncated = new ArrayList<>();
  private final List<String> lostRanges = new ArrayList<>();
  private final List<String> movedToLost = new ArrayList<>();

  private Repair(Path source, Path target, Options options) {
    this.fs = options.fileSystem();
    this.source = source;
    this.target = target;
    this.options = options;
    this.inPlace = source.equals(target);
  }

  /** See {@link dev.strata.StrataDB#repair}. */
  static RepairReport repair(Path dir, Options options) {
    return new Repair(dir, dir, options).run();
  }

  /** See {@link dev.strata.StrataDB#salvage}. */
  static RepairReport salvage(Path from, Path to, Options options) {
    if (from.toAbsolutePath().normalize().equals(to.toAbsolutePath().normalize())) {
      throw new IllegalArgumentException("salvage needs another directory than " + from);
    }
    return new Repair(from, to, options).run();
  }

  private RepairReport run() {
    FileLockHandle lock;
    try {
      if (!fs.exists(source)) {
        throw new StrataException("database directory " + source + " does not exist");
      }
      if (!inPlace) {
        if (fs.exists(target) && !fs.list(target).isEmpty()) {
          throw new StrataException("salvage target " + target + " is not empty");
        }
        fs.createDirectories(target);
      }
      lock = fs.lock(FileNames.path(target, FileNames.LOCK));
    } catch (IOException e) {
      throw new StrataException("cannot repair " + source + ": " + e.getMessage(), e);
    }
    try {
      return runLocked();
    } catch (IOException e) {
      throw new StrataException("repair of " + source + " failed: " + e.getMessage(), e);
    } finally {
      try {
        lock.close();
      } catch (IOException e) {
        LOG.warn("releasing the lock of {}", target, e);
      }
    }
  }

  private RepairReport runLocked() throws IOException {
    List<String> names = new ArrayList<>(fs.list(source));
    Collections.sort(names);
    List<Long> tableNumbers = new ArrayList<>();
    List<Long> logNumbers = new ArrayList<>();
    List<String> others = new ArrayList<>();
    for (String n : names) {
      FileNames.Parsed p = FileNames.parse(n);
      switch (p.kind()) {
        case TABLE -> tableNumbers.add(p.number());
        case LOG -> logNumbers.add(p.number());
        case MANIFEST, TEMP -> others.add(n);
        default -> {}
      }
      if (p.number() > 0) {
        nextFileNumber.accumulateAndGet(p.number() + 1, Math::max);
      }
    }
    Collections.sort(logNumbers);
    Map<Long, Long> named = tablesNamedByNewestManifest(others);
    for (long n : named.keySet()) {
      // Never reuse a number the old manifest gave a table, even one now missing.
      nextFileNumber.accumulateAndGet(n + 1, Math::max);
      if (!tableNumbers.contains(n)) {
        tablesUnreadable.add(FileNames.table(n) + ": missing, though the manifest names it");
      }
    }
    BlockCache noCache = BlockCache.create(0);
    List<TableReader> readers = new ArrayList<>();
    List<InternalIterator> sources = new ArrayList<>();
    List<String> partial = new ArrayList<>();
    try {
      for (long n : tableNumbers) {
        openTable(n, named.getOrDefault(n, 0L), noCache, readers, sources, partial);
      }
      for (long n : logNumbers) {
        replayLog(n, sources);
      }
      RepairJob.Result merged =
          RepairJob.run(
              sources,
              FragmentedRangeTombstones.of(rangeTombstones),
              fs,
              target,
              nextFileNumber::getAndIncrement,
              DbImpl.tableOptions(options),
              options.targetFileSizeBytes());
      sources.clear();
      // The reports of blocks lost are complete once the merge has read every table.
      for (String table : partial) {
        tablesRead.remove(table);
        tablesPartial.add(table);
      }
      installLocked(merged, noCache);
      if (inPlace) {
        cleanUp(tableNumbers, logNumbers, others);
      }
      return new RepairReport(
          tablesRead,
          tablesPartial,
          tablesUnreadable,
          logsRead,
          logsTruncated,
          lostRanges,
          merged.entriesWritten(),
          merged.outputs().size(),
          movedToLost);
    } finally {
      for (InternalIterator it : sources) {
        it.close();
      }
      for (TableReader r : readers) {
        r.close();
      }
    }
  }

  /**
   * The tables the newest manifest names, read as far as it can be, with the global sequence of
   * each ingested one (0 for the others): to report tables that are missing, since their keys are
   * lost without a trace in any other file, and to read ingested tables at their sequences. Empty
   * if no manifest can be read at all.
   */
  private Map<Long, Long> tablesNamedByNewestManifest(List<String> others) {
    String newest = null;
    for (String n : others) {
      if (FileNames.parse(n).kind() == FileNames.Kind.MANIFEST
          && (newest == null || FileNames.parse(n).number() > FileNames.parse(newest).number())) {
        newest = n;
      }
    }
    if (newest == null) {
      return Map.of();
    }
    Map<Long, Long> live = new java.util.TreeMap<>();
    try {
      // A damaged manifest is the usual reason to repair: what was read up to a failure counts.
      ManifestContents m = ManifestContents.read(fs, source, newest);
      for (Map<Long, FileMetadata> level : m.levels()) {
        for (FileMetadata f : level.values()) {
          live.put(f.number(), f.globalSequence());
        }
      }
    } catch (IOException | RuntimeException e) {
      LOG.info("repair: {} could not be read: {}", newest, e.toString());
    }
    return live;
  }

  /**
   * Opens table {@code n} for salvage, at {@code globalSequence} if the manifest ingested it, or
   * records it unreadable. An ingested table no readable manifest names is unreadable too: its
   * entries' place in the write order is lost with the manifest, and guessing it could let its
   * values shadow newer ones or be shadowed by older ones.
   */
  private void openTable(
      long n,
      long globalSequence,
      BlockCache cache,
      List<TableReader> readers,
      List<InternalIterator> sources,
      List<String> partial)
      throws IOException {
    String name = FileNames.table(n);
    Path path = FileNames.path(source, name);
    TableReader reader;
    try {
      reader =
          TableReader.open(
              fs.openRead(path),
              name,
              fs.size(path),
              cache,
              dev.strata.sstable.TableReadStats.NONE,
              globalSequence);
      if (globalSequence == 0 && reader.properties().isExternal()) {
        reader.close();
        throw new CorruptionException(
            name,
            -1,
            "an ingested table whose sequence no readable manifest records; its place in the"
                + " write order is unknown");
      }
    } catch (CorruptionException e) {
      LOG.warn("repair: table {} is unreadable: {}", name, e.getMessage());
      tablesUnreadable.add(name + ": " + e.getMessage());
      return;
    }
    readers.add(reader);
    tablesRead.add(name);
    rangeTombstones.addAll(reader.rangeTombstones().toTombstones());
    sources.add(
        new SalvagingTableIterator(
            reader,
            lost -> {
              if (!partial.contains(name)) {
                partial.add(name);
              }
              lostRanges.add(
                  name
                      + " at "
                      + lost.offset()
                      + ": keys after "
                      + (lost.afterKey() == null ? "the start" : HEX.formatHex(lost.afterKey()))
                      + " up to and including "
                      + HEX.formatHex(lost.upToKey())
                      + " ("
                      + lost.reason()
                      + ")");
            }));
  }

  private record LoggedOp(long sequence, ValueKind kind, byte[] key, byte[] value) {}

  /** Replays WAL {@code n} into memtables up to its first bad record. */
  private void replayLog(long n, List<InternalIterator> sources) throws IOException {
    String name = FileNames.log(n);
    Memtable[] mem = {newMemtable()};
    List<Memtable> filled = new ArrayList<>();
    String truncated = null;
    try (ReadableFile file = fs.openRead(FileNames.path(source, name))) {
      LogReader reader = new LogReader(file, name);
      byte[] record;
      while (true) {
        try {
          record = reader.next();
          if (record == null) {
            break;
          }
          // Decoded in full before anything of it is applied: a batch is all or nothing.
          List<LoggedOp> ops = new ArrayList<>();
          WriteBatchCodec.decode(
              record,
              name,
              reader.recordOffset(),
              (seq, kind, key, value) -> ops.add(new LoggedOp(seq, kind, key, value)));
          for (LoggedOp op : ops) {
            mem[0].add(op.sequence(), op.kind(), op.key(), op.value());
          }
        } catch (CorruptionException e) {
          truncated = name + " at " + e.offset() + ": " + e.getMessage();
          break;
        }
        if (mem[0].isFull()) {
          filled.add(mem[0]);
          mem[0] = newMemtable();
        }
      }
      if (truncated == null && reader.tornTailOffset() >= 0) {
        truncated = name + " at " + reader.tornTailOffset() + ": torn tail";
      }
    }
    filled.add(mem[0]);
    for (Memtable m : filled) {
      if (!m.isEmpty()) {
        sources.add(m.newIterator());
        rangeTombstones.addAll(m.rangeTombstones().toTombstones());
      }
    }
    if (truncated == null) {
      logsRead.add(name);
    } else {
      LOG.warn("repair: {}", truncated);
      logsTruncated.add(truncated);
    }
  }

  private Memtable newMemtable() {
    return new SkipListMemtable(options.memtableSizeBytes());
  }

  /**
   * Writes an empty WAL and a manifest naming only {@code merged}'s tables at the bottom level,
   * then points CURRENT at it (the one step that changes what an open sees).
   */
  private void installLocked(RepairJob.Result merged, BlockCache cache) throws IOException {
    long walNumber = nextFileNumber.getAndIncrement();
    String walName = FileNames.log(walNumber);
    new LogWriter(fs.create(FileNames.path(target, walName)), walName).close();
    fs.syncDirectory(target);
    try (TableCache tables =
        new TableCache(fs, n -> FileNames.tablePath(target, n), cache, 16)) {
      VersionSet versions = new VersionSet(target, fs, tables, f -> {});
      versions.markFileNumberUsed(nextFileNumber.get());
      VersionEdit edit = new VersionEdit();
      for (FileMetadata f : merged.outputs()) {
        edit.addFile(VersionSet.NUM_LEVELS - 1, f);
      }
      edit.setLogNumber(walNumber);
      edit.setLastSequence(merged.maxSequence());
      versions.createWith(edit);
      versions.close();
    }
  }

  /**
   * In place, after the new manifest is live: moves what was not read whole to {@code lost/} and
   * deletes what was (the next open would delete it anyway, as unreferenced).
   */
  private void cleanUp(List<Long> tableNumbers, List<Long> logNumbers, List<String> others)
      throws IOException {
    Path lost = source.resolve(LOST_DIR);
    List<String> keep = new ArrayList<>(others);
    for (String entry : tablesPartial) {
      keep.add(entry);
    }
    for (String entry : tablesUnreadable) {
      String name = entry.substring(0, entry.indexOf(':'));
      if (fs.exists(source.resolve(name))) {
        keep.add(name);
      }
    }
    for (String entry : logsTruncated) {
      keep.add(entry.substring(0, entry.indexOf(' ')));
    }
    for (String name : keep) {
      fs.createDirectories(lost);
      fs.rename(source.resolve(name), lost.resolve(name));
      movedToLost.add(name);
    }
    for (long n : tableNumbers) {
      if (!movedToLost.contains(FileNames.table(n))) {
        fs.delete(FileNames.tablePath(source, n));
      }
    }
    for (long n : logNumbers) {
      if (!movedToLost.contains(FileNames.log(n))) {
        fs.delete(FileNames.path(source, FileNames.log(n)));
      }
    }
    if (!movedToLost.isEmpty()) {
      fs.syncDirectory(lost);
    }
    fs.syncDirectory(source);
    if (!movedToLost.isEmpty()) {
      LOG.warn("repair of {} moved {} to {}", source, movedToLost, lost);
    }
  }
}
