package dev.strata;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Keeps the lock table of {@code docs/design/locking.md} and the code in step: each lock in the
 * table is declared in its class under a comment citing its rank, every rank a class's comments
 * mention is one of that class's rows, and every lock field of {@code strata-core} has a row.
 *
 * <p>Failed on 161ccc5: {@code VersionSet} cited rank 4 and {@code ConcurrentLevel} rank 5 where
 * the table gives 5 and 6.
 */
class LockRankTest {
  private static final Path DOC = Path.of("../docs/design/locking.md");
  private static final Path SOURCES = Path.of("src/main/java/dev/strata");

  /** A table row: "| 3 | `stateLock` (ReentrantLock) ... | `engine.WriteController` | ...". */
  private static final Pattern ROW =
      Pattern.compile("^\\| (\\d+) \\| `(\\w+)`[^|]*\\| `([\\w.]+)` \\|", Pattern.MULTILINE);

  private static final Pattern LOCK_FIELD =
      Pattern.compile(
          "^\\s*(?:private |protected |public )?(?:static )?final "
              + "(?:ReentrantLock|ReentrantReadWriteLock|StampedLock|Object) (\\w+) =\\s*new "
              + "(?:ReentrantLock|ReentrantReadWriteLock|StampedLock|Object)\\(",
          Pattern.MULTILINE);

  private static final Pattern RANK_MENTION = Pattern.compile("(?i)\\brank (\\d+)\\b");

  private record Row(int rank, String field, String className) {
    Path source() {
      return SOURCES.resolve(className.replace('.', '/') + ".java");
    }
  }

  private static List<Row> rows() throws IOException {
    List<Row> rows = new ArrayList<>();
    Matcher m = ROW.matcher(Files.readString(DOC));
    while (m.find()) {
      rows.add(new Row(Integer.parseInt(m.group(1)), m.group(2), m.group(3)));
    }
    assertThat(rows).as("lock rows in %s", DOC).hasSizeGreaterThanOrEqualTo(9);
    return rows;
  }

  @Test
  void eachDocumentedLock_isDeclaredUnderItsRank() throws IOException {
    List<String> drift = new ArrayList<>();
    for (Row row : rows()) {
      String source = Files.readString(row.source());
      Matcher decl = LOCK_FIELD.matcher(source);
      boolean found = false;
      while (decl.find()) {
        if (!decl.group(1).equals(row.field())) {
          continue;
        }
        found = true;
        String comment = commentAbove(source, decl.start());
        Matcher rank = RANK_MENTION.matcher(comment);
        if (!rank.find() || Integer.parseInt(rank.group(1)) != row.rank()) {
          drift.add(row + ": the comment above the declaration says \"" + comment.strip() + "\"");
        }
      }
      if (!found) {
        drift.add(row + ": no such lock field in " + row.source());
      }
    }
    assertThat(drift).isEmpty();
  }

  @Test
  void everyRankAClassMentions_isOneOfItsRows() throws IOException {
    Map<String, Set<Integer>> ranks = new HashMap<>();
    for (Row row : rows()) {
      ranks.computeIfAbsent(row.className(), c -> new HashSet<>()).add(row.rank());
    }
    List<String> drift = new ArrayList<>();
    for (Map.Entry<String, Set<Integer>> e : ranks.entrySet()) {
      Path source = SOURCES.resolve(e.getKey().replace('.', '/') + ".java");
      Matcher m = RANK_MENTION.matcher(Files.readString(source));
      while (m.find()) {
        int rank = Integer.parseInt(m.group(1));
        if (!e.getValue().contains(rank)) {
          drift.add(e.getKey() + " mentions rank " + rank + ", the table gives " + e.getValue());
        }
      }
    }
    assertThat(drift).isEmpty();
  }

  @Test
  void everyLockField_hasARow() throws IOException {
    Set<String> documented = new HashSet<>();
    for (Row row : rows()) {
      documented.add(row.className() + "#" + row.field());
    }
    List<String> missing = new ArrayList<>();
    try (Stream<Path> files = Files.walk(SOURCES)) {
      for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".java"))::iterator) {
        String className =
            SOURCES.relativize(f).toString().replace(".java", "").replace('/', '.');
        Matcher m = LOCK_FIELD.matcher(Files.readString(f));
        while (m.find()) {
          if (!documented.contains(className + "#" + m.group(1))) {
            missing.add(className + "#" + m.group(1));
          }
        }
      }
    }
    assertThat(missing).as("lock fields without a row in %s", DOC).isEmpty();
  }

  /** The Javadoc or line comments right above {@code offset}'s line. */
  private static String commentAbove(String source, int offset) {
    String[] lines = source.substring(0, offset).split("\n", -1);
    StringBuilder comment = new StringBuilder();
    for (int i = lines.length - 2; i >= 0; i--) {
      String line = lines[i].strip();
      if (line.startsWith("*") || line.startsWith("/**") || line.startsWith("//")
          || line.startsWith("/*") || line.startsWith("@")) {
        comment.insert(0, line + " ");
      } else {
        break;
      }
    }
    return comment.toString();
  }
}
