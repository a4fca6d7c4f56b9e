package dev.strata.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * Reads CSV or TSV with Apache Commons CSV: RFC 4180 quoting (a field in double quotes may hold
 * the delimiter, a newline, and {@code ""} for a quote), nothing trimmed, exactly two fields per
 * record (key, value). A record with another number of fields, or a quoting error, stops the load
 * with its line. Empty lines are skipped. With {@code --header} the first record is a header.
 */
final class CsvRowReader implements RowReader {
  private final InputLines lines;
  private final CSVParser parser;
  private final Iterator<CSVRecord> records;
  private final boolean hex;

  CsvRowReader(InputLines lines, char delimiter, boolean hex, boolean header) throws IOException {
    this.lines = lines;
    this.hex = hex;
    CSVFormat.Builder format =
        CSVFormat.RFC4180
            .builder()
            .setDelimiter(delimiter)
            .setIgnoreSurroundingSpaces(false)
            .setTrim(false)
            .setIgnoreEmptyLines(false);
    if (header) {
      format.setHeader().setSkipHeaderRecord(true).setAllowMissingColumnNames(true);
    }
    try {
      this.parser = CSVParser.builder().setReader(lines.asReader()).setFormat(format.get()).get();
    } catch (IOException | UncheckedIOException | IllegalArgumentException e) {
      throw error(1, e);
    }
    if (header && parser.getHeaderNames().size() != 2) {
      throw new InputException(
          lines.file(),
          1,
          "the header has " + parser.getHeaderNames().size() + " columns, expected 2 (key, value)");
    }
    this.records = parser.iterator();
  }

  @Override
  public Row next() throws IOException {
    while (true) {
      long line = parser.getCurrentLineNumber() + 1;
      CSVRecord r;
      try {
        if (!records.hasNext()) {
          return null;
        }
        r = records.next();
      } catch (UncheckedIOException | IllegalStateException e) {
        throw error(line, e);
      }
      if (r.size() == 1 && r.get(0).isEmpty()) {
        continue;
      }
      if (r.size() != 2) {
        throw new InputException(
            lines.file(), line, r.size() + " fields, expected 2 (key, value)");
      }
      try {
        return new Row(
            line, ByteText.parse(r.get(0), hex, "key"), ByteText.parse(r.get(1), hex, "value"));
      } catch (IllegalArgumentException e) {
        throw new InputException(lines.file(), line, e.getMessage());
      }
    }
  }

  /** A parse failure as an {@link InputException}, keeping one that decoding raised. */
  private InputException error(long line, Exception e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof InputException ie) {
        return ie;
      }
    }
    Throwable cause = e instanceof UncheckedIOException && e.getCause() != null ? e.getCause() : e;
    return new InputException(lines.file(), line, "malformed CSV: " + cause.getMessage());
  }

  @Override
  public long bytesRead() {
    return lines.bytesRead();
  }

  @Override
  public void close() throws IOException {
    parser.close();
  }
}
