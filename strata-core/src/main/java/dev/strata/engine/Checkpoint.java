package dev.strata.engine;

import dev.strata.StrataException;
import dev.strata.compaction.CompactionStats;
import dev.strata.compaction.FlushJob;
import dev.strata.fs.CrashPoint;
import dev.strata.fs.FileSystem;
import dev.strata.fs.ReadableFile;
import dev.strata.fs.WritableFile;
import dev.strata.sstable.TableOptions;
import dev.strata.version.FileMetadata;
import dev.strata.version.FileNames;
import dev.strata.version.PinnedVersion;
import dev.strata.version.VersionEdit;
import dev.strata.version.VersionSet;
import dev.strata.wal.LogWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link dev.strata.StrataDB#createCheckpoint}: an openable copy of the database as of one point
 * of the write order, its tables hard-linked where the file system allows and copied otherwise,
 * made while writes, flushes and compactions go on (RocksDB's {@code CheckpointImpl}). The method
 * and its durability are described in {@code docs/operations.md}, "Checkpoints".
 *
 * <h2>Invariants</h2>
 *
 * <ol>
 *   <li>The checkpoint is the pinned version and nothing else: its manifest is one snapshot edit
 *       naming exactly the tables linked or copied, with log number 0, so it needs no WAL. A
 *       writable database first flushes (every write acknowledged before the call is then in a
 *       table), and every version is a prefix of the write order: flushes install memtables
 *       oldest first, a memtable holds a contiguous run of sequences (a switch waits until no
 *       group is inserting), and compactions never change what a version reads.
 *   <li>With several column families, each family's tables are pinned in turn and every WAL from
 *       the oldest log a pinned family still needs is copied after the pins (no WAL is deleted
 *       meanwhile): the checkpoint's families each replay their writes above their log number,
 *       so all of them end at the same point of the write order ({@link #fillFamilies}).
 *   <li>A pinned table is not deleted until it is linked or copied ({@link PinnedVersion}); table
 *       files are never changed once written, so a link shares bytes that neither database will
 *       alter.
 *   <li>Nothing named {@code target} exists until the checkpoint is complete and forced: it is
 *       built in {@code <target>.strata-checkpoint-tmp} beside the target and renamed at the end.
 * </ol>
 *
 * <h2>Concurrency</h2>
 *
 * Runs in the caller's thread. It holds no engine lock across I/O: {@link VersionSet#pin()} takes
 * the version lock for the pin only, and the flush waits as {@code flush()} does. Two checkpoints
 * into the same target in this process are refused by {@link #IN_PROGRESS}, a concurrent set.
 * {@code afterPinHook} is confined to the thread that checkpoints (a test sets it first).
 *
 * <h2>Lifecycle</h2>
 *
 * One per database, built by {@link DbImpl}'s constructor; each {@link #create} call keeps its own
 * state. A close during a checkpoint does not wait for it: the checkpoint goes on with the files
 * it pinned.
 *
 * <h2>Failure</h2>
 *
 * Any failure, including an interrupt of the flush wait, removes the temporary directory and
 * throws {@link StrataException}; the source database is not affected (at most it flushed). A
 * temporary directory a crash left behind is emptied and reused by the next checkpoint into the
 * same target.
 */
final class Checkpoint {
  private static final Logger LOG = LoggerFactory.getLogger(Checkpoint.class);

  /** Suffix of the directory a checkpoint is built in, beside its target. */
  static final String TEMP_SUFFIX = ".strata-checkpoint-tmp";

  /** Bytes per read and append when a table is copied. */
  private static final int COPY_CHUNK = 1 << 20;

  /**
   * Temporary directories of the checkpoints under way in this process (absolute, normalised), so
   * that a second checkpoint into the same target is refused instead of emptying the first one's
   * directory. Category 3: a concurrent set, added to and removed from by the checkpointing
   * threads.
   */
  private static final Set<Path> IN_PROGRESS = ConcurrentHashMap.newKeySet();

  private final Path dir;
  private final FileSystem fs;
  private final VersionSet versions;
  private final DbStatus status;
  private final boolean readOnly;
  private final BackgroundJobs jobs;
  private final WriteController writes;
  private final TableOptions tableOptions;
  private final ObsoleteFiles obsolete;
  private final InfoLog infoLog;

  /** Runs right after the pin; {@code () -> {}} but in tests. Confined, see the class comment. */
  private Runnable afterPinHook = () -> {};

  private final Families families;

  Checkpoint(
      Path dir,
      FileSystem fs,
      Families families,
      DbStatus status,
      boolean readOnly,
      BackgroundJobs jobs,
      WriteController writes,
      InfoLog infoLog) {
    this.dir = dir;
    this.fs = fs;
    this.families = families;
    ColumnFamily def = families.defaultFamily();
    this.versions = def.versions;
    TableOptions tableOptions = def.tableOptions;
    ObsoleteFiles obsolete = def.obsolete;
    this.status = status;
    this.readOnly = readOnly;
    this.jobs = jobs;
    this.writes = writes;
    this.tableOptions = tableOptions;
    this.obsolete = obsolete;
    this.infoLog = infoLog;
  }

  /**
   * See {@link dev.strata.StrataDB#createCheckpoint}. Requires: no engine lock held; does I/O and
   * waits for a flush.
   *
   * @throws StrataException if the target is refused, the flush fails or is interrupted, or a file
   *     cannot be linked, copied or written
   */
  void create(Path requested) {
    status.checkOpen();
    long start = System.nanoTime();
    Path target = requested.toAbsolutePath().normalize();
    Path parent = checkTarget(target);
    Path temp = parent.resolve(target.getFileName() + TEMP_SUFFIX);
    if (!IN_PROGRESS.add(temp)) {
      throw new StrataException("another checkpoint into " + target + " is under way");
    }
    boolean renamed = false;
    try {
      prepareTemp(temp);
      // 1. Every write acknowledged before the call into a table. A read-only database cannot
      // flush; its memtables (replayed from the WALs at its open) become tables of the copy.
      List<ColumnFamily> fams = families.live();
      if (!readOnly) {
        for (ColumnFamily f : fams) {
          jobs.flush(f);
        }
      }
      // 2. Link or copy the pinned tables and describe exactly them in a fresh manifest.
      Placement placed = new Placement();
      if (fams.size() == 1) {
        try (PinnedVersion version = versions.pin()) {
          afterPinHook.run();
          fill(temp, version, placed);
        }
      } else {
        fillFamilies(temp, fams, placed);
      }
      // Tables the pin outlived in the source (a compaction removed them meanwhile) go now.
      if (!readOnly && !status.isClosed()) {
        for (ColumnFamily f : fams) {
          f.obsolete.deleteTables();
        }
      }
      // 3. Publish: one rename, then force the parent so that the name survives a power loss.
      fs.crashPoint(CrashPoint.CHECKPOINT_BEFORE_RENAME);
      checkStillFree(target);
      fs.rename(temp, target);
      renamed = true;
      fs.crashPoint(CrashPoint.CHECKPOINT_AFTER_RENAME);
      fs.syncDirectory(parent);
      infoLog.info(
          "checkpoint {} created: {} tables linked, {} copied, {} written from memtables, {} WALs"
              + " copied; sequence {}, {} ms",
          target,
          placed.linked,
          placed.copied,
          placed.written,
          placed.copiedWals,
          placed.lastSequence,
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
    } catch (IOException e) {
      throw new StrataException(
          "checkpoint of " + dir + " into " + target + " failed: " + describe(e), e);
    } finally {
      if (!renamed) {
        removeTemp(temp);
      }
      IN_PROGRESS.remove(temp);
    }
  }

  /**
   * Refuses a target inside the database (or holding it), one whose parent is missing, and one
   * that exists and is not an empty directory.
   *
   * @return the target's parent
   */
  private Path checkTarget(Path target) {
    Path source = dir.toAbsolutePath().normalize();
    Path parent = target.getParent();
    if (parent == null) {
      throw new StrataException("a checkpoint cannot be the root directory " + target);
    }
    if (target.startsWith(source) || source.startsWith(target)) {
      throw new StrataException(
          "checkpoint target " + target + " must lie outside the database directory " + source);
    }
    if (!fs.exists(parent)) {
      throw new StrataException(
          "cannot create checkpoint " + target + ": its parent directory " + parent
              + " does not exist");
    }
    checkStillFree(target);
    return parent;
  }

  /** Refuses a target that exists and is not an empty directory. */
  private void checkStillFree(Path target) {
    if (!fs.exists(target)) {
      return;
    }
    List<String> names;
    try {
      names = fs.list(target);
    } catch (IOException e) {
      throw new StrataException(
          "checkpoint target " + target + " exists and is not a directory", e);
    }
    if (!names.isEmpty()) {
      throw new StrataException(
          "checkpoint target " + target + " exists and is not empty (" + names.size()
              + " entries)");
    }
  }

  /**
   * Creates the temporary directory, or empties one a crashed checkpoint left: only files with
   * database names are deleted; anything else there is refused.
   */
  private void prepareTemp(Path temp) throws IOException {
    if (fs.exists(temp)) {
      for (String name : fs.list(temp)) {
        if (FileNames.parseFamilyDir(name) > 0) {
          Recovery.deleteFamilyDirectory(fs, temp.resolve(name));
          continue;
        }
        if (FileNames.parse(name).kind() == FileNames.Kind.OTHER) {
          throw new StrataException(
              "cannot create a checkpoint: " + temp + " holds " + name
                  + ", which no checkpoint wrote; remove the directory");
        }
        fs.delete(temp.resolve(name));
      }
      LOG.info("emptied {}, left by an interrupted checkpoint", temp);
    }
    fs.createDirectories(temp);
  }

  /**
   * Best effort after a failure: the files a checkpoint writes, then the temporary directory if
   * that left it empty (a directory holding anything else is not the checkpoint's to delete).
   */
  private void removeTemp(Path temp) {
    try {
      if (fs.exists(temp)) {
        boolean empty = true;
        for (String name : fs.list(temp)) {
          if (FileNames.parseFamilyDir(name) > 0) {
            Recovery.deleteFamilyDirectory(fs, temp.resolve(name));
          } else if (FileNames.parse(name).kind() == FileNames.Kind.OTHER) {
            empty = false;
          } else {
            fs.delete(temp.resolve(name));
          }
        }
        if (empty) {
          fs.delete(temp);
        }
      }
    } catch (IOException | RuntimeException e) {
      LOG.warn("could not remove {} after a failed checkpoint; the next one removes it", temp, e);
    }
  }

  /** What one checkpoint placed; confined to its thread. */
  private static final class Placement {
    /** Hard links are tried until one fails; then every later table is copied. */
    boolean linking = true;

    /** Why linking stopped, added to a copy's failure. */
    Exception linkFailure;

    int linked;
    int copied;
    int written;
    int copiedWals;
    long lastSequence;
  }

  /**
   * Places the pinned tables in {@code temp} (and, read-only, the replayed memtables as level-0
   * tables), then writes the manifest, CURRENT, and forces the directory.
   */
  private void fill(Path temp, PinnedVersion version, Placement placed) throws IOException {
    VersionEdit edit = new VersionEdit();
    long lastSequence = version.lastSequence();
    for (int level = 0; level < VersionSet.NUM_LEVELS; level++) {
      for (FileMetadata f : version.level(level).files()) {
        place(f, FileNames.tablePath(temp, f.number()), placed);
        edit.addFile(level, f);
        lastSequence = Math.max(lastSequence, f.largestSequence());
      }
    }
    if (readOnly) {
      // Every write this view holds: its replayed memtables (its active one takes no writes).
      for (MemtableSet.Immutable imm : families.defaultFamily().mems.immutables) {
        FileMetadata f =
            FlushJob.run(
                imm.memtable(),
                fs,
                temp,
                versions::newFileNumber,
                tableOptions,
                new long[0],
                new CompactionStats());
        if (f != null) {
          edit.addFile(0, f);
          placed.written++;
          lastSequence = Math.max(lastSequence, f.largestSequence());
        }
      }
      lastSequence = Math.max(lastSequence, writes.visibleSequence());
    }
    fs.crashPoint(CrashPoint.CHECKPOINT_TABLES_PLACED);
    long manifestNumber = versions.newFileNumber();
    edit.setLogNumber(0);
    edit.setLastSequence(lastSequence);
    edit.setNextFileNumber(versions.peekNextFileNumber());
    writeManifest(temp, manifestNumber, edit);
    fs.syncDirectory(temp);
    placed.lastSequence = lastSequence;
  }

  /**
   * The checkpoint of a database with several column families: each family's tables as pinned
   * (one family after another, each at the moment of its pin), and every WAL from the oldest any
   * pinned family still needs, copied after the pins while no WAL is deleted. Opening the
   * checkpoint replays each family's writes above its pinned log number, so every family ends at
   * the same point of the write order (the end of the copied WALs, whose last record a copy taken
   * during an append may cut: recovery reads it as a torn tail): a batch across families is in
   * the checkpoint whole or not at all. Each family's directory gets its own manifest and CURRENT;
   * the default family's manifest names the families.
   */
  private void fillFamilies(Path temp, List<ColumnFamily> fams, Placement placed)
      throws IOException {
    List<PinnedVersion> pins = new java.util.ArrayList<>(fams.size());
    writes.holdWalDeletion();
    try {
      for (ColumnFamily f : fams) {
        pins.add(f.versions.pin());
      }
      afterPinHook.run();
      long minLog = Long.MAX_VALUE;
      for (PinnedVersion p : pins) {
        minLog = Math.min(minLog, p.logNumber());
      }
      long lastSequence = 0;
      if (!readOnly) {
        // Every write before the call in full records on disk, so that only the active WAL's
        // records written during the copy can be cut.
        writes.syncWalsExclusive();
        for (String n : fs.list(dir)) {
          FileNames.Parsed p = FileNames.parse(n);
          if (p.kind() == FileNames.Kind.LOG && p.number() >= minLog) {
            Path from = FileNames.path(dir, n);
            copyTable(fs, from, FileNames.path(temp, n), fs.size(from));
            placed.copiedWals++;
          }
        }
      }
      for (int i = 0; i < fams.size(); i++) {
        ColumnFamily f = fams.get(i);
        Path fdir = f.id == 0 ? temp : FileNames.familyDir(temp, f.id);
        if (f.id != 0) {
          fs.createDirectories(fdir);
        }
        VersionEdit edit = new VersionEdit();
        long seq = placeFamily(f, pins.get(i), fdir, edit, placed);
        lastSequence = Math.max(lastSequence, seq);
        edit.setLogNumber(readOnly ? 0 : pins.get(i).logNumber());
        edit.setLastSequence(seq);
        if (f.id == 0) {
          for (ColumnFamily other : fams) {
            if (other.id != 0) {
              edit.addFamily(other.id, other.name);
            }
          }
          edit.setMaxFamilyId(Math.max(versions.maxFamilyId(), families.maxLiveId()));
        }
        long manifestNumber = f.versions.newFileNumber();
        edit.setNextFileNumber(f.versions.peekNextFileNumber());
        writeManifest(fdir, manifestNumber, edit);
        fs.syncDirectory(fdir);
      }
      fs.crashPoint(CrashPoint.CHECKPOINT_TABLES_PLACED);
      fs.syncDirectory(temp);
      placed.lastSequence = lastSequence;
    } finally {
      for (PinnedVersion p : pins) {
        p.close();
      }
      writes.releaseWalDeletion();
    }
  }

  /**
   * Places one family's pinned tables in {@code fdir} and adds them to {@code edit} (read-only,
   * its replayed memtables too, as level-0 tables); returns the largest sequence they hold or the
   * pin's last sequence.
   */
  private long placeFamily(
      ColumnFamily f, PinnedVersion version, Path fdir, VersionEdit edit, Placement placed)
      throws IOException {
    long lastSequence = version.lastSequence();
    for (int level = 0; level < VersionSet.NUM_LEVELS; level++) {
      for (FileMetadata t : version.level(level).files()) {
        place(f.dir, t, FileNames.tablePath(fdir, t.number()), placed);
        edit.addFile(level, t);
        lastSequence = Math.max(lastSequence, t.largestSequence());
      }
    }
    if (readOnly) {
      for (MemtableSet.Immutable imm : f.mems.immutables) {
        FileMetadata t =
            FlushJob.run(
                imm.memtable(),
                fs,
                fdir,
                f.versions::newFileNumber,
                f.tableOptions,
                new long[0],
                new CompactionStats());
        if (t != null) {
          edit.addFile(0, t);
          placed.written++;
          lastSequence = Math.max(lastSequence, t.largestSequence());
        }
      }
      lastSequence = Math.max(lastSequence, writes.visibleSequence());
    }
    return lastSequence;
  }

  /** Links table {@code f} to {@code to}, or copies it once linking failed. */
  private void place(FileMetadata f, Path to, Placement placed) throws IOException {
    place(dir, f, to, placed);
  }

  /** Links table {@code f} of directory {@code from} to {@code to}, or copies it. */
  private void place(Path fromDir, FileMetadata f, Path to, Placement placed) throws IOException {
    Path from = FileNames.tablePath(fromDir, f.number());
    if (placed.linking) {
      Exception e = tryLink(fs, from, to);
      if (e == null) {
        placed.linked++;
        return;
      }
      // Another file store, or one without hard links: copy this table and the rest. If the
      // source itself is the problem (a missing table), the copy fails too and says so.
      placed.linking = false;
      placed.linkFailure = e;
      LOG.info(
          "checkpoint of {}: cannot hard-link {} ({}); copying tables", dir, from, e.toString());
    }
    try {
      copyTable(fs, from, to, f.fileSize());
      placed.copied++;
    } catch (IOException e) {
      if (placed.linkFailure != null && placed.copied == 0) {
        e.addSuppressed(placed.linkFailure);
      }
      throw e;
    }
  }

  /**
   * Makes {@code to} a hard link of {@code from}; returns null if it did, else why not, with
   * nothing left at {@code to} (another file store, a file system without links).
   *
   * @throws IOException if what a failed link left at {@code to} cannot be removed
   */
  static Exception tryLink(FileSystem fs, Path from, Path to) throws IOException {
    try {
      fs.link(from, to);
      return null;
    } catch (UnsupportedOperationException | IOException e) {
      fs.delete(to);
      return e;
    }
  }

  /** Copies the first {@code size} bytes of {@code from} (a whole table) to {@code to}, forced. */
  static void copyTable(FileSystem fs, Path from, Path to, long size) throws IOException {
    try (ReadableFile in = fs.openRead(from);
        WritableFile out = fs.create(to)) {
      byte[] buf = new byte[(int) Math.min(COPY_CHUNK, Math.max(1, size))];
      for (long pos = 0; pos < size; ) {
        int n = (int) Math.min(buf.length, size - pos);
        in.readFully(pos, buf, 0, n);
        out.append(buf, 0, n);
        pos += n;
      }
      out.sync();
    }
  }

  /**
   * Writes {@code edit} as the only record of manifest {@code number} and CURRENT naming it
   * ({@code docs/format/manifest.md}), each forced. No temporary file and rename for CURRENT: the
   * whole directory is renamed into place only once complete.
   */
  private void writeManifest(Path temp, long number, VersionEdit edit) throws IOException {
    String name = FileNames.manifest(number);
    try (LogWriter manifest = new LogWriter(fs.create(FileNames.path(temp, name)), name)) {
      byte[] record = edit.encode();
      manifest.addRecord(record, 0, record.length);
      manifest.sync();
    }
    byte[] current = (name + "\n").getBytes(StandardCharsets.UTF_8);
    try (WritableFile f = fs.create(FileNames.path(temp, FileNames.CURRENT))) {
      f.append(current, 0, current.length);
      f.sync();
    }
  }

  /** An I/O failure in words: Java's file-system exceptions carry little more than a path. */
  private static String describe(IOException e) {
    if (e instanceof java.nio.file.NoSuchFileException f) {
      return "no such file " + f.getFile();
    }
    if (e instanceof java.nio.file.FileSystemException f && f.getReason() != null) {
      return f.getFile() + ": " + f.getReason();
    }
    return String.valueOf(e.getMessage());
  }

  /** Installs a hook run right after the pin, by the thread that checkpoints next. */
  void setAfterPinHookForTesting(Runnable hook) {
    afterPinHook = hook;
  }
}
