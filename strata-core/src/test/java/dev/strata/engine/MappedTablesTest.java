package dev.strata.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.DBIterator;
import dev.strata.Options;
import dev.strata.StrataDB;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * Memory-mapped tables ({@code Options.mmapReads}) live exactly as long as their
 * readers: a table that compaction deletes is unmapped once no read or iterator holds it, so its
 * disk space comes back at once, and closing the database leaves no mapping of its directory. An
 * unmap while a read was still copying would crash the process, so these tests also read through
 * iterators that outlive the compaction that deletes their tables.
 */
@EnabledOnOs(OS.LINUX) // reads the process's mappings from /proc/self/maps
class MappedTablesTest {
  @TempDir Path dir;

  @Test
  void compaction_unmapsTheTablesItDeletes_andCloseUnmapsEveryTable() throws IOException {
    Path db = dir.toRealPath();
    Options o =
        Options.builder()
            .memtableSizeBytes(64 * 1024)
            .backgroundCompaction(false)
            .mmapReads(true)
            .build();
    try (StrataDB strata = StrataDB.open(db, o)) {
      for (int round = 0; round < 4; round++) {
        for (int i = 0; i < 2_000; i++) {
          strata.put(key(i), value(round, i));
        }
        strata.flush();
      }
      // Read every table so that each is open, and mapped.
      for (int i = 0; i < 2_000; i += 7) {
        assertThat(strata.get(key(i))).isEqualTo(value(3, i));
      }
      assertThat(tableMappings(db)).as("tables mapped while read").isNotEmpty();

      // An iterator that pins the pre-compaction tables across the compaction.
      DBIterator it = strata.newIterator();
      it.seekToFirst();
      strata.compactRange(null, null);
      int seen = 0;
      for (; it.isValid(); it.next()) {
        assertThat(it.value()).isEqualTo(value(3, seen));
        seen++;
      }
      assertThat(seen).isEqualTo(2_000);
      it.close();

      for (int i = 0; i < 2_000; i += 7) {
        assertThat(strata.get(key(i))).isEqualTo(value(3, i));
      }
      assertThat(tableMappings(db).stream().filter(l -> l.endsWith("(deleted)")))
          .as("no deleted table stays mapped")
          .isEmpty();
    }
    assertThat(tableMappings(db)).as("nothing mapped after close").isEmpty();
  }

  @Test
  void mmapReadsOff_mapsNothing_andReadsTheSame() throws IOException {
    Path db = dir.toRealPath();
    Options o = Options.builder().memtableSizeBytes(64 * 1024).mmapReads(false).build();
    try (StrataDB strata = StrataDB.open(db, o)) {
      for (int i = 0; i < 3_000; i++) {
        strata.put(key(i), value(0, i));
      }
      strata.flush();
      for (int i = 0; i < 3_000; i += 11) {
        assertThat(strata.get(key(i))).isEqualTo(value(0, i));
      }
      assertThat(tableMappings(db)).isEmpty();
    }
  }

  private static List<String> tableMappings(Path db) throws IOException {
    String prefix = db.toString() + "/";
    return Files.readAllLines(Path.of("/proc/self/maps")).stream()
        .filter(l -> l.contains(prefix) && l.contains(".sst"))
        .collect(Collectors.toList());
  }

  private static byte[] key(int i) {
    return String.format("key%08d", i).getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] value(int round, int i) {
    return String.format("value-%d-%08d-%s", round, i, "x".repeat(40))
        .getBytes(StandardCharsets.UTF_8);
  }
}
