package dev.strata.version;

import dev.strata.stats.LockWaits;
import com.google.errorprone.annotations.concurrent.GuardedBy;
import dev.strata.CorruptionException;
import dev.strata.fs.CrashPoint;
import dev.strata.fs.FileSystem;
import dev.strata.fs.WritableFile;
import dev.strata.sstable.TableCache;
import dev.strata.wal.LogWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * The database's levels and the manifest that makes them durable: every change to the set of
 * table files goes through {@link #logAndApply}, which appends a {@link VersionEdit} to the
 * manifest, forces it, and then installs the affected levels through {@link
 * ConcurrentLevel#replace}, bottom level first. Also owns the file-number counter and the
 * persisted log number and last sequence.
 *
 * <p>Thread-safe. Lock rank 5 ({@code versionLock}) serialises installs and manifest writes; it is
 * held across the manifest append and fsync, which happen on background threads (flush,
 * compaction) and never on the read or write hot path. Readers never take it. The caller closes
 * the set after background work has stopped.
 */
public final class VersionSet implements AutoCloseable {
  public static final int NUM_LEVELS = 7;

  /** Manifest size that triggers a rewrite as one snapshot edit. */
  private static final long MANIFEST_ROLL_BYTES = 64L << 20;

  private final Path dir;

  /** Where the WALs live: {@code dir} for the default family, the database's for the others. */
  private final Path walDir;

  private final FileSystem fs;
  private final ConcurrentLevel[] levels = new ConcurrentLevel[NUM_LEVELS];
  private final Consumer<FileMetadata> onObsolete;

  /** Next file number to hand out; atomic so writers creating WALs need no lock. */
  private final AtomicLong nextFileNumber = new AtomicLong(2);

  /** Rank 5. Guards the manifest writer and the persisted counters below. */
  private final ReentrantLock versionLock = new ReentrantLock();

  /**
   * Installs begun and ended (see {@link #beginInstall}); a reader that needs the memtables and
   * levels as one version ({@link #installsQuiet}, {@link #installsSince}) retries when an install
   * overlapped its pinning. Atomics: written by the installing thread, read lock-free.
   */
  private final java.util.concurrent.atomic.AtomicLong installsBegun =
      new java.util.concurrent.atomic.AtomicLong();

  private final java.util.concurrent.atomic.AtomicLong installsEnded =
      new java.util.concurrent.atomic.AtomicLong();

  @GuardedBy("versionLock")
  private LogWriter manifest;

  @GuardedBy("versionLock")
  private long manifestNumber;

  /**
   * The first failed manifest append or force. Once set, every later edit fails with it: the
   * manifest may end in a partial record, and a retried force could report success for lost data.
   */
  @GuardedBy("versionLock")
  private IOException manifestError;

  /** The manifest {@link #recover()} read, for errors found later in recovery; else null. */
  @GuardedBy("versionLock")
  private String recoveredManifest;

  /**
   * The WAL number and forced length the recovered manifest's last edit recorded at a clean close
   * ({@link VersionEdit#setClosedLog}), or -1 and -1. Never written to a later manifest: the
   * record speaks for that close only.
   */
  @GuardedBy("versionLock")
  private long closedLogNumber = -1;

  @GuardedBy("versionLock")
  private long closedLogLength = -1;

  /**
   * Oldest WAL still needed. Written under {@code versionLock}; volatile so the engine reads it
   * lock-free when deciding which WALs to delete.
   */
  private volatile long logNumber;

  /** Last sequence recorded in the manifest; written under {@code versionLock}, read lock-free. */
  private volatile long lastSequence;

  /**
   * The live column families other than the default, by id, and the largest id ever handed out:
   * recorded in the default family's manifest only. Guarded by {@code versionLock}.
   */
  @GuardedBy("versionLock")
  private final java.util.TreeMap<Integer, String> families = new java.util.TreeMap<>();

  @GuardedBy("versionLock")
  private int maxFamilyId;

  public VersionSet(Path dir, FileSystem fs, TableCache tables, Consumer<FileMetadata> onObsolete) {
    this(dir, fs, tables, onObsolete, LockWaits.NONE);
  }

  /** As above, the levels counting reads' waits for their read locks in {@code levelLockWaits}. */
  public VersionSet(
      Path dir,
      FileSystem fs,
      TableCache tables,
      Consumer<FileMetadata> onObsolete,
      LockWaits levelLockWaits) {
    this(dir, dir, fs, tables, onObsolete, levelLockWaits);
  }

  /** As above, for a column family whose files live in {@code dir} and WALs in {@code walDir}. */
  public VersionSet(
      Path dir,
      Path walDir,
      FileSystem fs,
      TableCache tables,
      Consumer<FileMetadata> onObsolete,
      LockWaits levelLockWaits) {
    this.dir = dir;
    this.walDir = walDir;
    this.fs = fs;
    this.onObsolete = onObsolete;
    for (int i = 0; i < NUM_LEVELS; i++) {
      levels[i] = new ConcurrentLevel(i, tables, levelLockWaits);
    }
  }

  public ConcurrentLevel level(int n) {
    return levels[n];
  }

  /** The levels as they are now, one consistent install at a time (taken under the lock). */
  public Level[] currentLevels() {
    versionLock.lock();
    try {
      return eachLevelNow();
    } finally {
      versionLock.unlock();
    }
  }

  /**
   * Each level as it is now, read one at a time under its own read lock and without the version
   * lock, which an install holds across the manifest's fsync: for readers on the hot path that
   * can take a view an install changes midway (a file that moves down may show in both levels).
   */
  public Level[] eachLevelNow() {
    Level[] out = new Level[NUM_LEVELS];
    for (int i = 0; i < NUM_LEVELS; i++) {
      out[i] = levels[i].level();
    }
    return out;
  }

  /**
   * Every level as of one install, each file with a reference taken, so that none of them is
   * deleted until the handle is closed: what a checkpoint links. Taking a reference needs the
   * level to hold one, which holding {@code versionLock} guarantees, since every install ({@link
   * ConcurrentLevel#replace}) happens under it.
   *
   * <p>Requires: no engine lock held. Takes {@code versionLock} (rank 5) and, under it, each
   * level's read lock in turn (the levels rank next), so it may wait for an install's manifest
   * fsync; does no I/O.
   */
  public PinnedVersion pin() {
    versionLock.lock();
    try {
      Level[] now = eachLevelNow();
      for (Level l : now) {
        for (FileMetadata f : l.files()) {
          f.ref();
        }
      }
      return new PinnedVersion(now, lastSequence, logNumber);
    } finally {
      versionLock.unlock();
    }
  }

  public long newFileNumber() {
    return nextFileNumber.getAndIncrement();
  }

  /** The next number {@link #newFileNumber()} would return. */
  public long peekNextFileNumber() {
    return nextFileNumber.get();
  }

  /** Ensures later file numbers are above {@code used} (recovery saw a file with that number). */
  public void markFileNumberUsed(long used) {
    nextFileNumber.accumulateAndGet(used + 1, Math::max);
  }

  public long logNumber() {
    return logNumber;
  }

  public long lastSequence() {
    return lastSequence;
  }

  /** Creates a new, empty database's first manifest and CURRENT. */
  public void create() throws IOException {
    versionLock.lock();
    try {
      logNumber = 0;
      lastSequence = 0;
      writeSnapshotManifestLocked();
    } finally {
      versionLock.unlock();
    }
  }

  /**
   * Installs {@code edit} into empty levels and writes it as the first manifest, pointing CURRENT
   * at it in one atomic rename: how repair replaces a database's state. A crash before the rename
   * leaves the previous CURRENT in place.
   *
   * <p>Requires: every added file is complete, synced, and its directory entry forced; file
   * numbers in use are marked ({@link #markFileNumberUsed}).
   */
  public void createWith(VersionEdit edit) throws IOException {
    versionLock.lock();
    try {
      logNumber = Math.max(0, edit.logNumber());
      lastSequence = Math.max(0, edit.lastSequence());
      applyLocked(edit);
      writeSnapshotManifestLocked();
    } finally {
      versionLock.unlock();
    }
  }

  /**
   * Rebuilds the levels from the manifest CURRENT names, then starts a fresh manifest holding one
   * snapshot edit. Does not check that the tables exist; the caller does.
   *
   * @throws CorruptionException if CURRENT or the manifest is damaged
   */
  public void recover() throws IOException {
    versionLock.lock();
    try {
      readManifestLocked();
      writeSnapshotManifestLocked();
    } finally {
      versionLock.unlock();
    }
  }

  /**
   * Rebuilds the levels from the manifest CURRENT names and writes nothing: for a read-only open.
   * Every later {@link #logAndApply} fails.
   *
   * @throws CorruptionException if CURRENT or the manifest is damaged
   */
  public void recoverReadOnly() throws IOException {
    versionLock.lock();
    try {
      readManifestLocked();
      manifestError = new IOException("the database was opened read-only");
    } finally {
      versionLock.unlock();
    }
  }

  /** The name and size of the manifest CURRENT names now; for a read-only open beside a writer. */
  public String currentManifestState() throws IOException {
    String name = readCurrent();
    Path p = FileNames.path(dir, name);
    return name + ":" + (fs.exists(p) ? fs.size(p) : -1);
  }

  @GuardedBy("versionLock")
  private void readManifestLocked() throws IOException {
    assert versionLock.isHeldByCurrentThread();
    String manifestName = readCurrent();
    Path manifestPath = FileNames.path(dir, manifestName);
    if (!fs.exists(manifestPath)) {
      throw new CorruptionException(manifestName, -1, "manifest named by CURRENT is missing");
    }
    ManifestContents m = ManifestContents.read(fs, dir, manifestName);
    if (m.failure() != null) {
      throw m.failure();
    }
    if (!m.sawNextFileNumber()) {
      throw new CorruptionException(manifestName, 0, "manifest has no next-file-number record");
    }
    long log = m.logNumber();
    // The WAL a log number names was created and its directory entry forced before any edit
    // recorded the number, and it is deleted only after a later number is durable. If it is
    // missing, the manifest lost durable records (a damaged tail read as a torn one): trusting
    // it would silently drop the tables those records added.
    if (log > 0 && !fs.exists(FileNames.path(walDir, FileNames.log(log)))) {
      throw new CorruptionException(
          manifestName,
          -1,
          "the manifest's log number names missing " + FileNames.log(log)
              + ": the manifest lost records");
    }
    markFileNumberUsed(m.nextFileNumber() - 1);
    recoveredManifest = manifestName;
    closedLogNumber = m.closedLogNumber();
    closedLogLength = m.closedLogLength();
    FileNames.Parsed parsed = FileNames.parse(manifestName);
    markFileNumberUsed(parsed.number());
    logNumber = log;
    lastSequence = m.lastSequence();
    families.clear();
    families.putAll(m.families());
    maxFamilyId = m.maxFamilyId();
    for (int i = 0; i < NUM_LEVELS; i++) {
      List<FileMetadata> list = new ArrayList<>(m.levels().get(i).values());
      for (FileMetadata f : list) {
        markFileNumberUsed(f.number());
        f.setOnObsolete(onObsolete);
      }
      Level level = new Level(i, list);
      if (!level.isDisjoint()) {
        throw new CorruptionException(manifestName, -1, "level " + i + " has overlapping files");
      }
      levels[i].replace(level);
    }
  }

  private String readCurrent() throws IOException {
    return ManifestContents.readCurrent(fs, dir);
  }


  /**
   * Appends {@code edit} to the manifest, forces it, then installs the changed levels bottom
   * level first (so that a reader going top-down never misses a key that moves down).
   *
   * <p>Requires: every added file is complete, synced, and its directory entry forced. May block
   * on disk I/O; call only from background work or open.
   *
   * @throws IOException if the manifest cannot be written; the levels are then unchanged and the
   *     caller must treat the database as failed (the manifest may end in a partial record)
   */
  public void logAndApply(VersionEdit edit) throws IOException {
    logAndApply(edit, false);
  }

  /**
   * Marks the start of an install: from here until {@link #endInstall} readers that want one
   * version wait. Installs mark only their swaps (never their I/O), and a flush marks its swap of
   * level 0 together with the removal of its memtable.
   */
  public void beginInstall() {
    installsBegun.incrementAndGet();
  }

  public void endInstall() {
    installsEnded.incrementAndGet();
  }

  /**
   * The count of installs begun, or -1 while one is in progress: a reader takes it before pinning
   * the memtables and levels, and {@link #installsSince} after.
   */
  public long installsQuiet() {
    long ended = installsEnded.get();
    long begun = installsBegun.get();
    return begun == ended ? begun : -1;
  }

  /** Whether an install began since {@link #installsQuiet} returned {@code quiet}. */
  public boolean installsSince(long quiet) {
    return installsBegun.get() != quiet;
  }

  /**
   * As {@link #logAndApply(VersionEdit)}; with {@code keepOpen} the install stays marked begun
   * after the levels are swapped, and the caller calls {@link #endInstall} (a flush, once its
   * memtable is removed), even if this throws after beginning.
   *
   * @return whether the install was begun (and so must be ended by a {@code keepOpen} caller)
   */
  public boolean logAndApply(VersionEdit edit, boolean keepOpen) throws IOException {
    boolean begun = false;
    versionLock.lock();
    try {
      if (edit.logNumber() >= 0 && edit.logNumber() < logNumber) {
        throw new IllegalArgumentException(
            "log number moves back from " + logNumber + " to " + edit.logNumber());
      }
      edit.setNextFileNumber(nextFileNumber.get());
      if (edit.lastSequence() < 0) {
        edit.setLastSequence(lastSequence);
      }
      if (manifestError != null) {
        throw new IOException("the manifest failed earlier; reopen the database", manifestError);
      }
      byte[] record = edit.encode();
      fs.crashPoint(CrashPoint.MANIFEST_BEFORE_APPEND);
      try {
        manifest.addRecord(record, 0, record.length);
        fs.crashPoint(CrashPoint.MANIFEST_AFTER_APPEND);
        manifest.sync();
      } catch (IOException e) {
        manifestError = e;
        throw e;
      }
      fs.crashPoint(CrashPoint.MANIFEST_AFTER_SYNC);
      beginInstall();
      begun = true;
      try {
        applyLocked(edit);
      } finally {
        if (!keepOpen) {
          endInstall();
        }
      }
      fs.crashPoint(CrashPoint.VERSION_AFTER_INSTALL);
      if (manifest.size() > MANIFEST_ROLL_BYTES) {
        writeSnapshotManifestLocked();
      }
      return begun;
    } catch (IOException | RuntimeException | Error e) {
      if (begun && keepOpen) {
        endInstall();
      }
      throw e;
    } finally {
      versionLock.unlock();
    }
  }

  @GuardedBy("versionLock")
  private void applyLocked(VersionEdit edit) {
    assert versionLock.isHeldByCurrentThread();
    if (edit.logNumber() >= 0) {
      logNumber = edit.logNumber();
    }
    if (edit.lastSequence() > lastSequence) {
      lastSequence = edit.lastSequence();
    }
    for (VersionEdit.FamilyAdded f : edit.familiesAdded()) {
      families.put(f.id(), f.name());
    }
    for (int id : edit.familiesDropped()) {
      families.remove(id);
    }
    maxFamilyId = Math.max(maxFamilyId, edit.maxFamilyId());
    for (int i = NUM_LEVELS - 1; i >= 0; i--) {
      List<FileMetadata> removed = new ArrayList<>();
      List<FileMetadata> added = new ArrayList<>();
      Level current = levels[i].level();
      for (VersionEdit.Deleted d : edit.deleted()) {
        if (d.level() == i) {
          for (FileMetadata f : current.files()) {
            if (f.number() == d.number()) {
              removed.add(f);
            }
          }
        }
      }
      for (VersionEdit.Added a : edit.added()) {
        if (a.level() == i) {
          a.file().setOnObsolete(onObsolete);
          added.add(a.file());
        }
      }
      if (!removed.isEmpty() || !added.isEmpty()) {
        Level next = current.with(removed, added);
        assert next.isDisjoint() : "level " + i + " would overlap after " + edit;
        levels[i].replace(next);
      }
    }
  }

  /** Starts a new manifest holding the whole state, points CURRENT at it, drops the old one. */
  @GuardedBy("versionLock")
  private void writeSnapshotManifestLocked() throws IOException {
    assert versionLock.isHeldByCurrentThread();
    long number = nextFileNumber.getAndIncrement();
    String name = FileNames.manifest(number);
    VersionEdit snapshot = new VersionEdit().setLogNumber(logNumber).setLastSequence(lastSequence);
    if (maxFamilyId > 0) {
      snapshot.setMaxFamilyId(maxFamilyId);
    }
    for (java.util.Map.Entry<Integer, String> f : families.entrySet()) {
      snapshot.addFamily(f.getKey(), f.getValue());
    }
    for (int i = 0; i < NUM_LEVELS; i++) {
      for (FileMetadata f : levels[i].level().files()) {
        snapshot.addFile(i, f);
      }
    }
    snapshot.setNextFileNumber(nextFileNumber.get());
    WritableFile file = fs.create(FileNames.path(dir, name));
    LogWriter writer = new LogWriter(file, name);
    boolean[] renamed = {false};
    try {
      byte[] record = snapshot.encode();
      writer.addRecord(record, 0, record.length);
      writer.sync();
      fs.syncDirectory(dir);
      fs.crashPoint(CrashPoint.MANIFEST_SNAPSHOT_WRITTEN);
      setCurrent(name, renamed);
    } catch (IOException | RuntimeException e) {
      writer.close();
      // Once CURRENT was renamed it may name the new manifest, durably or not: keep the manifest.
      if (!renamed[0]) {
        fs.delete(FileNames.path(dir, name));
      }
      throw e;
    }
    LogWriter old = manifest;
    long oldNumber = manifestNumber;
    manifest = writer;
    manifestNumber = number;
    if (old != null) {
      old.close();
      // CURRENT no longer names the old manifest and that rename is durable: safe to delete.
      fs.crashPoint(CrashPoint.OBSOLETE_BEFORE_DELETE);
      fs.delete(FileNames.path(dir, FileNames.manifest(oldNumber)));
      fs.crashPoint(CrashPoint.OBSOLETE_AFTER_DELETE);
    }
  }

  /** Replaces CURRENT atomically: write a temporary file, force it, rename, force the directory. */
  private void setCurrent(String manifestName, boolean[] renamed) throws IOException {
    long tmpNumber = nextFileNumber.getAndIncrement();
    Path tmp = FileNames.path(dir, FileNames.temp(tmpNumber));
    byte[] content = (manifestName + "\n").getBytes(StandardCharsets.UTF_8);
    try (WritableFile f = fs.create(tmp)) {
      f.append(content, 0, content.length);
      f.sync();
    }
    fs.crashPoint(CrashPoint.CURRENT_BEFORE_RENAME);
    fs.rename(tmp, FileNames.path(dir, FileNames.CURRENT));
    renamed[0] = true;
    fs.crashPoint(CrashPoint.CURRENT_AFTER_RENAME);
    fs.syncDirectory(dir);
    fs.crashPoint(CrashPoint.CURRENT_AFTER_DIR_SYNC);
  }

  /** The name of the manifest the last {@link #recover()} read, or null after {@link #create()}. */
  /**
   * Whether the recovered manifest ended with a clean close's record that WAL {@code number} was
   * forced at exactly {@code length} bytes: appended to after that close, or cut short, it no
   * longer matches.
   */
  public boolean closedCleanlyAt(long number, long length) {
    versionLock.lock();
    try {
      return closedLogNumber == number && closedLogLength == length;
    } finally {
      versionLock.unlock();
    }
  }

  public String recoveredManifest() {
    versionLock.lock();
    try {
      return recoveredManifest;
    } finally {
      versionLock.unlock();
    }
  }

  /** Number of the live manifest. */
  public long manifestNumber() {
    versionLock.lock();
    try {
      return manifestNumber;
    } finally {
      versionLock.unlock();
    }
  }

  /** The live column families other than the default, by id (the default's manifest only). */
  public java.util.SortedMap<Integer, String> families() {
    versionLock.lock();
    try {
      return new java.util.TreeMap<>(families);
    } finally {
      versionLock.unlock();
    }
  }

  /** The largest column family id ever handed out; 0 if only the default ever existed. */
  public int maxFamilyId() {
    versionLock.lock();
    try {
      return maxFamilyId;
    } finally {
      versionLock.unlock();
    }
  }

  /** Every table file number any level lists now. */
  public java.util.Set<Long> liveTableNumbers() {
    java.util.Set<Long> live = new java.util.HashSet<>();
    for (Level l : currentLevels()) {
      for (FileMetadata f : l.files()) {
        live.add(f.number());
      }
    }
    return live;
  }

  @Override
  public void close() throws IOException {
    versionLock.lock();
    try {
      if (manifest != null) {
        manifest.close();
        manifest = null;
      }
    } finally {
      versionLock.unlock();
    }
  }
}
