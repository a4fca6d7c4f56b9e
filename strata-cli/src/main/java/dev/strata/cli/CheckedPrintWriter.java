package dev.strata.cli;

import java.io.BufferedWriter;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;

/**
 * A UTF-8 {@link PrintWriter} on a stream that remembers the first write error. A {@code
 * PrintWriter} swallows every {@link IOException} and only sets a flag ({@link #checkError()}):
 * this one also keeps the exception, so that the command can say what failed ("No space left on
 * device") and exit 1 instead of reporting success over a truncated output. Confined to the
 * command's thread; the owner ({@code StrataCli.main}) flushes it before exit.
 */
final class CheckedPrintWriter extends PrintWriter {
  private final RecordingStream stream;

  private CheckedPrintWriter(RecordingStream stream, boolean autoFlush) {
    super(
        new BufferedWriter(new OutputStreamWriter(stream, StandardCharsets.UTF_8), 1 << 16),
        autoFlush);
    this.stream = stream;
  }

  /** A writer on {@code out}; {@code autoFlush} flushes at every println (for stderr). */
  static CheckedPrintWriter on(OutputStream out, boolean autoFlush) {
    return new CheckedPrintWriter(new RecordingStream(out), autoFlush);
  }

  /** The first write or flush failure of the stream, or null. */
  IOException failure() {
    return stream.failure;
  }

  /**
   * Flushes {@code w} and throws if any write to it failed: the recorded cause when {@code w} is a
   * {@link CheckedPrintWriter}, else a generic one.
   *
   * @param what names the destination in the error ("standard output", a file name)
   */
  static void flushOrThrow(PrintWriter w, String what) throws IOException {
    if (!w.checkError()) {
      return;
    }
    IOException cause = w instanceof CheckedPrintWriter c ? c.failure() : null;
    throw new IOException(
        "writing to "
            + what
            + " failed"
            + (cause != null && cause.getMessage() != null ? ": " + cause.getMessage() : ""),
        cause);
  }

  /** Passes everything through and keeps the first {@link IOException}. */
  private static final class RecordingStream extends FilterOutputStream {
    private IOException failure;

    RecordingStream(OutputStream out) {
      super(out);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      try {
        out.write(b, off, len);
      } catch (IOException e) {
        record(e);
        throw e;
      }
    }

    @Override
    public void write(int b) throws IOException {
      try {
        out.write(b);
      } catch (IOException e) {
        record(e);
        throw e;
      }
    }

    @Override
    public void flush() throws IOException {
      try {
        out.flush();
      } catch (IOException e) {
        record(e);
        throw e;
      }
    }

    private void record(IOException e) {
      if (failure == null) {
        failure = e;
      }
    }
  }
}
