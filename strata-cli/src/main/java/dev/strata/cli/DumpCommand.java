package dev.strata.cli;

import dev.strata.DBIterator;
import dev.strata.StrataDB;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code strata dump}: every key and value, one {@code KEY<TAB>VALUE} line each, in the escaped
 * text of {@link DumpFormat} (or hex with {@code --hex}): {@code load}'s default input, and exact
 * for any bytes. It writes the visible data, as a read sees it: merged values (through {@code
 * --merge-operator}) as plain values, nothing a point or range deletion hides; so {@code load} of
 * a dump gives a database with the same visible data and no merge operands.
 *
 * <p>Every write error is an error (exit code 1): to a file the writer throws, and the file is
 * forced before success is reported; on failure the partial file is deleted, since a dump cut at
 * a line boundary would look complete. On standard output the writer is a {@link
 * CheckedPrintWriter}, checked after the last line.
 */
@Command(
    name = "dump",
    mixinStandardHelpOptions = true,
    description = {
      "Write every key and value as KEY<TAB>VALUE lines: the input of load. Values are what a",
      "read returns: merge operands merged (a database holding them needs --merge-operator),",
      "keys hidden by deletions and range deletions left out.",
      "Text is escaped so that any bytes round-trip: \\\\ \\t \\n \\r and \\xHH"
          + " (docs/format/dump.md); --hex writes hex instead."
    })
final class DumpCommand extends DbCommands.ReadingBase {
  @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Output file (default stdout).")
  Path output;

  @Override
  public Integer call() throws Exception {
    if (output == null) {
      return super.call();
    }
    // The output first: a path that cannot be written fails before the database is opened.
    FileChannel ch =
        FileChannel.open(
            output,
            StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING,
            StandardOpenOption.WRITE);
    boolean done = false;
    try (Writer w =
        new BufferedWriter(new OutputStreamWriter(Channels.newOutputStream(ch), StandardCharsets.UTF_8), 1 << 16)) {
      long n;
      try (StrataDB d = open()) {
        n = dump(d, w);
      }
      w.flush();
      ch.force(true);
      done = true;
      out().println("dumped " + n + " entries to " + output);
      return 0;
    } catch (IOException e) {
      throw new IOException("writing the dump to " + output + " failed: " + ErrorMessages.describe(e)
          + "; the partial file was removed", e);
    } finally {
      if (!done) {
        Files.deleteIfExists(output);
      }
    }
  }

  @Override
  int run(StrataDB d) throws IOException {
    dump(d, out());
    CheckedPrintWriter.flushOrThrow(out(), "standard output");
    return 0;
  }

  private long dump(StrataDB d, Writer w) throws IOException {
    long n = 0;
    try (DBIterator it = d.newIterator(family(d))) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        w.write(hex ? ByteText.toHex(it.key()) + '\t' + ByteText.toHex(it.value())
            : DumpFormat.line(it.key(), it.value()));
        w.write('\n');
        n++;
        if (n % 4096 == 0 && w instanceof java.io.PrintWriter pw && pw.checkError()) {
          break; // standard output failed (a full disk, a closed pipe): reported by the caller
        }
      }
    }
    return n;
  }
}
