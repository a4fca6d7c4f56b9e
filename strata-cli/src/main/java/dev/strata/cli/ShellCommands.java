package dev.strata.cli;

import dev.strata.ColumnFamilyHandle;
import dev.strata.DBIterator;
import dev.strata.MergeOperator;
import dev.strata.ReadOptions;
import dev.strata.StrataDB;
import dev.strata.WriteOptions;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * The commands of one {@code strata shell} line, parsed by picocli as the command line is: options
 * are options ({@code --hex}; {@code --} ends them), and a command with too few or too many
 * arguments is refused with a message rather than guessed at. A fresh {@link Root} serves each
 * line; confined to the shell's thread.
 */
final class ShellCommands {
  private ShellCommands() {}

  /**
   * The database, column family and output of the line being run; the parent of every shell
   * command.
   */
  @Command(
      name = "shell",
      subcommands = {
        Get.class,
        Put.class,
        Delete.class,
        Merge.class,
        DeleteRange.class,
        Scan.class,
        Stats.class,
        CommandLine.HelpCommand.class
      },
      description =
          "Commands: get, put, delete, merge, delete-range, scan, stats, help [COMMAND], quit.")
  static final class Root implements Runnable {
    final StrataDB db;

    /** The shell's --cf, or the default family: every command works on it. */
    final ColumnFamilyHandle family;

    /** The shell's --merge-operator, or null. */
    final MergeOperator mergeOperator;

    final PrintWriter out;

    Root(StrataDB db, ColumnFamilyHandle family, MergeOperator mergeOperator, PrintWriter out) {
      this.db = db;
      this.family = family;
      this.mergeOperator = mergeOperator;
      this.out = out;
    }

    @Override
    public void run() {}
  }

  /** Options of every shell command. */
  abstract static class Line implements Callable<Integer> {
    @ParentCommand Root root;

    @Option(names = "--hex", description = "Keys and values are hex, not UTF-8 text.")
    boolean hex;

    byte[] bytes(String s, String what) {
      return ByteText.parse(s, hex, what);
    }

    String show(byte[] b) {
      return ByteText.show(b, hex);
    }
  }

  @Command(name = "get", description = "Print a key's value.")
  static final class Get extends Line {
    @Parameters(index = "0", paramLabel = "KEY")
    String key;

    @Override
    public Integer call() {
      byte[] v = root.db.get(root.family, bytes(key, "key"));
      root.out.println(v == null ? "(not found)" : show(v));
      return v == null ? 1 : 0;
    }
  }

  @Command(name = "put", description = "Set a key to a value (a synced write).")
  static final class Put extends Line {
    @Parameters(index = "0", paramLabel = "KEY")
    String key;

    @Parameters(index = "1", paramLabel = "VALUE")
    String value;

    @Override
    public Integer call() {
      root.db.put(root.family, bytes(key, "key"), bytes(value, "value"), WriteOptions.SYNC);
      root.out.println("ok");
      return 0;
    }
  }

  @Command(name = "delete", description = "Remove a key (a synced write).")
  static final class Delete extends Line {
    @Parameters(index = "0", paramLabel = "KEY")
    String key;

    @Override
    public Integer call() {
      root.db.delete(root.family, bytes(key, "key"), WriteOptions.SYNC);
      root.out.println("ok");
      return 0;
    }
  }

  @Command(
      name = "merge",
      description = "Record OPERAND as a merge operand of KEY (a synced write); needs the shell's"
          + " --merge-operator.")
  static final class Merge extends Line {
    @Parameters(index = "0", paramLabel = "KEY")
    String key;

    @Parameters(index = "1", paramLabel = "OPERAND")
    String operand;

    @Override
    public Integer call() {
      if (root.mergeOperator == null) {
        throw new IllegalArgumentException("merge needs a merge operator: start the shell with"
            + " --merge-operator NAME (" + MergeOperatorOption.NAMES + ")");
      }
      byte[] op = bytes(operand, "operand");
      MergeOperatorOption.checkOperand(root.mergeOperator, op, operand);
      root.db.merge(root.family, bytes(key, "key"), op, WriteOptions.SYNC);
      root.out.println("ok");
      return 0;
    }
  }

  @Command(
      name = "delete-range",
      description = "Remove every key from BEGIN (inclusive) up to END (exclusive) (a synced write).")
  static final class DeleteRange extends Line {
    @Parameters(index = "0", paramLabel = "BEGIN")
    String begin;

    @Parameters(index = "1", paramLabel = "END")
    String end;

    @Override
    public Integer call() {
      byte[] b = bytes(begin, "BEGIN");
      byte[] e = bytes(end, "END");
      DbCommands.checkRange(b, e);
      root.db.deleteRange(root.family, b, e, WriteOptions.SYNC);
      root.out.println("ok");
      return 0;
    }
  }

  @Command(name = "scan", description = "Print keys from FROM (inclusive) to TO (exclusive).")
  static final class Scan extends Line {
    @Parameters(index = "0", arity = "0..1", paramLabel = "FROM")
    String from;

    @Parameters(index = "1", arity = "0..1", paramLabel = "TO")
    String to;

    @Option(names = "--limit", defaultValue = "100", description = "At most this many (default: ${DEFAULT-VALUE}).")
    int limit;

    @Override
    public Integer call() {
      ReadOptions.Builder ro = ReadOptions.builder();
      if (from != null) {
        ro.lowerBound(bytes(from, "FROM"));
      }
      if (to != null) {
        ro.upperBound(bytes(to, "TO"));
      }
      int n = 0;
      try (DBIterator it = root.db.newIterator(root.family, ro.build())) {
        for (it.seekToFirst(); it.isValid() && n < limit; it.next()) {
          root.out.println(show(it.key()) + "\t" + show(it.value()));
          n++;
        }
        if (it.isValid()) {
          root.out.println("... (first " + limit + " shown; --limit for more)");
        }
      }
      return 0;
    }
  }

  @Command(name = "stats", description = "Print the engine's figures since the shell opened the database.")
  static final class Stats extends Line {
    @Override
    public Integer call() {
      root.out.print(root.db.getProperty(root.family, "strata.stats"));
      return 0;
    }
  }
}
