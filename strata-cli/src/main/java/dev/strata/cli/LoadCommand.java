package dev.strata.cli;

import dev.strata.StrataDB;
import dev.strata.WriteBatch;
import dev.strata.WriteOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code strata load}: writes the rows of a file in batches.
 *
 * <p><b>Durability.</b> Every batch is a {@link WriteOptions#SYNC} write, and only a non-empty
 * batch is ever written. A sync write returns after the engine has forced every retired WAL and
 * then the active one ({@code WriteController.appendToWal}); rows already flushed to tables were
 * forced with their WAL before the flush, and their tables and manifest edit before that WAL could
 * be deleted. So when a batch's write returns, its rows and every row before them are on stable
 * storage; and a finished load's last write is the sync write of its last, non-empty batch. (The
 * defect this replaces wrote every batch without sync and ended with a sync write of the
 * remainder, which returned early when the row count was a multiple of the batch size: nothing
 * was forced, and {@code close} does not force the WAL.) The cost is one fsync per batch.
 *
 * <p><b>Failure.</b> A malformed row stops the load at its line, after the rows before it are
 * committed (a sync write as above), and the error says how many: the input can be fixed and the
 * rest loaded from that line. A failed write reports the rows committed before its batch.
 *
 * <p>Nothing is touched before the input file has been found and opened; the database is created
 * only with {@code --create}.
 */
@Command(
    name = "load",
    mixinStandardHelpOptions = true,
    description = {
      "Load key-value rows from FILE in synced batches; the rows reported loaded are durable.",
      "Formats: dump (default: what dump writes), csv, tsv (RFC 4180 quoting, two fields),"
          + " jsonl ({\"key\": ..., \"value\": ...} per line). Input must be UTF-8."
    })
final class LoadCommand extends DbCommands.Base {
  /** Batches are also cut at this many bytes, far below the engine's batch limit. */
  private static final long BATCH_BYTES = 4L << 20;

  @Parameters(index = "0", paramLabel = "FILE", description = "The input file.")
  Path file;

  @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "dump",
      description = "dump, csv, tsv or jsonl (default: ${DEFAULT-VALUE}).")
  String format;

  @Option(names = "--header", description = "The first record of a csv or tsv file is a header.")
  boolean header;

  @Option(names = "--batch-size", paramLabel = "ROWS", defaultValue = "1000",
      description = "Rows per synced batch (default: ${DEFAULT-VALUE}).")
  int batchSize;

  @Option(names = "--create", description = "Create the database if it does not exist.")
  boolean create;

  @Option(names = "--sst", description = {
      "Sort the rows into tables and ingest them all at the end, without the write path: faster"
          + " for large inputs, and all or nothing (a bad row or a failure loads nothing).",
      "Needs memory for one part of --sst-part-bytes."})
  boolean sst;

  @Option(names = "--sst-part-bytes", paramLabel = "BYTES", defaultValue = "67108864",
      description = "With --sst: keys and values sorted in memory per table (default: ${DEFAULT-VALUE}).")
  long sstPartBytes;

  @Override
  public Integer call() throws Exception {
    InputFormat f = parseFormat();
    if (batchSize < 1) {
      throw usage("--batch-size must be at least 1");
    }
    if (sstPartBytes < 1) {
      throw usage("--sst-part-bytes must be at least 1");
    }
    if (header && (f == InputFormat.DUMP || f == InputFormat.JSONL)) {
      throw usage("--header applies to --format csv and tsv only");
    }
    if (!Files.exists(file)) {
      throw new IllegalArgumentException("no such input file: " + file);
    }
    if (Files.isDirectory(file)) {
      throw new IllegalArgumentException("the input " + file + " is a directory");
    }
    try (RowReader rows = f.open(file, hex, header);
        StrataDB d = DbOpener.forWriting(db, create, mergeOperator(), cf)) {
      if (sst) {
        long n =
            new SstLoad(db, file, DbOpener.options(mergeOperator()), sstPartBytes, family(d))
                .run(d, rows);
        out().println(
            "loaded " + n + " rows from " + file + " by ingestion; all committed and durable");
        return 0;
      }
      return load(d, rows);
    }
  }

  private InputFormat parseFormat() {
    try {
      return InputFormat.valueOf(format.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw usage("unknown --format " + format + " (known: dump, csv, tsv, jsonl)");
    }
  }

  @Override
  int run(StrataDB d) {
    throw new UnsupportedOperationException("load opens the input before the database");
  }

  private int load(StrataDB d, RowReader rows) throws IOException {
    Batches b = new Batches(d);
    long size = Files.isRegularFile(file) ? Files.size(file) : -1;
    try (Progress bar = Progress.start("load", size, " KiB", 1024)) {
      RowReader.Row r;
      while ((r = next(rows, b)) != null) {
        b.add(r);
        bar.stepTo(rows.bytesRead());
      }
    }
    b.commit();
    out().println("loaded " + b.committed + " rows from " + file + "; all committed and durable");
    return 0;
  }

  /** The next row; on malformed input, commits the rows before it and says how many. */
  private RowReader.Row next(RowReader rows, Batches b) throws IOException {
    try {
      return rows.next();
    } catch (InputException e) {
      b.commit();
      throw new InputException(file, e.line(), e.problem() + "; the " + b.committed
          + " rows before line " + e.line() + " are committed and durable, nothing from it on was"
          + " loaded");
    }
  }

  /** The batch being filled and the count of rows durably committed. */
  private final class Batches {
    private final StrataDB d;
    private final WriteBatch batch = new WriteBatch();

    /** Rows in batches whose sync write returned. */
    long committed;

    /** Line of the first row in {@link #batch}. */
    private long firstLine;

    /** The family the rows go into; null for the default. */
    private final dev.strata.ColumnFamilyHandle family;

    Batches(StrataDB d) {
      this.d = d;
      this.family = family(d);
    }

    void add(RowReader.Row r) throws IOException {
      if (batch.count() == 0) {
        firstLine = r.line();
      }
      try {
        batch.put(family, r.key(), r.value());
      } catch (IllegalArgumentException e) {
        commit();
        throw new InputException(file, r.line(), e.getMessage() + "; the " + committed
            + " rows before line " + r.line() + " are committed and durable, nothing from it on"
            + " was loaded");
      }
      if (batch.count() >= batchSize || batch.approximateBytes() >= BATCH_BYTES) {
        commit();
      }
    }

    /** Writes the batch, if it holds anything, as a sync write. */
    void commit() throws IOException {
      if (batch.count() == 0) {
        return;
      }
      try {
        d.write(batch, WriteOptions.SYNC);
      } catch (RuntimeException e) {
        throw new IOException("writing the batch of rows from line " + firstLine + " failed: "
            + ErrorMessages.describe(e) + "; the " + committed + " rows before line " + firstLine
            + " are committed and durable", e);
      }
      committed += batch.count();
      batch.clear();
    }
  }
}
