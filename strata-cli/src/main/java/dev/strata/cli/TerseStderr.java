package dev.strata.cli;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * The {@code System.err} of the command without {@code --verbose}: the lines of a stack trace's
 * frames ({@code "\tat ..."}, {@code "\t... 5 more"}) are dropped, the exception's own line and
 * its causes stay. Log events with an exception (slf4j-simple prints its stack trace) then read as
 * two lines, not thirty; {@code --verbose} shows everything. {@code Throwable.printStackTrace}
 * writes each line with {@code println(Object)}. Thread-safe as {@link PrintStream} is.
 */
final class TerseStderr extends PrintStream {
  TerseStderr() {
    super(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);
  }

  @Override
  public void println(Object x) {
    if (!isFrame(String.valueOf(x))) {
      super.println(x);
    }
  }

  @Override
  public void println(String x) {
    if (!isFrame(x)) {
      super.println(x);
    }
  }

  private static boolean isFrame(String line) {
    return line != null && (line.startsWith("\tat ") || line.startsWith("\t... "));
  }
}
