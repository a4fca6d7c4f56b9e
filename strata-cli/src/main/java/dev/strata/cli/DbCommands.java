package dev.strata.cli;

import dev.strata.DBIterator;
import dev.strata.MergeOperator;
import dev.strata.ReadOptions;
import dev.strata.StrataDB;
import dev.strata.WriteOptions;
import dev.strata.util.Bytes;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The subcommands that work on a database directory. Each opens it through {@link DbOpener}, acts,
 * and closes it. Keys and values are UTF-8 text, or hex with {@code --hex}; printed keys and
 * values use the escaped text of {@link DumpFormat}, or hex. Every one takes {@code
 * --merge-operator} ({@link MergeOperatorOption}): reads then show merged values.
 */
final class DbCommands {
  private DbCommands() {}

  /** Options shared by every database subcommand. */
  abstract static class Base implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--db", required = true, paramLabel = "DIR", description = "Database directory.")
    Path db;

    @Option(names = "--hex", description = "Keys and values are hex, not UTF-8 text.")
    boolean hex;

    @Option(names = "--verbose", description = "Log at info level and print stack traces of errors.")
    boolean verbose;

    @Mixin MergeOperatorOption merge = new MergeOperatorOption();

    @Option(
        names = "--cf",
        paramLabel = "NAME",
        description = "Column family to work on (default: the default family; see list-cf).")
    String cf;

    /**
     * The handle of the family {@code --cf} names, or null for the default family.
     *
     * @throws IllegalArgumentException if the database has no such family
     */
    dev.strata.ColumnFamilyHandle family(StrataDB d) {
      if (cf == null || cf.equals(dev.strata.ColumnFamilyHandle.DEFAULT_NAME)) {
        return null;
      }
      return existingFamily(d, cf);
    }

    /**
     * The handle of family {@code name}.
     *
     * @throws IllegalArgumentException naming the families there are, if none is called so
     */
    dev.strata.ColumnFamilyHandle existingFamily(StrataDB d, String name) {
      dev.strata.ColumnFamilyHandle h = d.columnFamily(name);
      if (h == null) {
        throw new IllegalArgumentException(
            "no column family '" + name + "' in " + db + " (it has: "
                + String.join(", ", d.listColumnFamilies()) + ")");
      }
      return h;
    }

    PrintWriter out() {
      return spec.commandLine().getOut();
    }

    PrintWriter err() {
      return spec.commandLine().getErr();
    }

    /** The bytes of a key or value argument ({@code what} names it in errors). */
    byte[] decode(String s, String what) {
      return ByteText.parse(s, hex, what);
    }

    String encode(byte[] b) {
      return ByteText.show(b, hex);
    }

    /** The merge operator the user named, or null. */
    MergeOperator mergeOperator() {
      return merge.operator();
    }

    /** Opens the database; reading commands override this with {@link DbOpener#forReading}. */
    StrataDB open() {
      return DbOpener.forWriting(db, false, mergeOperator(), cf);
    }

    /** A usage error: exit code 2 with the command's usage, as picocli's own. */
    CommandLine.ParameterException usage(String message) {
      return new CommandLine.ParameterException(spec.commandLine(), message);
    }

    @Override
    public Integer call() throws Exception {
      try (StrataDB d = open()) {
        return run(d);
      }
    }

    abstract int run(StrataDB d) throws Exception;
  }

  /** A command that only reads. */
  abstract static class ReadingBase extends Base {
    @Override
    StrataDB open() {
      return DbOpener.forReading(db, mergeOperator(), cf);
    }
  }

  @Command(name = "put", mixinStandardHelpOptions = true, description = "Set a key to a value (a synced write).")
  static final class Put extends Base {
    @Parameters(index = "0", paramLabel = "KEY")
    String key;

    @Parameters(index = "1", paramLabel = "VALUE")
    String value;

    @Option(names = "--create", description = "Create the database if it does not exist.")
    boolean create;

    @Override
    StrataDB open() {
      return DbOpener.forWriting(db, create, mergeOperator(), cf);
    }

    @Override
    int run(StrataDB d) {
      d.put(family(d), decode(key, "key"), decode(value, "value"), WriteOptions.SYNC);
      return 0;
    }
  }

  @Command(
      name = "get",
      mixinStandardHelpOptions = true,
      description = {
        "Print a key's value; with several keys, one KEY<TAB>VALUE line per key found, in the",
        "order given, all read from one consistent state (multiGet).",
        "Exit status 1 if any key is absent (each is named on stderr)."
      })
  static final class Get extends ReadingBase {
    @Parameters(index = "0..*", arity = "1..*", paramLabel = "KEY")
    List<String> keys;

    @Override
    int run(StrataDB d) {
      if (keys.size() == 1) {
        byte[] v = d.get(family(d), decode(keys.get(0), "key"));
        if (v == null) {
          err().println("strata: key not found: " + keys.get(0));
          return 1;
        }
        out().println(encode(v));
        return 0;
      }
      List<byte[]> decoded = new ArrayList<>(keys.size());
      for (String k : keys) {
        decoded.add(decode(k, "key"));
      }
      List<byte[]> values =
          d.multiGet(java.util.Collections.nCopies(decoded.size(), family(d)), decoded);
      int status = 0;
      for (int i = 0; i < keys.size(); i++) {
        if (values.get(i) == null) {
          err().println("strata: key not found: " + keys.get(i));
          status = 1;
        } else {
          out().println(keys.get(i) + "\t" + encode(values.get(i)));
        }
      }
      return status;
    }
  }

  @Command(name = "delete", mixinStandardHelpOptions = true, description = "Remove a key (a synced write).")
  static final class Delete extends Base {
    @Parameters(index = "0", paramLabel = "KEY")
    String key;

    @Override
    int run(StrataDB d) {
      d.delete(family(d), decode(key, "key"), WriteOptions.SYNC);
      return 0;
    }
  }

  @Command(
      name = "merge",
      mixinStandardHelpOptions = true,
      description = {
        "Record OPERAND as a merge operand of KEY (a synced write): reads combine it with the",
        "key's value through the operator named by --merge-operator, which this command needs;",
        "every later read of KEY needs the same operator. uint64add operands are 8 bytes,",
        "little-endian (give them with --hex: 0100000000000000 adds 1)."
      })
  static final class Merge extends Base {
    @Parameters(index = "0", paramLabel = "KEY")
    String key;

    @Parameters(index = "1", paramLabel = "OPERAND")
    String operand;

    @Override
    public Integer call() throws Exception {
      if (mergeOperator() == null) {
        throw usage("merge needs --merge-operator NAME (" + MergeOperatorOption.NAMES + ")");
      }
      // Checked before the open: a malformed operand written would fail every read of the key.
      MergeOperatorOption.checkOperand(mergeOperator(), decode(operand, "operand"), operand);
      return super.call();
    }

    @Override
    int run(StrataDB d) {
      d.merge(family(d), decode(key, "key"), decode(operand, "operand"), WriteOptions.SYNC);
      return 0;
    }
  }

  @Command(
      name = "delete-range",
      mixinStandardHelpOptions = true,
      description = {
        "Remove every key from BEGIN (inclusive) up to END (exclusive) (a synced write): one",
        "range tombstone, however many keys the range holds."
      })
  static final class DeleteRange extends Base {
    @Parameters(index = "0", paramLabel = "BEGIN")
    String begin;

    @Parameters(index = "1", paramLabel = "END")
    String end;

    @Override
    public Integer call() throws Exception {
      checkRange(decode(begin, "BEGIN"), decode(end, "END"));
      return super.call();
    }

    @Override
    int run(StrataDB d) {
      d.deleteRange(family(d), decode(begin, "BEGIN"), decode(end, "END"), WriteOptions.SYNC);
      return 0;
    }
  }

  /**
   * Refuses a range whose begin sorts after its end, before anything is opened.
   *
   * @throws IllegalArgumentException naming both bounds
   */
  static void checkRange(byte[] begin, byte[] end) {
    if (Bytes.compare(begin, end) > 0) {
      throw new IllegalArgumentException("BEGIN " + DumpFormat.escape(begin)
          + " sorts after END " + DumpFormat.escape(end)
          + " (the range is BEGIN inclusive to END exclusive, in unsigned byte order)");
    }
  }

  @Command(
      name = "scan",
      mixinStandardHelpOptions = true,
      description = {
        "Print keys and values in key order, one KEY<TAB>VALUE per line.",
        "Forward: keys from --from (inclusive) up to --to (exclusive).",
        "With --reverse: keys from --from (inclusive) down to --to (exclusive)."
      })
  static final class Scan extends ReadingBase {
    @Option(names = "--from", description = "First key (inclusive).")
    String from;

    @Option(names = "--to", description = "Key to stop before (exclusive).")
    String to;

    @Option(names = "--limit", defaultValue = "-1", description = "At most this many entries.")
    long limit;

    @Option(names = "--reverse", description = "Go from --from (or the last key) downwards.")
    boolean reverse;

    @Override
    int run(StrataDB d) {
      byte[] start = from == null ? null : decode(from, "--from");
      byte[] stop = to == null ? null : decode(to, "--to");
      ReadOptions.Builder ro = ReadOptions.builder();
      if (reverse) {
        if (stop != null) {
          ro.lowerBound(stop);
        }
      } else {
        if (start != null) {
          ro.lowerBound(start);
        }
        if (stop != null) {
          ro.upperBound(stop);
        }
      }
      scan(d.newIterator(family(d), ro.build()), start, stop, out());
      return 0;
    }

    private void scan(DBIterator opened, byte[] start, byte[] stop, PrintWriter out) {
      try (DBIterator it = opened) {
        if (limit == 0) {
          return;
        }
        if (!reverse) {
          it.seekToFirst();
        } else if (start != null) {
          it.seekForPrev(start);
        } else {
          it.seekToLast();
        }
        long n = 0;
        while (it.isValid()) {
          // The lower bound is inclusive, and --to is exclusive in both directions.
          if (reverse && stop != null && Bytes.compare(it.key(), stop) <= 0) {
            break;
          }
          out.println(encode(it.key()) + "\t" + encode(it.value()));
          n++;
          // Stop before stepping: no entry past the limit is read, so a damaged block beyond it
          // cannot fail a scan that does not need it.
          if (limit > 0 && n >= limit) {
            break;
          }
          if (reverse) {
            it.prev();
          } else {
            it.next();
          }
        }
      }
    }
  }

  @Command(
      name = "checkpoint",
      mixinStandardHelpOptions = true,
      description = {
        "Create in DIR an openable copy of the database as of one moment",
        "(StrataDB.createCheckpoint): table files hard-linked where the file system allows, copied",
        "otherwise; the rest written afresh. The database is opened read-only, so this works",
        "beside a process that has it open for writing (the copy then holds what that process",
        "had written at the open).",
        "DIR must not exist, or be an empty directory; its parent must exist.",
        "Exit status 1 if the copy cannot be made (nothing is then left at DIR)."
      })
  static final class Checkpoint extends ReadingBase {
    @Parameters(index = "0", paramLabel = "DIR", description = "Where the copy goes.")
    Path target;

    @Override
    int run(StrataDB d) throws IOException {
      if (cf != null) {
        throw usage("a checkpoint copies every column family; --cf does not apply");
      }
      d.createCheckpoint(target);
      int tables = 0;
      int linked = 0;
      long bytes = 0;
      try (Stream<Path> files = Files.list(target)) {
        for (Path p : files.toList()) {
          bytes += Files.size(p);
          if (p.getFileName().toString().endsWith(".sst")) {
            tables++;
            Path source = db.resolve(p.getFileName());
            if (Files.exists(source) && Files.isSameFile(p, source)) {
              linked++;
            }
          }
        }
      }
      out().println(
          "checkpoint of " + db + " created in " + target + ": " + tables + " tables ("
              + linked + " hard-linked), " + bytes + " bytes");
      return 0;
    }
  }

  @Command(
      name = "ingest",
      mixinStandardHelpOptions = true,
      description = {
        "Take in table files written by SstFileWriter (or load --sst), all or nothing; durable,"
            + " with every earlier write, when it returns.",
        "Each file goes to the lowest level nothing above overlaps; later files win over earlier"
            + " ones."
      })
  static final class Ingest extends Base {
    @Parameters(index = "0..*", arity = "1..*", paramLabel = "FILE", description = "Table files.")
    List<Path> files;

    @Option(names = "--move", description = "Hard-link the files in and remove their old names.")
    boolean move;

    @Option(names = "--no-blocking-flush",
        description = "Fail instead of flushing when a memtable holds keys in a file's range.")
    boolean noBlockingFlush;

    @Option(names = "--verify", description = "Check every block's checksum first.")
    boolean verify;

    @Override
    int run(StrataDB d) throws IOException {
      long bytes = 0;
      for (Path f : files) {
        if (!Files.isRegularFile(f)) {
          throw new IllegalArgumentException("no such table file: " + f);
        }
        bytes += Files.size(f);
      }
      d.ingestExternalFiles(
          family(d),
          files,
          dev.strata.IngestOptions.builder()
              .moveFiles(move)
              .allowBlockingFlush(!noBlockingFlush)
              .verifyChecksums(verify)
              .build());
      out().println(
          "ingested " + files.size() + " file" + (files.size() == 1 ? "" : "s") + " (" + bytes
              + " bytes) into " + db + (move ? ", moved" : ", copied") + "; durable");
      return 0;
    }
  }

  @Command(name = "compact", mixinStandardHelpOptions = true, description = "Compact the whole key range down to the bottom level.")
  static final class Compact extends Base {
    @Override
    int run(StrataDB d) {
      try (Progress bar =
          Progress.start(
              "compact " + d.getProperty(family(d), "strata.total-sst-bytes") + " bytes",
              -1,
              null,
              1)) {
        d.compactRange(family(d), null, null);
      }
      out().println(
          "compacted; total table bytes " + d.getProperty(family(d), "strata.total-sst-bytes"));
      return 0;
    }
  }

  @Command(
      name = "list-cf",
      mixinStandardHelpOptions = true,
      description = "Print the names of the column families, one per line, the default first.")
  static final class ListCf implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--db", required = true, paramLabel = "DIR", description = "Database directory.")
    Path db;

    @Override
    public Integer call() {
      DbOpener.requireDatabase(db, false);
      for (String name : StrataDB.listColumnFamilies(db, DbOpener.options(null))) {
        spec.commandLine().getOut().println(name);
      }
      return 0;
    }
  }

  @Command(
      name = "create-cf",
      mixinStandardHelpOptions = true,
      description = "Create column family NAME (durable, with every earlier write, when it returns).")
  static final class CreateCf extends Base {
    @Parameters(index = "0", paramLabel = "NAME")
    String name;

    @Override
    int run(StrataDB d) {
      d.createColumnFamily(name, dev.strata.ColumnFamilyOptions.defaults());
      out().println("created column family " + name + " in " + db);
      return 0;
    }
  }

  @Command(
      name = "drop-cf",
      mixinStandardHelpOptions = true,
      description = {
        "Drop column family NAME and every key in it (durable when it returns); its files are",
        "deleted once nothing reads them."
      })
  static final class DropCf extends Base {
    @Parameters(index = "0", paramLabel = "NAME")
    String name;

    @Override
    int run(StrataDB d) {
      d.dropColumnFamily(existingFamily(d, name));
      out().println("dropped column family " + name + " from " + db);
      return 0;
    }
  }
}
