package dev.strata.cli;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.util.Iterator;
import java.util.Locale;

/**
 * Reads JSON lines with Jackson: one object per line with exactly the string members {@code
 * "key"} and {@code "value"} (hex strings with {@code --hex}). Anything else stops the load with
 * its line: a cut or malformed object, trailing data after it, a duplicate or unknown member, a
 * value that is not a string. Empty lines are skipped.
 */
final class JsonLinesRowReader implements RowReader {
  private static final ObjectMapper JSON =
      JsonMapper.builder()
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .build();

  private final InputLines lines;
  private final boolean hex;

  JsonLinesRowReader(InputLines lines, boolean hex) {
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
    } while (line.isBlank());
    long n = lines.lineNumber();
    JsonNode node;
    try {
      node = JSON.readTree(line);
    } catch (JsonProcessingException e) {
      String where =
          e.getLocation() != null ? " at column " + e.getLocation().getColumnNr() : "";
      String kind = e instanceof JsonParseException ? "malformed JSON" : "invalid JSON";
      throw new InputException(lines.file(), n, kind + where + ": " + e.getOriginalMessage());
    }
    if (node == null || !node.isObject()) {
      throw new InputException(
          lines.file(), n, "expected an object {\"key\": ..., \"value\": ...}");
    }
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String name = it.next();
      if (!name.equals("key") && !name.equals("value")) {
        throw new InputException(
            lines.file(), n, "unknown member \"" + name + "\" (expected \"key\" and \"value\")");
      }
    }
    try {
      return new Row(n, member(node, "key", n), member(node, "value", n));
    } catch (IllegalArgumentException e) {
      throw new InputException(lines.file(), n, e.getMessage());
    }
  }

  private byte[] member(JsonNode object, String name, long line) throws InputException {
    JsonNode v = object.get(name);
    if (v == null) {
      throw new InputException(lines.file(), line, "missing member \"" + name + "\"");
    }
    if (!v.isTextual()) {
      throw new InputException(
          lines.file(), line, "\"" + name + "\" is " + v.getNodeType().toString().toLowerCase(Locale.ROOT)
              + ", expected a string");
    }
    return ByteText.parse(v.textValue(), hex, name);
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
