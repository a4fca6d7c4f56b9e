package dev.strata.cli;

import dev.strata.CorruptionException;
import dev.strata.fs.FileSystem;
import dev.strata.fs.ReadableFile;
import dev.strata.key.InternalIterator;
import dev.strata.key.Trailer;
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
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
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

    @Option(names = "--hex", description = "Print keys and values as hex (default: UTF-8 text).")
    boolean hex;

    @Option(names = "--verbose", description = "Print stack traces of errors.")
    boolean verbose;

    PrintWriter out() {
      return spec.commandLine().getOut();
    }

    String text(byte[] b) {
      return DbCommands.render(b, hex);
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
        out.println("raw key bytes:     " + p.rawKeyBytes());
        out.println("raw value bytes:   " + p.rawValueBytes());
        out.println("sequences:         " + p.smallestSequence() + " .. " + p.largestSequence());
        out.println("smallest key:      " + text(p.smallestUserKey()));
        out.println("largest key:       " + text(p.largestUserKey()));
        out.println("created:           " + java.time.Instant.ofEpochMilli(p.creationTimeMillis()));
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
                      + (Trailer.isDelete(tr) ? " DEL" : " PUT " + text(it.value())));
            }
          }
        }
      }
      return 0;
    }
  }

  @Command(name = "wal-dump", mixinStandardHelpOptions = true, description = "Print every write batch of a write-ahead log.")
  static final class WalDump extends Base {
    @Parameters(index = "0", paramLabel = "FILE")
    Path file;

    @Override
    public Integer call() throws IOException {
      requireFile(file);
      String name = file.getFileName().toString();
      try (ReadableFile f = FS.openRead(file)) {
        LogReader r = new LogReader(f, name);
        byte[] rec;
        long records = 0;
        while ((rec = r.next()) != null) {
          records++;
          long offset = r.recordOffset();
          out().println("record at " + offset + ": " + WriteBatchCodec.count(rec) + " ops");
          WriteBatchCodec.decode(
              rec,
              name,
              offset,
              (seq, kind, key, value) ->
                  out().println("  @" + seq + " " + kind + " " + text(key) + (value == null ? "" : " " + text(value))));
        }
        out().println(records + " records" + (r.tornTailOffset() >= 0 ? ", torn tail at " + r.tornTailOffset() : ""));
      }
      return 0;
    }
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
        byte[] rec;
        while ((rec = r.next()) != null) {
          out().println(r.recordOffset() + ": " + VersionEdit.decode(rec, name, r.recordOffset()));
        }
      }
      return 0;
    }
  }

  /**
   * Reads every table block, WAL record and manifest record of a database directory, checking
   * every checksum, and reports each damaged file with its offset. Exit code 1 if any is damaged.
   */
  @Command(name = "verify", mixinStandardHelpOptions = true, description = "Check every checksum of every file; report each damaged file and offset.")
  static final class Verify extends Base {
    @Option(names = "--db", required = true, paramLabel = "DIR", description = "Database directory.")
    Path db;

    @Override
    public Integer call() throws IOException {
      if (!Files.isDirectory(db)) {
        throw new IllegalArgumentException("no such directory: " + db);
      }
      if (!Files.exists(db.resolve(FileNames.CURRENT))) {
        throw new IllegalArgumentException(db + " does not hold a database (no CURRENT file)");
      }
      List<String> names = new ArrayList<>(FS.list(db));
      Collections.sort(names);
      List<String> damaged = new ArrayList<>();
      long checked = 0;
      long entries = 0;
      try (ProgressBar bar =
          new ProgressBarBuilder().setTaskName("verify").setInitialMax(names.size()).continuousUpdate().build()) {
        for (String n : names) {
          bar.step();
          FileNames.Kind kind = FileNames.parse(n).kind();
          try {
            switch (kind) {
              case TABLE:
                entries += verifyTable(db.resolve(n));
                break;
              case LOG:
                entries += verifyLog(db.resolve(n), true);
                break;
              case MANIFEST:
                verifyLog(db.resolve(n), false);
                break;
              default:
                continue;
            }
            checked++;
          } catch (CorruptionException e) {
            damaged.add(n + ": " + e.getMessage());
          }
        }
      }
      for (String d : damaged) {
        out().println("DAMAGED " + d);
      }
      out().println(
          (damaged.isEmpty() ? "ok: " : "damaged: " + damaged.size() + " files, ")
              + checked
              + " files verified, "
              + entries
              + " entries, every checksum checked");
      return damaged.isEmpty() ? 0 : 1;
    }

    private static long verifyTable(Path p) throws IOException {
      long n = 0;
      try (TableReader t =
          TableReader.open(FS.openRead(p), p.getFileName().toString(), Files.size(p), BlockCache.create(0))) {
        try (InternalIterator it = t.newIterator(true, false)) {
          for (it.seekToFirst(); it.isValid(); it.next()) {
            n++;
          }
        }
      }
      return n;
    }

    private static long verifyLog(Path p, boolean batches) throws IOException {
      String name = p.getFileName().toString();
      long[] n = {0};
      try (ReadableFile f = FS.openRead(p)) {
        LogReader r = new LogReader(f, name);
        byte[] rec;
        while ((rec = r.next()) != null) {
          if (batches) {
            WriteBatchCodec.decode(rec, name, r.recordOffset(), (s, k, key, v) -> n[0]++);
          } else {
            VersionEdit.decode(rec, name, r.recordOffset());
          }
        }
      }
      return n[0];
    }
  }
}
