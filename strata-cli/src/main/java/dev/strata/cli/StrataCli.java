package dev.strata.cli;

import dev.strata.bench.BenchCommand;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code strata} command: inspect and change a database without writing Java, and run the
 * benchmark comparison. Exit codes: 0 success, 1 a runtime failure (locked or damaged database,
 * missing key for {@code get}), 2 a usage error.
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
      DbCommands.Scan.class,
      DbCommands.Stats.class,
      DbCommands.Compact.class,
      DbCommands.Dump.class,
      DbCommands.Load.class,
      FileCommands.Verify.class,
      FileCommands.SstDump.class,
      FileCommands.WalDump.class,
      FileCommands.ManifestDump.class,
      Shell.class,
      BenchCommand.class
    })
public final class StrataCli implements Runnable {
  /** The default report directory of {@code strata bench}. */
  static final String DEFAULT_REPORT_DIR = "strata-bench-report";

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** Runs the command with the given streams; returns the exit code. */
  public static int run(String[] args, PrintWriter out, PrintWriter err) {
    CommandLine cli = new CommandLine(new StrataCli());
    cli.setOut(out);
    cli.setErr(err);
    cli.setExecutionExceptionHandler(
        (ex, cmd, parsed) -> {
          boolean verbose = Arrays.asList(args).contains("--verbose");
          cmd.getErr().println("strata: " + (ex.getMessage() == null ? ex.toString() : ex.getMessage()));
          if (verbose) {
            ex.printStackTrace(cmd.getErr());
          }
          return 1;
        });
    return cli.execute(withBenchDefaults(args));
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

  public static void main(String[] args) {
    PrintWriter out = new PrintWriter(System.out, true);
    PrintWriter err = new PrintWriter(System.err, true);
    System.exit(run(args, out, err));
  }
}
