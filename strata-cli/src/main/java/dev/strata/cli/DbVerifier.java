package dev.strata.cli;

import dev.strata.version.ManifestContents;
import dev.strata.CorruptionException;
import dev.strata.StrataException;
import dev.strata.fs.FileSystem;
import dev.strata.fs.ReadableFile;
import dev.strata.key.InternalIterator;
import dev.strata.key.InternalKey;
import dev.strata.key.Trailer;
import dev.strata.sstable.BlockCache;
import dev.strata.sstable.TableReadStats;
import dev.strata.sstable.TableReader;
import dev.strata.version.FileMetadata;
import dev.strata.version.FileNames;
import dev.strata.version.Level;
import dev.strata.wal.LogReader;
import dev.strata.wal.WalFormat;
import dev.strata.wal.WriteBatchCodec;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code strata verify}: decides, without writing anything, whether a database would open and
 * return every write its files hold, and reports each problem with its file and offset.
 *
 * <p>It replays the engine's recovery ({@code engine/Recovery}, {@code VersionSet.recover}) over
 * the files, read-only: CURRENT and the manifest it names; each live table against the manifest
 * (present, of the recorded size, every block's checksum, keys in order, the recorded key range
 * and entry count); the live WALs in order, every record's checksum and batch, with recovery's
 * rules on sequences and holes; and the files the manifest does not name. Every finding is either
 * a <b>problem</b> (the open would fail, or it would succeed but drop or change writes the files
 * hold: exit code 1) or a <b>note</b> (something an open would tidy away: a torn WAL tail, which a
 * crash leaves and whose write nobody was told was durable; obsolete logs, manifests and tables;
 * temporary files).
 *
 * <p>Decisions: a last WAL record that is complete but fails its checksum is a problem ({@link
 * LogTail}); writes that recovery would drop after a torn or missing log tail are a problem even
 * though a power loss can leave them legitimately, since verify cannot tell, and they are writes
 * on disk that the open discards; a table no level lists is a note unless it holds writes newer
 * than everything the open recovers (the manifest then lost the record that added it).
 *
 * <p>Confined to one thread; holds no file open between calls. The database must not change
 * while it runs: on a live database, files may vanish or grow underneath it (the command notes
 * when another process holds the directory lock).
 */
final class DbVerifier {
  /** One finding: a problem, or a note; {@code offset} is -1 for a whole file. */
  record Finding(boolean problem, String file, long offset, String message) {
    @Override
    public String toString() {
      return (problem ? "DAMAGED " : "note ") + file + (offset >= 0 ? " @" + offset : "") + ": "
          + message;
    }
  }

  private final FileSystem fs;
  private final Path dir;
  private final List<Finding> findings = new ArrayList<>();

  // Tallies for the summary.
  private long tablesChecked;
  private long tableEntries;
  private long logsChecked;
  private long logRecords;
  private long manifestEdits;

  DbVerifier(FileSystem fs, Path dir) {
    this.fs = fs;
    this.dir = dir;
  }

  /**
   * The oldest WAL any column family still needs (the smallest log number of the family
   * manifests), or -1 before they are read: logs from there on are live.
   */
  private long minLogNumber = -1;

  List<Finding> findings() {
    return findings;
  }

  boolean ok() {
    return findings.stream().noneMatch(Finding::problem);
  }

  /** One line for the end of the report. */
  String summary() {
    long problems = findings.stream().filter(Finding::problem).count();
    long notes = findings.size() - problems;
    String counts =
        tablesChecked + " tables (" + tableEntries + " entries), " + logsChecked + " logs ("
            + logRecords + " records), " + manifestEdits + " manifest edits read, every checksum"
            + " checked" + (notes > 0 ? "; " + notes + " notes" : "");
    return problems == 0
        ? "ok: " + dir + " opens and returns every write its files hold: " + counts
        : "damaged: " + problems + " problems: " + dir
            + " would not open, or would lose writes its files hold: " + counts;
  }

  /**
   * Runs every check; {@code progress} steps once per file.
   *
   * @throws IllegalArgumentException if {@code dir} is no directory or holds no database file
   * @throws IOException if the directory cannot be listed
   */
  void run(Progress progress) throws IOException {
    DirListing files = DirListing.list(fs, dir);
    if (!files.current) {
      if (files.tables.isEmpty() && files.logs.isEmpty()) {
        throw new IllegalArgumentException(dir + " does not hold a database (no CURRENT file)");
      }
      problem(FileNames.CURRENT, -1, "missing, but the directory holds tables or logs: the"
          + " database does not open");
    }
    ManifestContents state = files.current ? readManifest() : null;
    if (state != null) {
      checkManifest(state, files);
    }
    Map<Integer, ManifestContents> families = state == null ? Map.of() : readFamilies(state, files);
    long maxRecovered = checkLogs(state, files, progress);
    checkTables(state, files, maxRecovered, progress);
    for (Map.Entry<Integer, ManifestContents> f : families.entrySet()) {
      checkFamilyTables(f.getKey(), f.getValue(), maxRecovered, progress);
    }
    for (String m : files.manifests) {
      if (state != null && !m.equals(state.manifestName())) {
        note(m, -1, "obsolete manifest (CURRENT does not name it); the next open deletes it");
      }
    }
    for (String t : files.temps) {
      note(t, -1, "temporary file; the next open deletes it");
    }
  }

  // ---- column families ----

  /**
   * Reads the manifest of every column family the database's manifest names (each in its own
   * directory, its log number naming a WAL of the database's directory); notes the directories of
   * dropped families. Sets {@link #minLogNumber}.
   */
  private Map<Integer, ManifestContents> readFamilies(ManifestContents state, DirListing files)
      throws IOException {
    Map<Integer, ManifestContents> out = new TreeMap<>();
    minLogNumber = state.logNumber();
    for (Map.Entry<Integer, String> e : state.families().entrySet()) {
      Path fdir = FileNames.familyDir(dir, e.getKey());
      String where = FileNames.FAMILY_DIR_PREFIX + e.getKey() + "/";
      if (!fs.exists(FileNames.path(fdir, FileNames.CURRENT))) {
        problem(where + FileNames.CURRENT, -1, "missing: column family '" + e.getValue()
            + "' has lost its manifest, the database does not open");
        continue;
      }
      ManifestContents m;
      try {
        m = ManifestContents.read(fs, fdir, ManifestContents.readCurrent(fs, fdir));
      } catch (CorruptionException ex) {
        problem(where + ex.file(), ex.offset(), ex.getMessage());
        continue;
      }
      manifestEdits += m.edits();
      if (m.failure() != null) {
        problem(where + m.failure().file(), m.failure().offset(), m.failure().getMessage());
      }
      if (m.logNumber() > 0 && !files.logs.containsKey(m.logNumber())) {
        problem(FileNames.log(m.logNumber()), -1, "missing: column family '" + e.getValue()
            + "' needs it as its oldest live log, the database does not open");
      }
      minLogNumber = Math.min(minLogNumber, m.logNumber());
      out.put(e.getKey(), m);
    }
    for (String n : fs.list(dir)) {
      int id = FileNames.parseFamilyDir(n);
      if (id > 0 && !state.families().containsKey(id)) {
        note(n, -1, "directory of a dropped column family; the next open deletes it");
      }
    }
    return out;
  }

  /** Checks a family's tables as the default family's are checked, named under its directory. */
  private void checkFamilyTables(
      int id, ManifestContents m, long maxRecovered, Progress progress) throws IOException {
    Path fdir = FileNames.familyDir(dir, id);
    DbVerifier sub = new DbVerifier(fs, fdir);
    DirListing files = DirListing.list(fs, fdir);
    sub.checkTables(m, files, maxRecovered, progress);
    String where = FileNames.FAMILY_DIR_PREFIX + id + "/";
    for (Finding f : sub.findings) {
      findings.add(new Finding(f.problem(), where + f.file(), f.offset(), f.message()));
    }
    tablesChecked += sub.tablesChecked;
    tableEntries += sub.tableEntries;
  }

  // ---- CURRENT and the manifest ----

  private ManifestContents readManifest() throws IOException {
    String name;
    try {
      name = ManifestContents.readCurrent(fs, dir);
    } catch (CorruptionException e) {
      problem(e);
      return null;
    }
    ManifestContents s;
    try {
      s = ManifestContents.read(fs, dir, name);
    } catch (NoSuchFileException e) {
      problem(FileNames.CURRENT, 0, "names " + name + ", which is missing: the database does not"
          + " open");
      return null;
    }
    manifestEdits = s.edits();
    if (s.failure() != null) {
      problem(s.failure());
      note(name, -1, "the checks against the manifest use the " + s.edits()
          + " edits before the damage");
    } else if (s.tornTailOffset() >= 0) {
      tail(name, s.tornTailOffset(), "a manifest edit cut by a crash, never installed");
    }
    return s;
  }

  private void checkManifest(ManifestContents s, DirListing files) {
    if (!s.sawNextFileNumber()) {
      problem(s.manifestName(), 0, "no next-file-number record: the database does not open");
    }
    for (int i = 1; i < s.levels().size(); i++) {
      if (!new Level(i, new ArrayList<>(s.levels().get(i).values())).isDisjoint()) {
        problem(s.manifestName(), -1, "level " + i + " has overlapping files");
      }
    }
    if (s.logNumber() > 0 && !files.logs.containsKey(s.logNumber())) {
      problem(FileNames.log(s.logNumber()), -1, "missing: " + s.manifestName() + " names it as the"
          + " oldest live log (the log was deleted, or the manifest lost the records after that"
          + " one), the database does not open");
    }
  }

  // ---- tables ----

  private void checkTables(ManifestContents s, DirListing files, long maxRecovered, Progress progress) {
    if (s != null) {
      for (int level = 0; level < s.levels().size(); level++) {
        for (FileMetadata f : s.levels().get(level).values()) {
          if (!files.tables.containsKey(f.number())) {
            problem(FileNames.table(f.number()), -1, "missing: level " + level
                + " of the manifest lists it, the database does not open");
          }
        }
      }
    }
    for (Map.Entry<Long, String> t : files.tables.entrySet()) {
      progress.step();
      FileMetadata meta = s == null ? null : find(s, t.getKey());
      if (s != null && meta == null) {
        checkUnlistedTable(t.getValue(), maxRecovered);
      } else {
        checkTable(t.getValue(), meta);
      }
    }
  }

  private static FileMetadata find(ManifestContents s, long number) {
    int level = s.levelOf(number);
    return level < 0 ? null : s.levels().get(level).get(number);
  }

  /** Reads every block of a table the manifest lists (or, with no manifest, of every table). */
  private void checkTable(String name, FileMetadata meta) {
    Path p = FileNames.path(dir, name);
    try {
      long size = fs.size(p);
      if (meta != null && size != meta.fileSize()) {
        problem(name, Math.min(size, meta.fileSize()), "is " + size + " bytes, the manifest says "
            + meta.fileSize() + ": the database does not open");
        return;
      }
      tablesChecked++;
      // An ingested table reads at the global sequence the manifest gives it, as the open reads it.
      long global = meta == null ? 0 : meta.globalSequence();
      try (TableReader t =
              TableReader.open(
                  fs.openRead(p), name, size, BlockCache.create(0), TableReadStats.NONE, global);
          InternalIterator it = t.newIterator(true, false)) {
        checkEntries(name, t, it, meta);
      }
    } catch (CorruptionException e) {
      problem(e);
    } catch (IOException | StrataException e) {
      problem(name, -1, "cannot be read: " + ErrorMessages.describe(e));
    }
  }

  private void checkEntries(String name, TableReader t, InternalIterator it, FileMetadata meta) {
    long n = 0;
    byte[] firstKey = null;
    long firstTrailer = 0;
    byte[] prevKey = null;
    long prevTrailer = 0;
    for (it.seekToFirst(); it.isValid(); it.next()) {
      byte[] key = it.userKey();
      long trailer = it.trailer();
      if (prevKey != null && InternalKey.compare(prevKey, prevTrailer, key, trailer) >= 0) {
        problem(name, blockOf(t, key, trailer), "keys out of order at key "
            + DumpFormat.escape(key));
        return;
      }
      if (firstKey == null) {
        firstKey = key;
        firstTrailer = trailer;
      }
      prevKey = key;
      prevTrailer = trailer;
      n++;
    }
    tableEntries += n;
    if (meta == null) {
      return;
    }
    // The table's key range as its writer recorded it: its entries' and its range tombstones'
    // (an ingested table's at its global sequence).
    long global = meta.globalSequence();
    FileMetadata expected =
        global == 0
            ? FileMetadata.ofTable(meta.number(), t.properties(), t.rangeTombstones())
            : FileMetadata.ofIngested(meta.number(), t.properties(), t.rangeTombstones(), global);
    if (n != meta.entryCount()) {
      problem(name, -1, n + " entries, the manifest says " + meta.entryCount());
    } else if (t.properties().rangeTombstoneCount() != meta.rangeTombstoneCount()) {
      problem(name, -1, t.properties().rangeTombstoneCount() + " range tombstones, the manifest"
          + " says " + meta.rangeTombstoneCount());
    } else if (n > 0
        && (!new InternalKey(firstKey, firstTrailer).equals(t.properties().isEmpty()
                ? null : atGlobal(InternalKey.decode(t.properties().smallestKey()), global))
            || !new InternalKey(prevKey, prevTrailer).equals(
                atGlobal(InternalKey.decode(t.properties().largestKey()), global)))) {
      problem(name, -1, "its entries' key range differs from its properties'");
    } else if ((n > 0 || t.properties().rangeTombstoneCount() > 0)
        && (!expected.smallest().equals(meta.smallest())
            || !expected.largest().equals(meta.largest()))) {
      problem(name, -1, "its key range differs from the manifest's, so reads would miss keys");
    }
  }

  /** A key as stored, read at {@code global} if the table was ingested (0: as stored). */
  private static InternalKey atGlobal(InternalKey stored, long global) {
    return global == 0
        ? stored
        : new InternalKey(stored.userKey(), Trailer.withSequence(stored.trailer(), global));
  }

  /** Offset of the data block holding the key, for reports. */
  private static long blockOf(TableReader t, byte[] key, long trailer) {
    byte[] encoded = InternalKey.encode(key, trailer);
    for (TableReader.IndexEntry e : t.indexEntries()) {
      if (InternalKey.compareEncoded(e.lastKey(), encoded) >= 0) {
        return e.offset();
      }
    }
    return -1;
  }

  /**
   * A table no level lists: what a crash leaves between writing a flush's or compaction's output
   * and recording it, or after recording a compaction and before deleting its inputs. The open
   * deletes it. Unless it holds writes above everything the open recovers: then the manifest
   * lost the edit that added it, and those writes with it.
   */
  private void checkUnlistedTable(String name, long maxRecovered) {
    Path p = FileNames.path(dir, name);
    try (TableReader t = TableReader.open(fs.openRead(p), name, fs.size(p), BlockCache.create(0))) {
      long largest = t.properties().largestSequence();
      if (largest > maxRecovered) {
        problem(name, -1, "no level lists it, yet it holds writes up to sequence " + largest
            + ", above everything the open recovers (" + maxRecovered + "): the manifest lost"
            + " the edit that added it, and the open would delete it");
        return;
      }
      note(name, -1, "no level lists it (a leftover of an interrupted flush or compaction);"
          + " the next open deletes it");
    } catch (IOException | StrataException e) {
      note(name, -1, "no level lists it and it cannot be read ("
          + ErrorMessages.describe(e) + "); the next open deletes it");
    }
  }

  // ---- logs ----

  /**
   * Replays the live logs (those at or above the manifest's log number) as recovery does, and
   * reads the obsolete ones; returns the highest sequence the open would recover.
   */
  private long checkLogs(ManifestContents s, DirListing files, Progress progress) {
    long[] maxSeq = {s == null ? 0 : s.lastSequence()};
    Replay replay = new Replay(s);
    List<String> live = new ArrayList<>();
    for (Map.Entry<Long, String> log : files.logs.entrySet()) {
      progress.step();
      if (s != null && log.getKey() < (minLogNumber >= 0 ? minLogNumber : s.logNumber())) {
        checkObsoleteLog(log.getValue());
      } else {
        live.add(log.getValue());
      }
    }
    for (int i = 0; i < live.size(); i++) {
      replay.log(live.get(i), i, i == live.size() - 1, maxSeq);
    }
    if (replay.stoppedAt != null && !replay.failed && replay.dropped > 0) {
      problem(replay.stoppedAt, replay.stoppedOffset, "recovery stops here and drops the "
          + replay.dropped + " records after it in later logs");
    }
    return maxSeq[0];
  }

  private void checkObsoleteLog(String name) {
    logsChecked++;
    try (ReadableFile f = fs.openRead(FileNames.path(dir, name))) {
      LogReader r = new LogReader(f, name);
      while (r.next() != null) {
        logRecords++;
      }
      note(name, -1, "obsolete log (below the manifest's log number); the next open deletes it");
    } catch (IOException | StrataException e) {
      note(name, -1, "obsolete log, damaged (" + ErrorMessages.describe(e)
          + "); the next open deletes it unread");
    }
  }

  /** Recovery's replay of the live logs, without a memtable. */
  private final class Replay {
    private final ManifestContents state;
    private long lastReplayed = -1;

    /** Where recovery would stop reading: the log and offset; null while it goes on. */
    private String stoppedAt;

    private long stoppedOffset = -1;

    /** Records in logs after the stop, which recovery drops. */
    private long dropped;

    /** Whether a damaged record makes the open fail (rather than stop early). */
    private boolean failed;

    Replay(ManifestContents state) {
      this.state = state;
    }

    void log(String name, int index, boolean last, long[] maxSeq) {
      logsChecked++;
      try (ReadableFile f = fs.openRead(FileNames.path(dir, name))) {
        LogReader r = new LogReader(f, name);
        boolean first = true;
        try {
          byte[] rec;
          while ((rec = r.next()) != null) {
            logRecords++;
            if (stoppedAt != null) {
              dropped++;
              continue;
            }
            if (first && index > 0 && followsHole(rec)) {
              stoppedAt = name;
              stoppedOffset = r.recordOffset();
              dropped++;
              continue;
            }
            first = false;
            record(name, r.recordOffset(), rec, maxSeq);
          }
        } catch (CorruptionException e) {
          problem(e);
          failed = true;
          stop(name, e.offset());
          return;
        }
        if (r.tornTailOffset() >= 0) {
          tail(f, name, r.tornTailOffset(),
              "a write cut by a crash, never acknowledged as durable");
          if (!last) {
            stop(name, r.tornTailOffset());
          }
        }
      } catch (IOException | StrataException e) {
        problem(name, -1, "cannot be read: " + ErrorMessages.describe(e));
        failed = true;
        stop(name, -1);
      }
    }

    private void stop(String name, long offset) {
      if (stoppedAt == null) {
        stoppedAt = name;
        stoppedOffset = offset;
      }
    }

    private boolean followsHole(byte[] rec) {
      if (rec.length < WalFormat.BATCH_HEADER_SIZE) {
        return false;
      }
      return lastReplayed < 0 || WriteBatchCodec.firstSequence(rec) > lastReplayed + 1;
    }

    private void record(String name, long offset, byte[] rec, long[] maxSeq) {
      if (rec.length >= WalFormat.BATCH_HEADER_SIZE) {
        long first = WriteBatchCodec.firstSequence(rec);
        if (lastReplayed < 0 && state != null && first > state.lastSequence() + 1) {
          problem(state.manifestName(), -1, "its last sequence " + state.lastSequence()
              + " is below the first logged write " + first + " in " + name
              + ": the manifest lost records, the database does not open");
        }
        if (first <= lastReplayed) {
          problem(name, offset, "batch sequence " + first + " is not above the last recovered "
              + lastReplayed + ": the database does not open");
        }
      }
      WriteBatchCodec.decode(
          rec,
          name,
          offset,
          (WriteBatchCodec.FamilyHandler)
              (seq, family, kind, key, value) -> {
                lastReplayed = seq;
                maxSeq[0] = Math.max(maxSeq[0], seq);
              });
    }
  }

  /** Reports the torn tail of log {@code name} at {@code offset}: a note, or a damaged record. */
  private void tail(String name, long offset, String whatTornMeans) throws IOException {
    try (ReadableFile f = fs.openRead(FileNames.path(dir, name))) {
      tail(f, name, offset, whatTornMeans);
    }
  }

  private void tail(ReadableFile f, String name, long offset, String whatTornMeans)
      throws IOException {
    long bytes = f.size() - offset;
    if (LogTail.classify(f, offset) == LogTail.Kind.DAMAGED) {
      problem(name, offset, "the last record fails its payload checksum: it was written whole"
          + " and damaged since, and the open drops it silently");
    } else {
      note(name, offset, "torn tail of " + bytes + " bytes (" + whatTornMeans
          + "); the open drops it");
    }
  }

  private void problem(CorruptionException e) {
    String prefix = "corruption in " + e.file() + " at offset " + e.offset() + ": ";
    String m = e.getMessage();
    problem(e.file(), e.offset(), m.startsWith(prefix) ? m.substring(prefix.length()) : m);
  }

  private void problem(String file, long offset, String message) {
    findings.add(new Finding(true, file, offset, message));
  }

  void note(String file, long offset, String message) {
    findings.add(new Finding(false, file, offset, message));
  }

  /** The directory's database files by kind; tables and logs by number. */
  private static final class DirListing {
    boolean current;
    final Map<Long, String> tables = new TreeMap<>();
    final Map<Long, String> logs = new TreeMap<>();
    final List<String> manifests = new ArrayList<>();
    final List<String> temps = new ArrayList<>();

    static DirListing list(FileSystem fs, Path dir) throws IOException {
      if (!fs.exists(dir)) {
        throw new IllegalArgumentException("no such directory: " + dir);
      }
      DirListing f = new DirListing();
      for (String n : fs.list(dir)) {
        FileNames.Parsed p = FileNames.parse(n);
        switch (p.kind()) {
          case CURRENT -> f.current = true;
          case TABLE -> f.tables.put(p.number(), n);
          case LOG -> f.logs.put(p.number(), n);
          case MANIFEST -> f.manifests.add(n);
          case TEMP -> f.temps.add(n);
          default -> { }
        }
      }
      return f;
    }
  }
}
