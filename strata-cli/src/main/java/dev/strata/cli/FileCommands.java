package dev.strata.cli;

import dev.strata.CorruptionException;
import dev.strata.fs.FileSystem;
import dev.strata.fs.ReadableFile;
import dev.strata.key.InternalIterator;
import dev.strata.key.Trailer;
import dev.strata.key.ValueKind;
import dev.strata.sstable.BlockCache;
import dev.strata.sstable.TableProperties;
import dev.strata.sstable.TableReader;
import dev.strata.version.FileNames;
import dev.strata.version.VersionEdit;
import dev.strata.wal.LogReader;
import dev.strata.wal.WriteBatchCodec;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Subcommands that read database files directly, without opening the database: they work on a
 * database another process holds open, and on damaged files, which they report by file and offset.
 */
final class FileCommands {
  private static final FileSystem FS = FileSystem.nio();

  private FileCommands() {}

  /** Options shared by the file readers. */
  abstract static class Base implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--hex", description = "Print keys and values as hex (default: escaped text).")
    boolean hex;

    @Option(names = "--verbose", description = "Log at info level and print stack traces of errors.")
    boolean verbose;

    PrintWriter out() {
      return spec.commandLine().getOut();
    }

    String text(byte[] b) {
      return ByteText.show(b, hex);
    }

    static void requireFile(Path p) {
      if (!Files.isRegularFile(p)) {
        throw new IllegalArgumentException("no such file: " + p);
      }
    }
  }

  @Command(name = "sst-dump", mixinStandardHelpOptions = true, description = "Print a table file's properties and, with --blocks, its entries.")
  static final class SstDump extends Base {
    @Parameters(index = "0", paramLabel = "FILE")
    Path file;

    @Option(names = "--blocks", description = "List every entry (key, sequence, kind, value).")
    boolean blocks;

    @Override
    public Integer call() throws IOException {
      requireFile(file);
      try (TableReader t =
          TableReader.open(
              FS.openRead(file), file.getFileName().toString(), Files.size(file), BlockCache.create(0))) {
        TableProperties p = t.properties();
        PrintWriter out = out();
        out.println("file:              " + file);
        out.println("file size:         " + t.fileSize());
        out.println("format version:    " + t.formatVersion());
        out.println("entries:           " + p.entryCount() + " (" + p.tombstoneCount() + " tombstones)");
        out.println("data blocks:       " + p.dataBlockCount());
        out.println("compression:       " + p.compression());
        out.println("bloom bits/key:    " + p.bloomBitsPerKey());
        if (p.prefixExtractorName() != null) {
          out.println("prefix extractor:  " + p.prefixExtractorName());
        }
        out.println("raw key bytes:     " + p.rawKeyBytes());
        out.println("raw value bytes:   " + p.rawValueBytes());
        out.println("sequences:         " + p.smallestSequence() + " .. " + p.largestSequence());
        if (p.isExternal()) {
          out.println("external:          written by SstFileWriter for ingestion; " + p.mergeCount()
              + " merge operands" + (p.externalValuesCarryWriteTimes() ? ", values carry write times"
              : "") + "; a database reads it at the sequence its manifest gives it");
        }
        out.println("smallest key:      " + text(p.smallestUserKey()));
        out.println("largest key:       " + text(p.largestUserKey()));
        out.println("created:           " + java.time.Instant.ofEpochMilli(p.creationTimeMillis()));
        dev.strata.key.FragmentedRangeTombstones ranges = t.rangeTombstones();
        out.println("range tombstones:  " + p.rangeTombstoneCount()
            + " (" + ranges.fragmentCount() + " fragments)");
        out.println("index:             " + t.indexEntries().size() + " data blocks");
        for (TableReader.IndexEntry e : t.indexEntries()) {
          dev.strata.key.InternalKey last = dev.strata.key.InternalKey.decode(e.lastKey());
          out.println(
              "  block at "
                  + e.offset()
                  + ", "
                  + e.size()
                  + " bytes, last key "
                  + text(last.userKey())
                  + " @"
                  + last.sequence());
        }
        if (blocks) {
          try (InternalIterator it = t.newIterator(true, false)) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
              long tr = it.trailer();
              out.println(
                  text(it.userKey())
                      + " @"
                      + Trailer.sequence(tr)
                      + (Trailer.isDelete(tr)
                          ? " DEL"
                          : (Trailer.isMerge(tr) ? " MERGE " : " PUT ") + text(it.value())));
            }
          }
          for (int i = 0; i < ranges.fragmentCount(); i++) {
            for (long seq : ranges.sequences(i)) {
              out.println("[" + text(ranges.start(i)) + ", " + text(ranges.end(i)) + ") @" + seq
                  + " RANGE_DELETE");
            }
          }
        }
      }
      return 0;
    }
  }

  @Command(
      name = "wal-dump",
      mixinStandardHelpOptions = true,
      description = {
        "Print every write batch of a write-ahead log, one operation a line: @SEQ VALUE KEY VALUE,",
        "@SEQ DELETE KEY, @SEQ MERGE KEY OPERAND, @SEQ RANGE_DELETE [BEGIN, END)."
      })
  static final class WalDump extends Base {
    @Parameters(index = "0", paramLabel = "FILE")
    Path file;

    @Override
    public Integer call() throws IOException {
      requireFile(file);
      String name = file.getFileName().toString();
      try (ReadableFile f = FS.openRead(file)) {
        LogReader r = new LogReader(f, name);
        long records = 0;
        byte[] rec;
        while ((rec = next(r, file, records, "write-ahead log")) != null) {
          long offset = r.recordOffset();
          List<String> ops = new ArrayList<>();
          try {
            WriteBatchCodec.decode(
                rec,
                name,
                offset,
                (WriteBatchCodec.FamilyHandler)
                    (seq, family, kind, key, value) ->
                        ops.add("  @" + seq + (family == 0 ? "" : " cf " + family) + " "
                            + op(kind, key, value, hex)));
          } catch (CorruptionException e) {
            if (records == 0) {
              throw new IllegalArgumentException(file + " is not a write-ahead log: its first"
                  + " record is no write batch (" + e.getMessage() + "); for a manifest use"
                  + " manifest-dump");
            }
            throw e;
          }
          records++;
          out().println("record at " + offset + ": " + ops.size() + " ops");
          ops.forEach(out()::println);
        }
        requireSomeRecord(f, file, records, "write-ahead log");
        out().println(records + " records" + tornTail(f, r));
      }
      return 0;
    }
  }

  /**
   * One WAL operation as wal-dump prints it: {@code VALUE key value}, {@code DELETE key}, {@code
   * MERGE key operand}, and {@code RANGE_DELETE [begin, end)} as sst-dump prints a range tombstone.
   */
  private static String op(ValueKind kind, byte[] key, byte[] value, boolean hex) {
    if (kind == ValueKind.RANGE_DELETE) {
      return kind + " [" + ByteText.show(key, hex) + ", " + ByteText.show(value, hex) + ")";
    }
    return kind + " " + ByteText.show(key, hex)
        + (value == null ? "" : " " + ByteText.show(value, hex));
  }

  /**
   * The next record; a first record that fails its checks means the file is no log at all (a
   * damaged later one is reported as the corruption it is).
   */
  static byte[] next(LogReader r, Path file, long read, String kind) throws IOException {
    try {
      return r.next();
    } catch (CorruptionException e) {
      if (read == 0) {
        throw new IllegalArgumentException(file + " is not a " + kind + ": "
            + e.getMessage(), e);
      }
      throw e;
    }
  }

  /**
   * Refuses a non-empty file in which the reader found no complete record: whatever it holds is
   * not a log (a log whose only write was cut by a crash reads the same, and holds nothing).
   */
  static void requireSomeRecord(ReadableFile f, Path file, long records, String kind)
      throws IOException {
    if (records == 0 && f.size() > 0 && !allZero(f)) {
      throw new IllegalArgumentException(file + " is not a " + kind
          + ": it holds no complete log record");
    }
  }

  private static boolean allZero(ReadableFile f) throws IOException {
    byte[] buf = new byte[8192];
    for (long pos = 0; pos < f.size(); pos += buf.length) {
      int n = (int) Math.min(buf.length, f.size() - pos);
      f.readFully(pos, buf, 0, n);
      for (int i = 0; i < n; i++) {
        if (buf[i] != 0) {
          return false;
        }
      }
    }
    return true;
  }

  /** ", torn tail at N (...)" when the log ends in one, else "". */
  static String tornTail(ReadableFile f, LogReader r) throws IOException {
    long at = r.tornTailOffset();
    if (at < 0) {
      return "";
    }
    return LogTail.classify(f, at) == LogTail.Kind.DAMAGED
        ? ", then a damaged last record at " + at + " (it fails its checksum; strata verify"
            + " reports it)"
        : ", torn tail at " + at + " (" + (f.size() - at) + " bytes cut by a crash)";
  }

  @Command(name = "manifest-dump", mixinStandardHelpOptions = true, description = "Print every version edit of a manifest.")
  static final class ManifestDump extends Base {
    @Parameters(index = "0", paramLabel = "FILE")
    Path file;

    @Override
    public Integer call() throws IOException {
      requireFile(file);
      String name = file.getFileName().toString();
      try (ReadableFile f = FS.openRead(file)) {
        LogReader r = new LogReader(f, name);
        long edits = 0;
        byte[] rec;
        while ((rec = next(r, file, edits, "manifest")) != null) {
          VersionEdit e;
          try {
            e = VersionEdit.decode(rec, name, r.recordOffset());
          } catch (CorruptionException ex) {
            if (edits == 0) {
              throw notAManifest(ex.getMessage());
            }
            throw ex;
          }
          if (edits == 0 && e.nextFileNumber() < 0) {
            // Every manifest starts with a snapshot edit, which records the next file number.
            throw notAManifest("its first record sets no next file number");
          }
          edits++;
          out().println(r.recordOffset() + ": " + e);
        }
        requireSomeRecord(f, file, edits, "manifest");
        out().println(edits + " edits" + tornTail(f, r));
      }
      return 0;
    }

    private IllegalArgumentException notAManifest(String why) {
      return new IllegalArgumentException(
          file + " is not a manifest: " + why + "; for a write-ahead log use wal-dump");
    }
  }

  /**
   * Checks, without writing anything, whether the database would open and return every write its
   * files hold ({@link DbVerifier}); exit code 1 if not. Works on a read-only directory.
   */
  @Command(
      name = "verify",
      mixinStandardHelpOptions = true,
      description = {
        "Check that the database would open and return every write its files hold:",
        "CURRENT and the manifest against the files (missing, extra, wrong size), every block of"
            + " every table, every record of every WAL. Reports each problem with its file and"
            + " offset; exit code 1 if there is one. Writes nothing.",
        "A torn WAL tail (a record cut short or zeroed, as a crash leaves it) is a note; a"
            + " complete last record that fails its checksum is a problem."
      })
  static final class Verify extends Base {
    @Option(names = "--db", required = true, paramLabel = "DIR", description = "Database directory.")
    Path db;

    @Override
    public Integer call() throws IOException {
      if (!Files.isDirectory(db)) {
        throw new IllegalArgumentException("no such directory: " + db);
      }
      DbVerifier v = new DbVerifier(FS, db);
      if (LockProbe.heldElsewhere(FileNames.path(db, FileNames.LOCK))) {
        v.note(FileNames.LOCK, -1, "another process holds the database open: files may change"
            + " while verify reads them, so findings may be stale");
      }
      try (Progress bar = Progress.start("verify", -1, null, 1)) {
        v.run(bar);
      }
      for (DbVerifier.Finding f : v.findings()) {
        out().println(f);
      }
      out().println(v.summary());
      return v.ok() ? 0 : 1;
    }
  }
}
