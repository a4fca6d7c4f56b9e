package dev.strata.cli;

import java.io.IOException;

/**
 * Reads the dump format ({@link DumpFormat}; {@code docs/format/dump.md}): one {@code
 * KEY<TAB>VALUE} per line, escaped, or both hex with {@code --hex}. Empty lines are skipped. A
 * last line without its newline is refused: {@code dump} ends every line with one, so the file
 * was cut (a disk that filled while it was written, a copy stopped early).
 */
final class DumpRowReader implements RowReader {
  private final InputLines lines;
  private final boolean hex;

  DumpRowReader(InputLines lines, boolean hex) {
    this.lines = lines;
    this.hex = hex;
  }

  @Override
  public Row next() throws IOException {
    String line;
    do {
      line = lines.next();
      if (line == null) {
        return null;
      }
    } while (line.isEmpty());
    long n = lines.lineNumber();
    if (!lines.endedWithNewline()) {
      throw new InputException(
          lines.file(), n, "the last line has no newline: the file is cut short");
    }
    int tab = line.indexOf(DumpFormat.SEPARATOR);
    if (tab < 0 || line.indexOf(DumpFormat.SEPARATOR, tab + 1) >= 0) {
      throw new InputException(
          lines.file(),
          n,
          "expected KEY<TAB>VALUE with exactly one tab, found "
              + line.chars().filter(c -> c == DumpFormat.SEPARATOR).count()
              + " (is this the dump format? see --format)");
    }
    try {
      if (hex) {
        return new Row(
            n,
            ByteText.fromHex(line.substring(0, tab), "key"),
            ByteText.fromHex(line.substring(tab + 1), "value"));
      }
      return new Row(
          n, DumpFormat.unescape(line, 0, tab), DumpFormat.unescape(line, tab + 1, line.length()));
    } catch (IllegalArgumentException e) {
      throw new InputException(lines.file(), n, e.getMessage());
    }
  }

  @Override
  public long bytesRead() {
    return lines.bytesRead();
  }

  @Override
  public void close() throws IOException {
    lines.close();
  }
}
