package dev.strata.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The input formats of {@code load}. Every one is read as strict UTF-8 through {@link InputLines}
 * and yields exactly one key and one value per row; anything else stops the load with the line.
 */
enum InputFormat {
  /** {@code dump}'s output: one escaped {@code KEY<TAB>VALUE} per line ({@link DumpFormat}). */
  DUMP,
  /** RFC 4180 comma-separated values with two fields (Apache Commons CSV). */
  CSV,
  /** As {@link #CSV} with a tab as the delimiter. */
  TSV,
  /** One JSON object per line: {@code {"key": "...", "value": "..."}} (Jackson). */
  JSONL;

  /**
   * Opens {@code file} in this format.
   *
   * @param hex keys and values are hex (in every format)
   * @param header the first record is a header to skip (CSV and TSV; the others ignore it)
   */
  RowReader open(Path file, boolean hex, boolean header) throws IOException {
    InputLines lines = new InputLines(Files.newInputStream(file), file);
    try {
      return switch (this) {
        case DUMP -> new DumpRowReader(lines, hex);
        case CSV -> new CsvRowReader(lines, ',', hex, header);
        case TSV -> new CsvRowReader(lines, '\t', hex, header);
        case JSONL -> new JsonLinesRowReader(lines, hex);
      };
    } catch (IOException | RuntimeException e) {
      lines.close();
      throw e;
    }
  }
}
