package dev.strata.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Results as JSON lines, one object per result, and back. Stateless and thread-safe. */
public final class JsonLines {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {};

  private JsonLines() {}

  public static String toLine(BenchResult r) {
    try {
      return MAPPER.writeValueAsString(r.toMap());
    } catch (JsonProcessingException ex) {
      throw new UncheckedIOException(ex);
    }
  }

  public static BenchResult fromLine(String line) throws IOException {
    return BenchResult.fromMap(MAPPER.readValue(line, MAP));
  }

  /** Writes (replacing) {@code file}. */
  public static void write(Path file, List<BenchResult> results) throws IOException {
    List<String> lines = new ArrayList<>();
    for (BenchResult r : results) {
      lines.add(toLine(r));
    }
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    Files.write(file, lines, StandardCharsets.UTF_8);
  }

  public static List<BenchResult> read(Path file) throws IOException {
    List<BenchResult> out = new ArrayList<>();
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      if (!line.isBlank()) {
        out.add(fromLine(line));
      }
    }
    return out;
  }
}
