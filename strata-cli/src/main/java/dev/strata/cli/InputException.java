package dev.strata.cli;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Input that {@code load} cannot use, with the file and line where it was found: a malformed
 * row, text that is not valid UTF-8, a key or value too large. Its message starts with {@code
 * FILE:LINE:} as compilers' do.
 */
final class InputException extends IOException {
  private static final long serialVersionUID = 1L;

  private final long line;
  private final String problem;

  InputException(Path file, long line, String problem) {
    super(file + ":" + line + ": " + problem);
    this.line = line;
    this.problem = problem;
  }

  /** The message without its {@code FILE:LINE:} prefix. */
  String problem() {
    return problem;
  }

  /** The 1-based line of the problem. */
  long line() {
    return line;
  }
}
