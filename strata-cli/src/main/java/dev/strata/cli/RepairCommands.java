package dev.strata.cli;

import dev.strata.RepairReport;
import dev.strata.StrataDB;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code strata repair} and {@code strata salvage}: rebuild a database from what of it can be read
 * ({@link StrataDB#repair}, {@link StrataDB#salvage}). Both print what they read, lost and wrote;
 * exit 0 when nothing was lost, 3 when the rebuilt database lacks something that was on disk
 * (lost key ranges, unreadable tables, WALs cut short), 1 when the rebuild itself failed.
 */
final class RepairCommands {
  /** Exit code of a rebuild that succeeded but could not keep everything. */
  static final int LOST_SOMETHING = 3;

  private RepairCommands() {}

  abstract static class Base implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--verbose", description = "Log at info level and print stack traces of errors.")
    boolean verbose;

    @Mixin MergeOperatorOption merge = new MergeOperatorOption();

    int report(RepairReport r, String what) {
      PrintWriter out = spec.commandLine().getOut();
      out.printf(
          "%s: %d tables read whole, %d in part, %d unreadable; %d WALs read whole, %d cut short;"
              + " %d entries written to %d tables%n",
          what,
          r.tablesRead().size(),
          r.tablesPartial().size(),
          r.tablesUnreadable().size(),
          r.logsRead().size(),
          r.logsTruncated().size(),
          r.entriesWritten(),
          r.tablesWritten());
      section(out, "unreadable table", r.tablesUnreadable());
      section(out, "WAL cut short", r.logsTruncated());
      section(out, "lost", r.lostRanges());
      section(out, "moved to lost/", r.movedToLost());
      out.flush();
      if (out.checkError()) {
        throw new IllegalStateException("writing the report failed");
      }
      return r.lostNothing() ? 0 : LOST_SOMETHING;
    }

    private static void section(PrintWriter out, String label, List<String> lines) {
      for (String l : lines) {
        out.println("  " + label + ": " + l);
      }
    }
  }

  @Command(
      name = "repair",
      mixinStandardHelpOptions = true,
      description = {
        "Rebuild a damaged database in place from what can be read: every table block by block,"
            + " every WAL up to its first bad record. What could not be read whole moves to"
            + " DIR/lost/. The database must not be open elsewhere.",
        "Exit codes: 0 nothing lost, 3 rebuilt but something was lost (listed), 1 failed."
      })
  static final class Repair extends Base {
    @Option(names = "--db", required = true, paramLabel = "DIR", description = "Database directory.")
    Path db;

    @Override
    public Integer call() {
      if (!Files.isDirectory(db)) {
        throw new IllegalArgumentException("no such directory: " + db);
      }
      return report(StrataDB.repair(db, DbOpener.options(merge.operator())), "repaired " + db);
    }
  }

  @Command(
      name = "salvage",
      mixinStandardHelpOptions = true,
      description = {
        "Copy everything readable from a damaged database into a new one, leaving the source"
            + " untouched (read, never locked or written).",
        "Exit codes: 0 nothing lost, 3 copied but something was lost (listed), 1 failed."
      })
  static final class Salvage extends Base {
    @Option(names = "--db", required = true, paramLabel = "DIR", description = "Damaged database.")
    Path db;

    @Option(
        names = "--to",
        required = true,
        paramLabel = "DIR",
        description = "New database directory (absent or empty).")
    Path to;

    @Override
    public Integer call() {
      if (!Files.isDirectory(db)) {
        throw new IllegalArgumentException("no such directory: " + db);
      }
      return report(StrataDB.salvage(db, to, DbOpener.options(merge.operator())), "salvaged " + db + " into " + to);
    }
  }
}
