package dev.strata.engine;

import dev.strata.CorruptionException;
import dev.strata.IngestOptions;
import dev.strata.Options;
import dev.strata.StrataException;
import dev.strata.fs.CrashPoint;
import dev.strata.fs.FileSystem;
import dev.strata.key.FragmentedRangeTombstones;
import dev.strata.key.InternalIterator;
import dev.strata.key.Trailer;
import dev.strata.memtable.Memtable;
import dev.strata.sstable.BlockCache;
import dev.strata.sstable.TableProperties;
import dev.strata.sstable.TableReader;
import dev.strata.util.Bytes;
import dev.strata.version.FileMetadata;
import dev.strata.version.FileNames;
import dev.strata.version.Level;
import dev.strata.version.VersionEdit;
import dev.strata.version.VersionSet;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link dev.strata.StrataDB#ingestExternalFiles}: tables written by {@link
 * dev.strata.SstFileWriter} join the levels without the WAL, the memtable or a compaction
 * (RocksDB's {@code ExternalSstFileIngestionJob}, Pebble's {@code ingest.go}).
 *
 * <ol>
 *   <li><b>Inspect</b> each file (no lock): it must be an external table, readable, with merge
 *       operands only if the database has a merge operator and write times exactly when it has a
 *       time-to-live filter; optionally every block's checksum is checked.
 *   <li><b>Place</b> each under a fresh table number in the database directory, hard-linked
 *       ({@code moveFiles}) or copied and forced, then force the directory (no lock). A crash from
 *       here on leaves unreferenced tables, which the next open deletes.
 *   <li><b>Install</b>, in the commit pipeline's leader role, so no write is in flight: memtables
 *       holding keys in the files' ranges are flushed first (writers wait) and the WALs are
 *       forced, so that no write made before is less durable than the ingestion; then, with
 *       compactions excluded, each file in list order takes two fresh sequences (its range
 *       tombstones the first, its entries the second, so that its tombstones hide what lies
 *       beneath and not its own entries) and the lowest level where no level above it holds a
 *       file overlapping its range, level 0 if level 0 does; one manifest edit adds them all and
 *       records the last sequence; then the sequences become visible. The list is atomic: the
 *       edit is one record.
 *   <li>With {@code moveFiles}, the files' old names are removed.
 * </ol>
 *
 * <p>Snapshots taken before see nothing of the files: their sequences are above every snapshot's.
 * The ingested file's entries all read at its global sequence, which the manifest records (tag
 * 7); its bytes are never changed. Semantics and formats: {@code docs/design/ingestion.md}.
 */
final class Ingestion {
  private static final Logger LOG = LoggerFactory.getLogger(Ingestion.class);

  /**
   * Installs that find a compaction running give up the leader role and wait for it outside this
   * many times; then one waits for it in the leader role, so that a stream of compactions cannot
   * starve the ingestion.
   */
  static final int MAX_POLITE_ATTEMPTS = 3;

  private final Path dir;
  private final Options options;
  private final FileSystem fs;
  private final VersionSet versions;
  private final DbStatus status;
  private final WriteController writes;
  private final BackgroundJobs jobs;
  private final InfoLog infoLog;

  /** The column family the files go into. */
  private final ColumnFamily family;

  Ingestion(
      ColumnFamily family,
      DbStatus status,
      WriteController writes,
      BackgroundJobs jobs,
      InfoLog infoLog) {
    this.family = family;
    this.dir = family.dir;
    this.options = family.options;
    this.fs = options.fileSystem();
    this.versions = family.versions;
    this.status = status;
    this.writes = writes;
    this.jobs = jobs;
    this.infoLog = infoLog;
  }

  /** One file to ingest, once inspected: where it is, what it holds, and its user key range. */
  record Candidate(
      Path source,
      TableProperties props,
      FragmentedRangeTombstones pieces,
      byte[] smallest,
      byte[] largest) {}

  /** See {@link dev.strata.StrataDB#ingestExternalFiles}. */
  void ingest(List<Path> files, IngestOptions io) {
    status.checkOpen();
    status.checkWritable();
    Set<Path> seen = new HashSet<>();
    for (Path p : files) {
      if (p == null) {
        throw new NullPointerException("file path must not be null");
      }
      if (!seen.add(p.toAbsolutePath().normalize())) {
        throw new IllegalArgumentException("file listed twice: " + p);
      }
    }
    if (files.isEmpty()) {
      return;
    }
    List<Candidate> candidates = new ArrayList<>(files.size());
    for (Path p : files) {
      candidates.add(inspect(p, io.verifyChecksums()));
    }
    long[] numbers = new long[candidates.size()];
    boolean installed = false;
    // Set once the manifest edit is attempted: from then on the tables may be named by it.
    boolean[] manifestTouched = new boolean[1];
    try {
      for (int i = 0; i < numbers.length; i++) {
        numbers[i] = versions.newFileNumber();
        place(candidates.get(i), FileNames.tablePath(dir, numbers[i]), io.moveFiles());
      }
      fs.syncDirectory(dir);
      fs.crashPoint(CrashPoint.INGEST_TABLES_PLACED);
      List<String> placedAt = new ArrayList<>();
      // A compaction running now would make writers wait behind the install for its rest: wait
      // for it outside the leader role and try again, a few times before waiting inside it.
      boolean[] done = new boolean[1];
      for (int attempt = 0; !done[0]; attempt++) {
        boolean mayWait = attempt >= MAX_POLITE_ATTEMPTS;
        writes.runExclusive(
            () -> done[0] = install(candidates, numbers, io, manifestTouched, placedAt, mayWait));
        if (!done[0]) {
          jobs.awaitRunningCompaction();
        }
      }
      installed = true;
      fs.crashPoint(CrashPoint.INGEST_AFTER_INSTALL);
      infoLog.info("ingested {} file(s): {}", candidates.size(), String.join(", ", placedAt));
    } catch (IOException e) {
      throw new StrataException("ingestion into " + dir + " failed: " + e.getMessage(), e);
    } finally {
      if (!installed && !manifestTouched[0]) {
        removePlaced(numbers);
      }
    }
    jobs.signalCompaction();
    if (io.moveFiles()) {
      for (Candidate c : candidates) {
        try {
          fs.delete(c.source());
        } catch (IOException e) {
          LOG.warn("ingested {} but could not remove it: {}", c.source(), e.toString());
        }
      }
    }
  }

  /**
   * Opens {@code path} as a table and checks that this database can take it in.
   *
   * @throws StrataException naming the file if it is missing, unreadable, corrupt, not written by
   *     {@code SstFileWriter}, or incompatible with the options
   */
  private Candidate inspect(Path path, boolean verifyChecksums) {
    long size;
    TableReader reader;
    try {
      size = fs.size(path);
      reader = TableReader.open(fs.openRead(path), path.toString(), size, BlockCache.create(0));
    } catch (CorruptionException e) {
      throw e;
    } catch (IOException e) {
      throw new StrataException("cannot read " + path + ": " + e.getMessage(), e);
    }
    try (reader) {
      TableProperties props = reader.properties();
      if (!props.isExternal()) {
        throw new StrataException(
            path + " was not written by SstFileWriter (a database's own tables cannot be"
                + " ingested: their entries carry sequences of another write order)");
      }
      if (props.mergeCount() > 0 && options.mergeOperator() == null) {
        throw new StrataException(
            path + " holds " + props.mergeCount() + " merge operands and the database has no"
                + " merge operator");
      }
      boolean ttl = options.compactionFilter() instanceof dev.strata.CompactionFilters.Ttl;
      if (props.externalValuesCarryWriteTimes() != ttl) {
        throw new StrataException(
            path
                + (ttl
                    ? " was written without a time-to-live filter, which the database has"
                    : " was written with a time-to-live filter, which the database lacks")
                + ": open the SstFileWriter with the database's options");
      }
      if (verifyChecksums) {
        try (InternalIterator it = reader.newIterator(true, false)) {
          for (it.seekToFirst(); it.isValid(); it.next()) {
            // Reading each block verifies its checksum.
          }
        }
      }
      FragmentedRangeTombstones pieces = reader.rangeTombstones();
      FileMetadata range = FileMetadata.ofTable(0, props, pieces);
      return new Candidate(
          path, props, pieces, range.smallestUserKey(), range.largestUserKey());
    }
  }

  /** Hard-links {@code c} to {@code to} if asked and possible, else copies it (forced). */
  private void place(Candidate c, Path to, boolean move) throws IOException {
    if (move) {
      Exception e = Checkpoint.tryLink(fs, c.source(), to);
      if (e == null) {
        return;
      }
      LOG.info("cannot hard-link {} into {} ({}); copying it", c.source(), dir, e.toString());
    }
    Checkpoint.copyTable(fs, c.source(), to, c.props().fileSize());
  }

  /**
   * In the leader role: flushes overlapping memtables, then, with compactions excluded, picks the
   * levels, takes the sequences, writes the manifest edit and publishes the sequences.
   *
   * @param mayWait whether to wait for a running compaction; if false and one runs, nothing is
   *     installed
   * @return whether the files were installed
   */
  private boolean install(
      List<Candidate> candidates,
      long[] numbers,
      IngestOptions io,
      boolean[] manifestTouched,
      List<String> placedAt,
      boolean mayWait) {
    status.checkOpen();
    status.checkWritable();
    writes.flushIfOverlapping(family, m -> overlapsAny(m, candidates), io.allowBlockingFlush());
    writes.syncWals();
    return jobs.excludingCompactions(
        () -> {
          int[] levels = pickLevels(versions.currentLevels(), candidates);
          long first = writes.allocateSequences(2 * candidates.size());
          long last = first + 2L * candidates.size() - 1;
          VersionEdit edit = new VersionEdit().setLastSequence(last);
          for (int i = 0; i < candidates.size(); i++) {
            Candidate c = candidates.get(i);
            long global = first + 2L * i + 1;
            FileMetadata f = FileMetadata.ofIngested(numbers[i], c.props(), c.pieces(), global);
            edit.addFile(levels[i], f);
            placedAt.add(FileNames.table(numbers[i]) + " at level " + levels[i] + " seq " + global);
          }
          try {
            manifestTouched[0] = true;
            versions.logAndApply(edit);
          } catch (IOException e) {
            writes.recordBackgroundError("ingestion", e);
            throw new StrataException("ingestion's manifest edit failed: " + e.getMessage(), e);
          }
          writes.publishSequence(last);
        },
        mayWait);
  }

  /**
   * The level each file goes to, in list order, each seeing those placed before it: the lowest
   * level such that no level above it, nor itself, holds a file overlapping the file's user key
   * range; level 0 when level 0 does. A file placed below a level would be shadowed there by
   * older versions of its keys, since reads trust the level order.
   */
  static int[] pickLevels(Level[] levels, List<Candidate> candidates) {
    int[] out = new int[candidates.size()];
    List<List<byte[][]>> placed = new ArrayList<>();
    for (int l = 0; l < VersionSet.NUM_LEVELS; l++) {
      placed.add(new ArrayList<>());
    }
    for (int i = 0; i < candidates.size(); i++) {
      Candidate c = candidates.get(i);
      int target = VersionSet.NUM_LEVELS - 1;
      for (int l = 0; l < VersionSet.NUM_LEVELS; l++) {
        if (overlaps(levels[l], placed.get(l), c.smallest(), c.largest())) {
          target = Math.max(0, l - 1);
          break;
        }
      }
      out[i] = target;
      placed.get(target).add(new byte[][] {c.smallest(), c.largest()});
    }
    return out;
  }

  private static boolean overlaps(
      Level level, List<byte[][]> placed, byte[] smallest, byte[] largest) {
    if (!level.overlapping(smallest, largest).isEmpty()) {
      return true;
    }
    for (byte[][] r : placed) {
      if (Bytes.compare(r[0], largest) <= 0 && Bytes.compare(r[1], smallest) >= 0) {
        return true;
      }
    }
    return false;
  }

  /** Whether {@code m} holds an entry or a range tombstone within any candidate's key range. */
  static boolean overlapsAny(Memtable m, List<Candidate> candidates) {
    if (m.isEmpty()) {
      return false;
    }
    FragmentedRangeTombstones ranges = m.rangeTombstones();
    try (InternalIterator it = m.newIterator()) {
      for (Candidate c : candidates) {
        it.seek(c.smallest(), Trailer.seekTrailer(Trailer.MAX_SEQUENCE));
        if (it.isValid() && Bytes.compare(it.userKey(), c.largest()) <= 0) {
          return true;
        }
        for (int f = 0; f < ranges.fragmentCount(); f++) {
          if (Bytes.compare(ranges.start(f), c.largest()) <= 0
              && Bytes.compare(ranges.end(f), c.smallest()) > 0) {
            return true;
          }
        }
      }
    }
    return false;
  }

  /** Removes the tables this ingestion placed, which no version names. */
  private void removePlaced(long[] numbers) {
    for (long n : numbers) {
      if (n == 0) {
        continue;
      }
      try {
        fs.delete(FileNames.tablePath(dir, n));
      } catch (IOException | RuntimeException e) {
        LOG.warn("could not remove {} after a failed ingestion; the next open does", n, e);
      }
    }
  }
}
