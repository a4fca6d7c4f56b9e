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

  private final FileSystem fs;
  private final Path source;
  private final Path target;
  private final Options options;
  private final boolean inPlace;

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

  /**
   * One column family's part of a repair: its directory in the source and the target, its tables,
   * and what was read of them and of the WALs' operations for it. The default family's part is
   * the database's directory.
   */
  private final class Part {
    final int id;
    final String name;
    final Path from;
    final Path to;
    /** "" for the default family, {@code cf-<id>/} for the others: how reports name its files. */
    final String prefix;
    final AtomicLong nextFileNumber = new AtomicLong(2);
    final List<Long> tableNumbers = new ArrayList<>();
    final List<String> others = new ArrayList<>();
    final List<InternalIterator> sources = new ArrayList<>();
    final List<String> partial = new ArrayList<>();
    final List<RangeTombstone> rangeTombstones = new ArrayList<>();
    Map<Long, Long> named = Map.of();
    RepairJob.Result merged;

    Part(int id, String name) {
      this.id = id;
      this.name = name;
      this.from = id == 0 ? source : FileNames.familyDir(source, id);
      this.to = id == 0 ? target : FileNames.familyDir(target, id);
      this.prefix = id == 0 ? "" : FileNames.FAMILY_DIR_PREFIX + id + "/";
    }

    /** Lists the part's files and reads which tables its newest manifest names. */
    void list(List<Long> logNumbers, List<Integer> familyDirs) throws IOException {
      List<String> names = new ArrayList<>(fs.list(from));
      Collections.sort(names);
      for (String n : names) {
        FileNames.Parsed p = FileNames.parse(n);
        switch (p.kind()) {
          case TABLE -> tableNumbers.add(p.number());
          case LOG -> {
            if (id == 0) {
              logNumbers.add(p.number());
            }
          }
          case MANIFEST, TEMP -> others.add(n);
          default -> {
            int family = FileNames.parseFamilyDir(n);
            if (id == 0 && family > 0) {
              familyDirs.add(family);
            }
          }
        }
        if (p.number() > 0) {
          nextFileNumber.accumulateAndGet(p.number() + 1, Math::max);
        }
      }
      named = tablesNamedByNewestManifest(this);
      for (long n : named.keySet()) {
        // Never reuse a number the old manifest gave a table, even one now missing.
        nextFileNumber.accumulateAndGet(n + 1, Math::max);
        if (!tableNumbers.contains(n)) {
          tablesUnreadable.add(
              prefix + FileNames.table(n) + ": missing, though the manifest names it");
        }
      }
    }
  }

  /** The live families the newest readable manifest of the database names; null if none reads. */
  private Map<Integer, String> familiesOfNewestManifest;

  private RepairReport runLocked() throws IOException {
    Part main = new Part(0, dev.strata.ColumnFamilyHandle.DEFAULT_NAME);
    List<Long> logNumbers = new ArrayList<>();
    List<Integer> familyDirs = new ArrayList<>();
    main.list(logNumbers, familyDirs);
    Collections.sort(logNumbers);
    // The families: those the newest readable manifest names (a directory it does not name is a
    // dropped family's, whose files wait for deletion); if no manifest reads, every directory,
    // named after itself.
    Map<Integer, Part> parts = new java.util.TreeMap<>();
    parts.put(0, main);
    Collections.sort(familyDirs);
    for (int id : familyDirs) {
      String name;
      if (familiesOfNewestManifest == null) {
        name = FileNames.FAMILY_DIR_PREFIX + id;
      } else {
        name = familiesOfNewestManifest.get(id);
        if (name == null) {
          continue;
        }
      }
      Part part = new Part(id, name);
      part.list(logNumbers, familyDirs);
      parts.put(id, part);
    }
    if (familiesOfNewestManifest != null) {
      for (Map.Entry<Integer, String> e : familiesOfNewestManifest.entrySet()) {
        if (!parts.containsKey(e.getKey())) {
          tablesUnreadable.add(
              FileNames.FAMILY_DIR_PREFIX + e.getKey() + ": the directory of column family '"
                  + e.getValue() + "' is missing");
        }
      }
    }
    BlockCache noCache = BlockCache.create(0);
    List<TableReader> readers = new ArrayList<>();
    long entries = 0;
    int tables = 0;
    try {
      for (Part part : parts.values()) {
        for (long n : part.tableNumbers) {
          openTable(part, n, part.named.getOrDefault(n, 0L), noCache, readers);
        }
      }
      for (long n : logNumbers) {
        replayLog(n, parts);
      }
      for (Part part : parts.values()) {
        if (!inPlace && part.id != 0) {
          fs.createDirectories(part.to);
        }
        part.merged =
            RepairJob.run(
                part.sources,
                FragmentedRangeTombstones.of(part.rangeTombstones),
                fs,
                part.to,
                part.nextFileNumber::getAndIncrement,
                DbImpl.tableOptions(familyOptions(part)),
                options.targetFileSizeBytes());
        part.sources.clear();
        entries += part.merged.entriesWritten();
        tables += part.merged.outputs().size();
        // The reports of blocks lost are complete once the merge has read every table.
        for (String table : part.partial) {
          tablesRead.remove(table);
          tablesPartial.add(table);
        }
      }
      installLocked(parts, noCache);
      if (inPlace) {
        for (Part part : parts.values()) {
          cleanUp(part, logNumbers);
        }
      }
      return new RepairReport(
          tablesRead,
          tablesPartial,
          tablesUnreadable,
          logsRead,
          logsTruncated,
          lostRanges,
          entries,
          tables,
          movedToLost);
    } finally {
      for (Part part : parts.values()) {
        for (InternalIterator it : part.sources) {
          it.close();
        }
      }
      for (TableReader r : readers) {
        r.close();
      }
    }
  }

  /** The options a family's new tables are written with: its own, if the options name them. */
  private Options familyOptions(Part part) {
    if (part.id == 0) {
      return options;
    }
    dev.strata.ColumnFamilyOptions cfo = options.columnFamilyOptions(part.name);
    return (cfo == null ? dev.strata.ColumnFamilyOptions.defaults() : cfo).applyTo(options);
  }

  /**
   * The tables the part's newest manifest names, read as far as it can be, with the global sequence
   * of each ingested one (0 for the others): to report tables that are missing, since their keys
   * are lost without a trace in any other file, and to read ingested tables at their sequences.
   * Empty if no manifest can be read at all. For the default family, also the families it names.
   */
  private Map<Long, Long> tablesNamedByNewestManifest(Part part) {
    String newest = null;
    for (String n : part.others) {
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
      ManifestContents m = ManifestContents.read(fs, part.from, newest);
      for (Map<Long, FileMetadata> level : m.levels()) {
        for (FileMetadata f : level.values()) {
          live.put(f.number(), f.globalSequence());
        }
      }
      if (part.id == 0) {
        familiesOfNewestManifest = new java.util.TreeMap<>(m.families());
        nextFamilyId = Math.max(nextFamilyId, m.maxFamilyId());
      }
    } catch (IOException | RuntimeException e) {
      LOG.info("repair: {}{} could not be read: {}", part.prefix, newest, e.toString());
    }
    return live;
  }

  /** The largest family id a manifest or directory shows. */
  private int nextFamilyId;

  /**
   * Opens table {@code n} for salvage, at {@code globalSequence} if the manifest ingested it, or
   * records it unreadable. An ingested table no readable manifest names is unreadable too: its
   * entries' place in the write order is lost with the manifest, and guessing it could let its
   * values shadow newer ones or be shadowed by older ones.
   */
  private void openTable(
      Part part, long n, long globalSequence, BlockCache cache, List<TableReader> readers)
      throws IOException {
    String name = part.prefix + FileNames.table(n);
    Path path = FileNames.tablePath(part.from, n);
    List<InternalIterator> sources = part.sources;
    List<String> partial = part.partial;
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
    part.rangeTombstones.addAll(reader.rangeTombstones().toTombstones());
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

  private record LoggedOp(long sequence, int family, ValueKind kind, byte[] key, byte[] value) {}

  /**
   * Replays WAL {@code n} into memtables of each family's part up to its first bad record; the
   * operations of a family no part stands for (dropped) are left out.
   */
  private void replayLog(long n, Map<Integer, Part> parts) throws IOException {
    String name = FileNames.log(n);
    Map<Integer, Memtable> mem = new java.util.HashMap<>();
    List<Map.Entry<Part, Memtable>> filled = new ArrayList<>();
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
              (WriteBatchCodec.FamilyHandler)
                  (seq, family, kind, key, value) ->
                      ops.add(new LoggedOp(seq, family, kind, key, value)));
          for (LoggedOp op : ops) {
            Part part = parts.get(op.family());
            if (part == null) {
              continue;
            }
            Memtable m = mem.computeIfAbsent(op.family(), k -> newMemtable());
            m.add(op.sequence(), op.kind(), op.key(), op.value());
            if (m.isFull()) {
              filled.add(Map.entry(part, m));
              mem.remove(op.family());
            }
          }
        } catch (CorruptionException e) {
          truncated = name + " at " + e.offset() + ": " + e.getMessage();
          break;
        }
      }
      if (truncated == null && reader.tornTailOffset() >= 0) {
        truncated = name + " at " + reader.tornTailOffset() + ": torn tail";
      }
    }
    for (Map.Entry<Integer, Memtable> e : mem.entrySet()) {
      filled.add(Map.entry(parts.get(e.getKey()), e.getValue()));
    }
    for (Map.Entry<Part, Memtable> e : filled) {
      Memtable m = e.getValue();
      if (!m.isEmpty()) {
        e.getKey().sources.add(m.newIterator());
        e.getKey().rangeTombstones.addAll(m.rangeTombstones().toTombstones());
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
   * Writes an empty WAL, then for each family other than the default a manifest naming only its
   * merged tables at the bottom level, and last the database's manifest (its own tables, and the
   * families), pointing CURRENT at it: the one step that changes what an open sees. A family's
   * CURRENT switched before a crash is harmless: the old database manifest's log number still
   * names WALs that replay into it only above the family's new log number, and repair can run
   * again.
   */
  private void installLocked(Map<Integer, Part> parts, BlockCache cache) throws IOException {
    Part main = parts.get(0);
    long walNumber = main.nextFileNumber.getAndIncrement();
    String walName = FileNames.log(walNumber);
    new LogWriter(fs.create(FileNames.path(target, walName)), walName).close();
    fs.syncDirectory(target);
    long maxSequence = 0;
    for (Part part : parts.values()) {
      maxSequence = Math.max(maxSequence, part.merged.maxSequence());
    }
    List<Part> order = new ArrayList<>(parts.values());
    order.add(order.remove(0));
    for (Part part : order) {
      try (TableCache tables =
          new TableCache(fs, n -> FileNames.tablePath(part.to, n), cache, 16)) {
        VersionSet versions = new VersionSet(part.to, target, fs, tables, f -> {},
            dev.strata.stats.LockWaits.NONE);
        versions.markFileNumberUsed(part.nextFileNumber.get());
        VersionEdit edit = new VersionEdit();
        for (FileMetadata f : part.merged.outputs()) {
          edit.addFile(VersionSet.NUM_LEVELS - 1, f);
        }
        edit.setLogNumber(walNumber);
        edit.setLastSequence(maxSequence);
        if (part.id == 0) {
          int maxId = nextFamilyId;
          for (Part other : parts.values()) {
            if (other.id != 0) {
              edit.addFamily(other.id, other.name);
              maxId = Math.max(maxId, other.id);
            }
          }
          if (maxId > 0) {
            edit.setMaxFamilyId(maxId);
          }
        }
        versions.createWith(edit);
        versions.close();
      }
    }
  }

  /**
   * In place, after the new manifest is live: moves what was not read whole to {@code lost/} and
   * deletes what was (the next open would delete it anyway, as unreferenced).
   */
  private void cleanUp(Part part, List<Long> logNumbers) throws IOException {
    Path lost = part.id == 0 ? source.resolve(LOST_DIR) : source.resolve(LOST_DIR).resolve(
        FileNames.FAMILY_DIR_PREFIX + part.id);
    List<String> keep = new ArrayList<>(part.others);
    for (String entry : tablesPartial) {
      if (entry.startsWith(part.prefix) && (part.id != 0 || !entry.contains("/"))) {
        keep.add(entry.substring(part.prefix.length()));
      }
    }
    for (String entry : tablesUnreadable) {
      String name = entry.substring(0, entry.indexOf(':'));
      if (!name.startsWith(part.prefix) || (part.id == 0 && name.contains("/"))) {
        continue;
      }
      name = name.substring(part.prefix.length());
      if (fs.exists(part.from.resolve(name))) {
        keep.add(name);
      }
    }
    if (part.id == 0) {
      for (String entry : logsTruncated) {
        keep.add(entry.substring(0, entry.indexOf(' ')));
      }
    }
    for (String name : keep) {
      fs.createDirectories(lost);
      fs.rename(part.from.resolve(name), lost.resolve(name));
      movedToLost.add(part.prefix + name);
    }
    for (long n : part.tableNumbers) {
      if (!movedToLost.contains(part.prefix + FileNames.table(n))) {
        fs.delete(FileNames.tablePath(part.from, n));
      }
    }
    if (part.id == 0) {
      for (long n : logNumbers) {
        if (!movedToLost.contains(FileNames.log(n))) {
          fs.delete(FileNames.path(source, FileNames.log(n)));
        }
      }
    }
    if (fs.exists(lost)) {
      fs.syncDirectory(lost);
    }
    fs.syncDirectory(part.from);
    if (!movedToLost.isEmpty() && part.id == 0) {
      LOG.warn("repair of {} moved {} to {}", source, movedToLost, source.resolve(LOST_DIR));
    }
  }
}
