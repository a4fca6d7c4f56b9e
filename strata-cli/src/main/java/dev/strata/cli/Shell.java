package dev.strata.cli;

import dev.strata.DBIterator;
import dev.strata.StrataDB;
import dev.strata.WriteOptions;
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
import picocli.CommandLine.Command;

/**
 * {@code strata shell}: an interactive prompt on one open database, with history and completion
 * (JLine). Commands: {@code get K}, {@code put K V}, {@code delete K}, {@code scan [FROM [TO]]},
 * {@code stats}, {@code help}, {@code quit}. The line handling ({@link #execute}) is separate from
 * the terminal so that it can be tested.
 */
@Command(name = "shell", mixinStandardHelpOptions = true, description = "Interactive prompt: get, put, delete, scan, stats.")
final class Shell extends DbCommands.Base {
  static final List<String> COMMANDS = List.of("get", "put", "delete", "scan", "stats", "help", "quit");
  private static final int SCAN_LIMIT = 100;

  @Override
  int run(StrataDB d) throws IOException {
    try (Terminal terminal = TerminalBuilder.builder().system(true).build()) {
      LineReader reader =
          LineReaderBuilder.builder()
              .terminal(terminal)
              .completer(new StringsCompleter(COMMANDS))
              .history(new DefaultHistory())
              .variable(LineReader.HISTORY_FILE, Path.of(System.getProperty("user.home"), ".strata_history"))
              .build();
      PrintWriter out = terminal.writer();
      out.println("strata shell on " + db + "; 'help' lists commands");
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

  /** Runs one command line; returns false for quit. Errors are printed, never thrown. */
  boolean execute(StrataDB d, String line, PrintWriter out) {
    String[] w = line.trim().split("\\s+");
    if (w.length == 0 || w[0].isEmpty()) {
      return true;
    }
    try {
      switch (w[0]) {
        case "quit":
        case "exit":
          return false;
        case "help":
          out.println("get KEY | put KEY VALUE | delete KEY | scan [FROM [TO]] | stats | quit");
          break;
        case "get":
          need(w, 2);
          byte[] v = d.get(decode(w[1]));
          out.println(v == null ? "(not found)" : encode(v));
          break;
        case "put":
          need(w, 3);
          d.put(decode(w[1]), decode(w[2]), WriteOptions.SYNC);
          out.println("ok");
          break;
        case "delete":
          need(w, 2);
          d.delete(decode(w[1]), WriteOptions.SYNC);
          out.println("ok");
          break;
        case "scan":
          scan(d, w, out);
          break;
        case "stats":
          out.print(d.getProperty("strata.stats"));
          break;
        default:
          out.println("unknown command '" + w[0] + "'; 'help' lists commands");
      }
    } catch (RuntimeException e) {
      out.println("error: " + e.getMessage());
    }
    return true;
  }

  private void scan(StrataDB d, String[] w, PrintWriter out) {
    dev.strata.ReadOptions.Builder ro = dev.strata.ReadOptions.builder();
    if (w.length > 1) {
      ro.lowerBound(decode(w[1]));
    }
    if (w.length > 2) {
      ro.upperBound(decode(w[2]));
    }
    int n = 0;
    try (DBIterator it = d.newIterator(ro.build())) {
      for (it.seekToFirst(); it.isValid() && n < SCAN_LIMIT; it.next(), n++) {
        out.println(encode(it.key()) + "\t" + encode(it.value()));
      }
      if (it.isValid()) {
        out.println("... (first " + SCAN_LIMIT + " shown)");
      }
    }
  }

  private static void need(String[] w, int n) {
    if (w.length < n) {
      throw new IllegalArgumentException(w[0] + " needs " + (n - 1) + " argument(s)");
    }
  }
}
