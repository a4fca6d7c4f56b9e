package dev.strata.cli;

import java.io.Console;
import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Whether the process's standard streams are terminals. Java has no isatty: {@code
 * System.console()} says, up to JDK 21, whether stdin and stdout both are, and from JDK 22 is
 * never null (only its {@code isTerminal()} tells). On Linux the link {@code /proc/self/fd/N}
 * names the device, which answers per stream; elsewhere the console stands in. {@code TERM=dumb}
 * (editors' shells, CI logs) counts as no terminal. Stateless.
 */
final class Terminals {
  private Terminals() {}

  static boolean stdinIsTerminal() {
    return isTerminal(0);
  }

  static boolean stderrIsTerminal() {
    return isTerminal(2);
  }

  private static boolean isTerminal(int fd) {
    if ("dumb".equals(System.getenv("TERM"))) {
      return false;
    }
    try {
      String target = Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString();
      return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
    } catch (IOException | UnsupportedOperationException | SecurityException e) {
      return consoleIsTerminal();
    }
  }

  @SuppressWarnings("SystemConsoleNull") // checked with isTerminal() where the JDK has it
  private static boolean consoleIsTerminal() {
    Console c = System.console();
    if (c == null) {
      return false;
    }
    try {
      Method isTerminal = Console.class.getMethod("isTerminal");
      return (Boolean) isTerminal.invoke(c);
    } catch (ReflectiveOperationException e) {
      return true; // JDK 21 and older: a console exists only on a terminal
    }
  }
}
