package dev.strata;

import dev.strata.fs.FileSystem;
import dev.strata.fs.WritableFile;
import dev.strata.key.FragmentedRangeTombstones;
import dev.strata.key.RangeTombstone;
import dev.strata.key.Trailer;
import dev.strata.key.ValueKind;
import dev.strata.key.WriteTimeFormat;
import dev.strata.sstable.TableBuilder;
import dev.strata.sstable.TableOptions;
import dev.strata.sstable.TableProperties;
import dev.strata.util.Bytes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Writes a table file outside any database, for {@link StrataDB#ingestExternalFiles}: how a
 * billion keys are loaded without the WAL, the memtable and the compactions of the write path.
 *
 * <pre>{@code
 * try (SstFileWriter w = new SstFileWriter(options)) {
 *   w.open(path);
 *   for (...) w.put(key, value);          // keys in ascending order
 *   w.finish();
 * }
 * db.ingestExternalFiles(List.of(path), IngestOptions.defaults());
 * }</pre>
 *
 * <p>Puts, merges and deletes come in strictly ascending key order (unsigned bytes, as the
 * database orders keys), one operation per key; range deletions come in ascending order of their
 * begin and may overlap each other and the point keys. Within the file a range deletion deletes
 * what the database held before the ingestion, never the file's own puts and merges. The table is
 * laid out with {@code options}' block size, compression, bloom filter and prefix extractor; a
 * database opened with a time-to-live filter ({@link CompactionFilters#ttl}) needs files written
 * with one too, whose values then carry the time of the put. Format: {@code
 * docs/format/sstable.md} (properties 16 and 17); semantics: {@code docs/design/ingestion.md}.
 *
 * <p>Not thread-safe. One writer writes one file at a time; after {@link #finish()} (or a failure)
 * it may {@link #open} another.
 */
public final class SstFileWriter implements AutoCloseable {
  private final FileSystem fs;
  private final TableOptions tableOptions;

  /** The database's time-to-live filter, whose clock stamps values; null without one. */
  private final CompactionFilters.Ttl ttl;

  // The file being written; all null between files.
  private Path path;
  private WritableFile file;
  private TableBuilder builder;

  private byte[] lastKey;
  private byte[] smallestKey;
  private long entries;
  private final List<RangeTombstone> ranges = new ArrayList<>();
  private byte[] rangeEnd;

  /** A writer laying out tables as a database opened with {@code options} would. */
  public SstFileWriter(Options options) {
    Objects.requireNonNull(options, "options must not be null");
    this.fs = options.fileSystem();
    this.tableOptions =
        new TableOptions(
            options.blockSizeBytes(),
            options.blockRestartInterval(),
            options.compression(),
            options.bloomBitsPerKey(),
            options.prefixExtractor());
    this.ttl = options.compactionFilter() instanceof CompactionFilters.Ttl t ? t : null;
  }

  /**
   * Starts a table at {@code path}, replacing any file there.
   *
   * @throws IllegalStateException if a file is already open
   * @throws StrataException if the file cannot be created
   */
  public void open(Path path) {
    Objects.requireNonNull(path, "path must not be null");
    if (file != null) {
      throw new IllegalStateException("a file is already open: " + this.path);
    }
    WritableFile created;
    try {
      created = fs.create(path);
    } catch (IOException e) {
      throw new StrataException("cannot create " + path + ": " + e.getMessage(), e);
    }
    this.path = path;
    this.file = created;
    this.builder = new TableBuilder(created, path.toString(), tableOptions);
    lastKey = null;
    smallestKey = null;
    entries = 0;
    ranges.clear();
    rangeEnd = null;
  }

  /**
   * Writes {@code key} with {@code value}.
   *
   * @throws IllegalArgumentException if the key does not sort after the previous one, or key or
   *     value exceeds the database's limits ({@link StrataDB#MAX_KEY_BYTES}, {@link
   *     StrataDB#MAX_VALUE_BYTES})
   * @throws IllegalStateException if no file is open
   */
  public void put(byte[] key, byte[] value) {
    StrataDB.checkKey(key);
    StrataDB.checkValue(value);
    add(key, ValueKind.VALUE, ttl == null ? value : WriteTimeFormat.append(value, ttl.clock().millis()));
  }

  /**
   * Writes a merge operand for {@code key}; the database that ingests the file needs a merge
   * operator.
   *
   * @throws IllegalArgumentException as for {@link #put}
   * @throws IllegalStateException if no file is open, or the options carry a time-to-live filter
   *     (which merges do not support)
   */
  public void merge(byte[] key, byte[] operand) {
    StrataDB.checkKey(key);
    StrataDB.checkValue(operand);
    if (ttl != null) {
      throw new IllegalStateException("merge operands do not carry write times for a ttl filter");
    }
    add(key, ValueKind.MERGE, operand);
  }

  /**
   * Writes a deletion of {@code key}: the ingested file hides what the database held for it.
   *
   * @throws IllegalArgumentException as for {@link #put}
   * @throws IllegalStateException if no file is open
   */
  public void delete(byte[] key) {
    StrataDB.checkKey(key);
    add(key, ValueKind.DELETE, new byte[0]);
  }

  /**
   * Writes a deletion of every key in [{@code begin}, {@code end}) that the database held before
   * the ingestion; an empty range is skipped.
   *
   * @throws IllegalArgumentException if {@code begin} sorts after {@code end} or before the
   *     previous range deletion's begin, or a bound exceeds {@link StrataDB#MAX_KEY_BYTES}
   * @throws IllegalStateException if no file is open
   */
  public void deleteRange(byte[] begin, byte[] end) {
    StrataDB.checkRange(begin, end);
    requireOpen();
    if (!ranges.isEmpty() && Bytes.compare(begin, ranges.get(ranges.size() - 1).start()) < 0) {
      throw new IllegalArgumentException(
          "range deletions out of order in "
              + path
              + ": "
              + Bytes.toHex(begin, 24)
              + " begins before the previous one");
    }
    if (Arrays.equals(begin, end)) {
      return;
    }
    ranges.add(new RangeTombstone(begin.clone(), end.clone(), 0));
    if (rangeEnd == null || Bytes.compare(end, rangeEnd) > 0) {
      rangeEnd = end.clone();
    }
  }

  private void add(byte[] key, ValueKind kind, byte[] value) {
    requireOpen();
    if (lastKey != null && Bytes.compare(key, lastKey) <= 0) {
      throw new IllegalArgumentException(
          "keys out of order in "
              + path
              + ": "
              + Bytes.toHex(key, 24)
              + (Arrays.equals(key, lastKey) ? " repeats the previous key" : " sorts before the previous key")
              + "; keys must be strictly ascending");
    }
    try {
      builder.add(key, Trailer.pack(0, kind), value);
    } catch (UncheckedIOException e) {
      throw new StrataException("writing " + path + " failed: " + e.getCause().getMessage(), e);
    }
    lastKey = key.clone();
    if (smallestKey == null) {
      smallestKey = lastKey;
    }
    entries++;
  }

  /**
   * Completes the file: writes the index, filter and properties, forces the file and its
   * directory entry, and closes it.
   *
   * @return what the file holds
   * @throws IllegalStateException if no file is open, or nothing was written to it (the file is
   *     then removed)
   * @throws StrataException if writing or forcing fails (the file is then removed)
   */
  public ExternalFileInfo finish() {
    requireOpen();
    Path written = path;
    if (entries == 0 && ranges.isEmpty()) {
      abandon();
      throw new IllegalStateException("nothing was written to " + written + "; it is removed");
    }
    try {
      if (!ranges.isEmpty()) {
        builder.setRangeTombstones(FragmentedRangeTombstones.of(ranges));
      }
      builder.markExternal(ttl != null);
      TableProperties props = builder.finish();
      file.sync();
      file.close();
      Path parent = written.toAbsolutePath().getParent();
      if (parent != null) {
        fs.syncDirectory(parent);
      }
      ExternalFileInfo info =
          new ExternalFileInfo(
              written,
              smallestKey == null ? null : smallestKey.clone(),
              lastKey == null ? null : lastKey.clone(),
              entries,
              ranges.isEmpty() ? null : ranges.get(0).start().clone(),
              rangeEnd == null ? null : rangeEnd.clone(),
              ranges.size(),
              props.fileSize());
      reset();
      return info;
    } catch (IOException | RuntimeException e) {
      abandon();
      if (e instanceof IOException io) {
        throw new StrataException("writing " + written + " failed: " + io.getMessage(), io);
      }
      throw (RuntimeException) e;
    }
  }

  /** Bytes the file would have if finished now, about; 0 when no file is open. */
  public long fileSize() {
    return builder == null ? 0 : builder.estimatedFileSize();
  }

  /** Abandons an unfinished file, removing it; nothing once finished. */
  @Override
  public void close() {
    if (file != null) {
      abandon();
    }
  }

  private void abandon() {
    Path p = path;
    try {
      builder.close();
      file.close();
    } catch (IOException | RuntimeException e) {
      // The file is removed below either way.
    } finally {
      reset();
    }
    try {
      fs.delete(p);
    } catch (IOException e) {
      throw new StrataException("cannot remove the unfinished " + p + ": " + e.getMessage(), e);
    }
  }

  private void reset() {
    path = null;
    file = null;
    builder = null;
  }

  private void requireOpen() {
    if (file == null) {
      throw new IllegalStateException("no file is open: call open(path) first");
    }
  }
}
