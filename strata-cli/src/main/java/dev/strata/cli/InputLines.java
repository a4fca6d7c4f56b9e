package dev.strata.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The lines of an input file as strictly decoded UTF-8, numbered: {@code load}'s one way to read
 * text. A line ends at {@code \n} only (a {@code \r} before it stays in the line: the formats
 * decide what it means); a UTF-8 byte-order mark at the start of the file is dropped; bytes that
 * are not valid UTF-8 raise {@link InputException} naming the line and the byte within it, where
 * a {@code Reader} would say "Input length = 1" or silently put U+FFFD in their place. Confined to
 * one thread; the caller closes it, which closes the stream.
 */
final class InputLines implements AutoCloseable {
  private static final byte[] BOM = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};

  private final InputStream in;
  private final Path file;
  private final CharsetDecoder decoder =
      StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT);

  private final byte[] chunk = new byte[1 << 16];
  private int chunkPos;
  private int chunkLimit;
  private byte[] lineBytes = new byte[256];

  /** Number of the line {@link #next()} returned last; 0 before the first. */
  private long lineNumber;

  /** Bytes of the file consumed so far. */
  private long bytesRead;

  /** Whether the line returned last ended with a newline (false only for a cut last line). */
  private boolean endedWithNewline = true;

  private boolean eof;

  InputLines(InputStream in, Path file) {
    this.in = in;
    this.file = file;
  }

  /**
   * The next line without its {@code \n}, or null at the end of the file.
   *
   * @throws InputException if the line is not valid UTF-8
   * @throws IOException if reading fails
   */
  String next() throws IOException {
    int n = 0;
    boolean newline = false;
    while (true) {
      if (chunkPos == chunkLimit && !fill()) {
        break;
      }
      int start = chunkPos;
      while (chunkPos < chunkLimit && chunk[chunkPos] != '\n') {
        chunkPos++;
      }
      int len = chunkPos - start;
      if (n + len > lineBytes.length) {
        lineBytes = Arrays.copyOf(lineBytes, Math.max(n + len, 2 * lineBytes.length));
      }
      System.arraycopy(chunk, start, lineBytes, n, len);
      n += len;
      bytesRead += len;
      if (chunkPos < chunkLimit) {
        chunkPos++;
        bytesRead++;
        newline = true;
        break;
      }
    }
    if (!newline && n == 0) {
      return null;
    }
    lineNumber++;
    endedWithNewline = newline;
    int from = 0;
    if (lineNumber == 1 && n >= 3 && Arrays.equals(lineBytes, 0, 3, BOM, 0, 3)) {
      from = 3;
    }
    ByteBuffer bytes = ByteBuffer.wrap(lineBytes, from, n - from);
    try {
      return decoder.decode(bytes).toString();
    } catch (CharacterCodingException e) {
      throw new InputException(
          file,
          lineNumber,
          "not valid UTF-8 at byte "
              + (bytes.position() + 1)
              + " of the line; text input must be UTF-8 (give other bytes as \\xHH escapes in"
              + " the dump format, or everything in hex with --hex)");
    }
  }

  private boolean fill() throws IOException {
    if (eof) {
      return false;
    }
    int r = in.read(chunk);
    if (r <= 0) {
      eof = r < 0;
      chunkPos = 0;
      chunkLimit = 0;
      return !eof && fill();
    }
    chunkPos = 0;
    chunkLimit = r;
    return true;
  }

  /** Number of the line {@link #next()} returned last. */
  long lineNumber() {
    return lineNumber;
  }

  /** Bytes of the file consumed so far, for progress. */
  long bytesRead() {
    return bytesRead;
  }

  /** Whether the line returned last ended with a newline. */
  boolean endedWithNewline() {
    return endedWithNewline;
  }

  Path file() {
    return file;
  }

  /**
   * The text as a {@link Reader}, line by line, for parsers that take one (CSV, whose quoted
   * fields may span lines). Its decoding errors are {@link InputException}s as above.
   */
  Reader asReader() {
    return new Reader() {
      private String current = "";
      private int pos;

      @Override
      public int read(char[] cbuf, int off, int len) throws IOException {
        if (len == 0) {
          return 0;
        }
        while (pos == current.length()) {
          String line = next();
          if (line == null) {
            return -1;
          }
          current = endedWithNewline ? line + "\n" : line;
          pos = 0;
        }
        int n = Math.min(len, current.length() - pos);
        current.getChars(pos, pos + n, cbuf, off);
        pos += n;
        return n;
      }

      @Override
      public void close() throws IOException {
        InputLines.this.close();
      }
    };
  }

  @Override
  public void close() throws IOException {
    in.close();
  }
}
