package dev.strata.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.Options;
import dev.strata.StrataDB;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Level-0 files chained by overlap (oldest C over 10..20, B over 18..30, newest A over 28..40)
 * must leave level 0 together whenever one of them does: a newer version moved down under an
 * older one left in level 0 is shadowed by it.
 *
 * <p>Failed on 161ccc5: {@code compactRange("0035", "0040")} moved {A, B} and left C, so {@code
 * get("0019")} returned C's "C" instead of B's "B", and with B's tombstone for 0019 dropped at the
 * bottom level the deleted value came back for good.
 */
class Level0ClosureTest {
  @TempDir Path dir;

  private static Options options() {
    return Options.builder()
        .backgroundCompaction(false)
        .level0CompactionTrigger(100)
        .level0SlowdownTrigger(200)
        .level0StopTrigger(300)
        .build();
  }

  private static byte[] key(int i) {
    return String.format("%04d", i).getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static void putRange(StrataDB db, int from, int to, String value) {
    for (int i = from; i <= to; i++) {
      db.put(key(i), bytes(value));
    }
    db.flush();
  }

  @Test
  void compactRange_boundedOnChainedLevel0Files_keepsNewestVersions() {
    try (StrataDB db = StrataDB.open(dir, options())) {
      putRange(db, 10, 20, "C");
      putRange(db, 18, 30, "B");
      putRange(db, 28, 40, "A");

      db.compactRange(key(35), key(40));

      for (int i = 10; i <= 40; i++) {
        String expected = i >= 28 ? "A" : i >= 18 ? "B" : "C";
        assertThat(db.get(key(i))).as("key %d", i).isEqualTo(bytes(expected));
      }
    }
  }

  @Test
  void compactRange_boundedOnChainedLevel0Files_neverResurrectsADeletedKey() {
    try (StrataDB db = StrataDB.open(dir, options())) {
      putRange(db, 10, 20, "C");
      for (int i = 18; i <= 30; i++) {
        db.put(key(i), bytes("B"));
      }
      db.delete(key(19));
      db.flush();
      putRange(db, 28, 40, "A");

      db.compactRange(key(35), key(40));
      db.compactRange(null, null);

      assertThat(db.get(key(19))).isNull();
      assertThat(db.get(key(18))).isEqualTo(bytes("B"));
      assertThat(db.get(key(10))).isEqualTo(bytes("C"));
    }
  }
}
