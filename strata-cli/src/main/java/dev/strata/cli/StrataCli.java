package dev.strata.cli;

import dev.strata.bench.BenchCommand;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code strata} command: inspect and change a database without writing Java, and run the
 * benchmark comparison. Exit codes: 0 success, 1 a runtime failure (locked or damaged database,
 * missing key for {@code get}, malformed input, a failed write to a file or standard output), 2 a
 * usage error (including an argument that is not valid UTF-8). A read that meets merge operands
 * without {@code --merge-operator} fails (1) with one line naming that option.
 *
 * <p>Standard output and error are UTF-8 whatever the locale, and are flushed and checked before
 * the process exits: output that could not be written is an error. Logging goes through SLF4J to
 * slf4j-simple on stderr: warnings by default (a WAL tail dropped at recovery, a failure at
 * close), info with {@code --verbose}.
 */
@Command(
    name = "strata",
    mixinStandardHelpOptions = true,
    version = "strata 0.1.0",
    description = "Strata: a pure-Java LSM-tree key-value store.",
    subcommands = {
      DbCommands.Put.class,
      DbCommands.Get.class,
      DbCommands.Delete.class,
      DbCommands.Merge.class,
      DbCommands.DeleteRange.class,
      DbCommands.Scan.class,
      StatsCommand.class,
      DbCommands.Compact.class,
      DbCommands.Checkpoint.class,
      DbCommands.Ingest.class,
      DbCommands.ListCf.class,
      DbCommands.CreateCf.class,
      DbCommands.DropCf.class,
      DumpCommand.class,
      LoadCommand.class,
      FileCommands.Verify.class,
      RepairCommands.Repair.class,
      RepairCommands.Salvage.class,
      FileCommands.SstDump.class,
      FileCommands.WalDump.class,
      FileCommands.ManifestDump.class,
      Shell.class,
      BenchCommand.class,
      CommandLine.HelpCommand.class
    })
public final class StrataCli implements Runnable {
  /** The default report directory of {@code strata bench}. */
  static final String DEFAULT_REPORT_DIR = "strata-bench-report";

  private static final String LOG_LEVEL = "org.slf4j.simpleLogger.defaultLogLevel";

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /**
   * Runs the command with the given streams; returns the exit code. Flushes both streams, and
   * turns a failed write to {@code out} into exit code 1 with a message on {@code err}.
   */
  public static int run(String[] args, PrintWriter out, PrintWriter err) {
    boolean verbose = Arrays.asList(args).contains("--verbose");
    CommandLine cli = new CommandLine(new StrataCli());
    cli.setOut(out);
    cli.setErr(err);
    cli.setExecutionExceptionHandler(
        (ex, cmd, parsed) -> {
          String missing = MergeOperatorOption.missingOperatorMessage(ex);
          cmd.getErr().println("strata: " + (missing != null ? missing : ErrorMessages.describe(ex)));
          if (verbose) {
            ex.printStackTrace(cmd.getErr());
          }
          return 1;
        });
    int code = cli.execute(withBenchDefaults(args));
    try {
      CheckedPrintWriter.flushOrThrow(out, "standard output");
    } catch (IOException e) {
      if (code == 0) {
        // A failed command has said what failed; a command that thought it succeeded has not.
        err.println("strata: " + e.getMessage());
        code = 1;
      }
    }
    err.flush();
    return code;
  }

  /** {@code strata bench} writes its HTML report to {@value #DEFAULT_REPORT_DIR} unless told. */
  static String[] withBenchDefaults(String[] args) {
    if (args.length == 0 || !args[0].equals("bench") || Arrays.asList(args).contains("--report")
        || Arrays.asList(args).contains("--help")) {
      return args;
    }
    List<String> out = new ArrayList<>(Arrays.asList(args));
    out.add("--report");
    out.add(DEFAULT_REPORT_DIR);
    return out.toArray(new String[0]);
  }

  /**
   * Sets slf4j-simple's level before the first logger exists (it reads its configuration once):
   * warn, or info with {@code --verbose}; a level given with {@code -D} wins. The rest of its
   * configuration is {@code simplelogger.properties}. Without {@code --verbose}, stack-trace
   * frames are left out of stderr ({@link TerseStderr}).
   */
  static void configureLogging(String[] args) {
    boolean verbose = Arrays.asList(args).contains("--verbose");
    if (System.getProperty(LOG_LEVEL) == null) {
      System.setProperty(LOG_LEVEL, verbose ? "info" : "warn");
    }
    if (!verbose) {
      System.setErr(new TerseStderr());
    }
  }

  public static void main(String[] args) {
    configureLogging(args);
    CheckedPrintWriter out = CheckedPrintWriter.on(new FileOutputStream(FileDescriptor.out), false);
    CheckedPrintWriter err = CheckedPrintWriter.on(new FileOutputStream(FileDescriptor.err), true);
    int code;
    try {
      code = run(ArgumentText.recover(args), out, err);
    } catch (ArgumentText.InvalidArgumentException e) {
      err.println("strata: " + e.getMessage());
      err.flush();
      code = 2;
    }
    System.exit(code);
  }
}
