package dev.strata.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;

/** One in-process run of the {@code strata} command: its exit code and what it printed. */
record CliResult(int code, String out, String err) {
  /** Runs {@code strata args...} in this JVM, capturing both streams. */
  static CliResult run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = StrataCli.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    return new CliResult(code, out.toString(), err.toString());
  }

  /** Standard output's lines; none for empty output. */
  List<String> lines() {
    return out.isEmpty() ? List.of() : List.of(out.split("\\R"));
  }
}
