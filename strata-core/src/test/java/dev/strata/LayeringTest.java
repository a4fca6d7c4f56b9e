package dev.strata;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Enforces the package layering of {@code ../shared/STYLE.md}: each internal package imports only
 * packages below it (and the API's value types), never {@code engine}; and only {@code
 * dev.strata.fs} touches files directly.
 */
class LayeringTest {
  private static final Map<String, Set<String>> ALLOWED =
      Map.of(
          "util", Set.of(),
          "stats", Set.of(),
          "key", Set.of("util"),
          "fs", Set.of("util"),
          "memtable", Set.of("key", "util", "stats"),
          "wal", Set.of("key", "fs", "util"),
          "sstable", Set.of("key", "fs", "util", "stats"),
          "version", Set.of("sstable", "wal", "key", "fs", "util", "stats"),
          "compaction",
              Set.of("version", "sstable", "memtable", "wal", "key", "fs", "util", "stats"));

  /**
   * API types the internal packages may name: exceptions and value types, and the statistics'
   * vocabulary ({@code stats} implements {@code Statistics}; every layer counts {@code Ticker}s),
   * and the user's plugins the layers call ({@code MergeOperator}: flush and compaction fold
   * operands with it; {@code CompactionFilter}: compaction offers it values and writes its {@code
   * Decision}).
   */
  private static final Set<String> API_VALUE_TYPES =
      Set.of(
          "CorruptionException",
          "StrataException",
          "Compression",
          "Ticker",
          "HistogramType",
          "HistogramData",
          "Statistics",
          "StatisticsLevel",
          "MergeOperator",
          "CompactionFilter",
          "PrefixExtractor");

  private static final Pattern IMPORT = Pattern.compile("^import (?:static )?dev\\.strata\\.([A-Za-z]+)(?:\\.([A-Za-z]+))?", Pattern.MULTILINE);

  /**
   * Ways to open or read a file directly. Outside {@code dev.strata.fs} they would bypass its
   * interrupt contract (an interruptible channel shared between threads is closed for all of them
   * by one interrupt; see {@code docs/design/interrupts.md}) and the fault-injecting test file
   * system.
   */
  private static final Pattern DIRECT_FILE_ACCESS =
      Pattern.compile(
          "\\bjava\\.nio\\.channels\\b|\\bjava\\.nio\\.file\\.Files\\b"
              + "|\\b(?:FileChannel|RandomAccessFile|FileInputStream|FileOutputStream|MappedByteBuffer)\\b");

  @Test
  void fileAccess_outsideFs_goesThroughFileSystem() throws IOException {
    Path root = Path.of("src/main/java/dev/strata");
    Path fs = root.resolve("fs");
    List<String> violations = new ArrayList<>();
    try (Stream<Path> files = Files.walk(root)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        if (f.startsWith(fs) || !f.toString().endsWith(".java")) {
          continue;
        }
        Matcher m = DIRECT_FILE_ACCESS.matcher(Files.readString(f));
        if (m.find()) {
          violations.add(f + " uses " + m.group());
        }
      }
    }
    assertThat(violations).isEmpty();
  }

  /** {@code observe} sits beside {@code engine}: it may use the API, never the engine. */
  @Test
  void observe_neverImportsTheEngine() throws IOException {
    List<String> violations = new ArrayList<>();
    try (Stream<Path> files = Files.list(Path.of("src/main/java/dev/strata/observe"))) {
      for (Path f : (Iterable<Path>) files::iterator) {
        if (Files.readString(f).contains("import dev.strata.engine.")) {
          violations.add(f.toString());
        }
      }
    }
    assertThat(violations).isEmpty();
  }

  @Test
  void internalPackages_importOnlyPackagesBelowThem() throws IOException {
    Path root = Path.of("src/main/java/dev/strata");
    List<String> violations = new ArrayList<>();
    for (Map.Entry<String, Set<String>> e : ALLOWED.entrySet()) {
      try (Stream<Path> files = Files.list(root.resolve(e.getKey()))) {
        for (Path f : (Iterable<Path>) files::iterator) {
          Matcher m = IMPORT.matcher(Files.readString(f));
          while (m.find()) {
            String first = m.group(1);
            boolean apiType = Character.isUpperCase(first.charAt(0));
            if (apiType ? !API_VALUE_TYPES.contains(first) : !e.getValue().contains(first) && !first.equals(e.getKey())) {
              violations.add(f + " imports dev.strata." + first);
            }
          }
        }
      }
    }
    assertThat(violations).isEmpty();
  }
}
