package dev.strata.cli;

import dev.strata.ColumnFamilyHandle;
import dev.strata.StrataDB;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.UserInterruptException;
import org.jline.reader.impl.completer.StringsCompleter;
import org.jline.reader.impl.history.DefaultHistory;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code strata shell}: a prompt on one open database. On a terminal it reads lines with JLine
 * (history, completion); otherwise it reads standard input as strict UTF-8 lines, without prompts,
 * so that a script can be piped in, and exits 1 if any line failed. Each line is split into words
 * as a POSIX shell would ({@link ShellWords}) and parsed by picocli ({@link ShellCommands}). The
 * line handling ({@link #execute}) is separate from the terminal so that it can be tested.
 * Confined to one thread.
 */
@Command(
    name = "shell",
    mixinStandardHelpOptions = true,
    description = "Prompt on one database: get, put, delete, merge, delete-range, scan, stats;"
        + " quoting as in a POSIX shell. --merge-operator and --cf apply to every line.")
final class Shell extends DbCommands.Base {
  static final List<String> COMMANDS =
      List.of("get", "put", "delete", "merge", "delete-range", "scan", "stats", "help", "quit");

  @Option(names = "--create", description = "Create the database if it does not exist.")
  boolean create;

  /** Whether a line failed; decides the exit code when reading a script. */
  private boolean failed;

  @Override
  StrataDB open() {
    return DbOpener.forWriting(db, create, mergeOperator(), cf);
  }

  @Override
  int run(StrataDB d) throws IOException {
    // An unknown --cf is refused before the first line.
    family(d);
    if (!Terminals.stdinIsTerminal()) {
      return runScript(d);
    }
    try (Terminal terminal = TerminalBuilder.builder().system(true).build()) {
      LineReader reader =
          LineReaderBuilder.builder()
              .terminal(terminal)
              .completer(new StringsCompleter(COMMANDS))
              .history(new DefaultHistory())
              .variable(LineReader.HISTORY_FILE, Path.of(System.getProperty("user.home"), ".strata_history"))
              // "!" in a value is data, not a history reference.
              .option(LineReader.Option.DISABLE_EVENT_EXPANSION, true)
              .build();
      PrintWriter out = terminal.writer();
      out.println("strata shell on " + db + (cf == null ? "" : ", column family " + cf)
          + "; 'help' lists commands");
      while (true) {
        String line;
        try {
          line = reader.readLine("strata> ");
        } catch (UserInterruptException e) {
          continue;
        } catch (EndOfFileException e) {
          return 0;
        }
        if (!execute(d, line, out)) {
          return 0;
        }
        out.flush();
      }
    }
  }

  private int runScript(StrataDB d) throws IOException {
    PrintWriter out = out();
    try (InputLines lines = new InputLines(System.in, Path.of("<stdin>"))) {
      while (true) {
        String line;
        try {
          line = lines.next();
        } catch (InputException e) {
          out.println("error: " + e.getMessage());
          failed = true;
          continue;
        }
        if (line == null || !execute(d, line, out)) {
          break;
        }
      }
    }
    return failed ? 1 : 0;
  }

  /** Runs one command line; returns false for quit. Errors are printed, never thrown. */
  boolean execute(StrataDB d, String line, PrintWriter out) {
    List<String> words;
    try {
      words = ShellWords.split(line);
    } catch (IllegalArgumentException e) {
      return error(out, e.getMessage());
    }
    if (words.isEmpty()) {
      return true;
    }
    if (words.size() == 1 && (words.get(0).equals("quit") || words.get(0).equals("exit"))) {
      return false;
    }
    ColumnFamilyHandle family;
    try {
      family = family(d);
    } catch (IllegalArgumentException e) {
      return error(out, e.getMessage());
    }
    CommandLine cl =
        new CommandLine(
            new ShellCommands.Root(
                d, family == null ? d.defaultColumnFamily() : family, mergeOperator(), out));
    cl.setOut(out);
    cl.setErr(out);
    cl.setParameterExceptionHandler(
        (ex, args) -> {
          String m = ex.getMessage();
          if (ex instanceof CommandLine.UnmatchedArgumentException u
              && u.getCommandLine() == cl
              && !words.get(0).startsWith("-")) {
            m = "unknown command '" + words.get(0) + "'";
          }
          error(out, m + "; 'help' lists commands");
          return 2;
        });
    cl.setExecutionExceptionHandler(
        (ex, cmd, parsed) -> {
          String missing = MergeOperatorOption.missingOperatorMessage(ex);
          error(out, missing != null
              ? missing.replace("pass --merge-operator", "start the shell with --merge-operator")
              : ErrorMessages.describe(ex));
          return 1;
        });
    if (cl.execute(words.toArray(new String[0])) != 0) {
      failed = true;
    }
    return true;
  }

  private boolean error(PrintWriter out, String message) {
    out.println("error: " + message);
    failed = true;
    return true;
  }
}
