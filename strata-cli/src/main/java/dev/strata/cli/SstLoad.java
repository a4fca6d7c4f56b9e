package dev.strata.cli;

import dev.strata.IngestOptions;
import dev.strata.Options;
import dev.strata.SstFileWriter;
import dev.strata.StrataDB;
import dev.strata.fs.FileSystem;
import dev.strata.util.Bytes;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code strata load --sst}: the rows are sorted in memory a part at a time, each part written as a
 * table by {@link SstFileWriter}, and all the tables ingested by one {@link
 * StrataDB#ingestExternalFiles} call at the end. So the load is all or nothing: a malformed row or
 * a failure anywhere loads nothing, and a crash before the ingestion's manifest edit leaves the
 * database as it was. Within the input a later row of a key wins, as with the batched load: within
 * a part by replacing the earlier one, across parts because later tables of one ingestion are
 * newer.
 *
 * <p>The tables are written to a directory beside the database ({@code <db>.strata-load-<pid>}),
 * on the same file store as far as the user's layout allows, so that the ingestion can hard-link
 * them; it is removed at the end, whatever the outcome. Memory: one part, about {@code partBytes}
 * of keys and values plus the map's overhead.
 */
final class SstLoad {
  private final Path db;
  private final Path input;
  private final Options options;
  private final long partBytes;

  private final List<Path> tables = new ArrayList<>();
  private TreeMap<byte[], byte[]> part = new TreeMap<>(Bytes.COMPARATOR);
  private long partSize;
  private long rows;

  /** The column family the tables go into; null for the default. */
  private final dev.strata.ColumnFamilyHandle family;

  SstLoad(Path db, Path input, Options options, long partBytes, dev.strata.ColumnFamilyHandle family) {
    this.family = family;
    this.db = db;
    this.input = input;
    this.options = options;
    this.partBytes = partBytes;
  }

  /** Loads every row of {@code reader} into {@code d}; returns the count of rows loaded. */
  long run(StrataDB d, RowReader reader) throws IOException {
    FileSystem fs = options.fileSystem();
    Path abs = db.toAbsolutePath();
    Path temp =
        abs.resolveSibling(abs.getFileName() + ".strata-load-" + ProcessHandle.current().pid());
    fs.createDirectories(temp);
    try (Progress bar = Progress.start("sort and write tables", -1, null, 1)) {
      RowReader.Row r;
      while ((r = next(reader)) != null) {
        add(r);
        if (partSize >= partBytes) {
          writePart(temp);
        }
        bar.step();
      }
      writePart(temp);
      if (!tables.isEmpty()) {
        try {
          d.ingestExternalFiles(
              family, tables, IngestOptions.builder().moveFiles(true).build());
        } catch (RuntimeException e) {
          throw new IOException(
              "ingesting the " + tables.size() + " tables failed: " + ErrorMessages.describe(e)
                  + "; nothing was loaded", e);
        }
      }
      return rows;
    } finally {
      removeAll(fs, temp);
    }
  }

  private RowReader.Row next(RowReader reader) throws IOException {
    try {
      return reader.next();
    } catch (InputException e) {
      throw new InputException(input, e.line(), e.problem() + "; with --sst nothing was loaded");
    }
  }

  private void add(RowReader.Row r) throws InputException {
    try {
      StrataDB.checkKey(r.key());
      StrataDB.checkValue(r.value());
    } catch (IllegalArgumentException e) {
      throw new InputException(input, r.line(), e.getMessage() + "; with --sst nothing was loaded");
    }
    byte[] old = part.put(r.key(), r.value());
    partSize += (old == null ? r.key().length : -old.length) + r.value().length;
    rows++;
  }

  /** Writes the part as one table, if it holds anything, and starts the next. */
  private void writePart(Path temp) throws IOException {
    if (part.isEmpty()) {
      return;
    }
    Path table = temp.resolve(String.format("part-%06d.sst", tables.size()));
    try (SstFileWriter w = new SstFileWriter(options)) {
      w.open(table);
      for (Map.Entry<byte[], byte[]> e : part.entrySet()) {
        w.put(e.getKey(), e.getValue());
      }
      w.finish();
    } catch (RuntimeException e) {
      throw new IOException(
          "writing " + table + " failed: " + ErrorMessages.describe(e) + "; nothing was loaded", e);
    }
    tables.add(table);
    part = new TreeMap<>(Bytes.COMPARATOR);
    partSize = 0;
  }

  private static void removeAll(FileSystem fs, Path temp) throws IOException {
    for (String name : fs.list(temp)) {
      fs.delete(temp.resolve(name));
    }
    fs.delete(temp);
  }
}
