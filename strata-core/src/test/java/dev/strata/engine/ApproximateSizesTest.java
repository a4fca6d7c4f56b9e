package dev.strata.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.strata.Compression;
import dev.strata.Options;
import dev.strata.Range;
import dev.strata.StrataDB;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code getApproximateSizes} follows where the data lies on disk, from the tables' indexes alone,
 * and {@code strata.estimate-num-keys} counts keys written once exactly once they are compacted.
 */
class ApproximateSizesTest {
  @TempDir Path dir;

  private static final int KEYS = 20_000;

  private static Options options() {
    return Options.builder()
        .memtableSizeBytes(256 * 1024)
        .targetFileSizeBytes(128 * 1024)
        .compression(Compression.NONE)
        .build();
  }

  private static byte[] key(int i) {
    return String.format("key%06d", i).getBytes(StandardCharsets.UTF_8);
  }

  private static long[] sizes(StrataDB db, Range... ranges) {
    return db.getApproximateSizes(Arrays.asList(ranges));
  }

  @Test
  void sizes_followTheDataOnDisk_fromTheIndexesAlone() {
    try (StrataDB s = StrataDB.open(dir, options())) {
      DbImpl db = (DbImpl) s;
      assertThat(sizes(db, new Range(null, null))).containsExactly(0);
      SplittableRandom rnd = new SplittableRandom(3);
      byte[] value = new byte[100];
      // 100 keys fit the memtable: nothing in tables, so nothing counted.
      for (int i = 0; i < 100; i++) {
        rnd.nextBytes(value);
        db.put(key(i), value);
      }
      assertThat(db.getApproximateSizes(List.of(new Range(null, null)))).containsExactly(0);
      for (int i = 100; i < KEYS; i++) {
        rnd.nextBytes(value);
        db.put(key(i), value);
      }
      db.compactRange(null, null);
      long total = Long.parseLong(db.getProperty("strata.total-sst-bytes"));
      assertThat(total).isGreaterThan(KEYS * 100L);

      long lookups = db.blockCache().hits() + db.blockCache().misses();
      long[] s1 =
          sizes(
              db,
              new Range(null, null),
              new Range(key(0), key(KEYS / 2)),
              new Range(key(KEYS / 2), null),
              new Range(key(KEYS / 4), key(KEYS / 4 + KEYS / 10)),
              new Range(key(500), key(500)),
              new Range(key(900), key(100)),
              new Range("zzz".getBytes(StandardCharsets.UTF_8), null),
              new Range(null, "a".getBytes(StandardCharsets.UTF_8)));
      assertThat(db.blockCache().hits() + db.blockCache().misses())
          .as("data block lookups")
          .isEqualTo(lookups);

      assertThat(s1[0]).as("everything").isEqualTo(total);
      // Halves within a few blocks per file of half the data, and summing to nearly the whole.
      assertThat(s1[1]).as("first half").isBetween((long) (total * 0.45), (long) (total * 0.55));
      assertThat(s1[2]).as("second half").isBetween((long) (total * 0.45), (long) (total * 0.55));
      assertThat(s1[1] + s1[2]).isBetween((long) (total * 0.97), total);
      assertThat(s1[3]).as("a tenth").isBetween((long) (total * 0.08), (long) (total * 0.12));
      assertThat(s1[4]).as("empty range").isZero();
      assertThat(s1[5]).as("start after limit").isZero();
      assertThat(s1[6]).as("after every key").isZero();
      assertThat(s1[7]).as("before every key").isZero();

      // Growing the range never shrinks the size.
      long previous = 0;
      for (int end = 1000; end <= KEYS; end += 1000) {
        long size = sizes(db, new Range(key(0), key(end)))[0];
        assertThat(size).as("[0, %d)", end).isGreaterThanOrEqualTo(previous);
        previous = size;
      }
    }
  }

  @Test
  void sizes_refuseNulls() {
    try (StrataDB db = StrataDB.open(dir, options())) {
      assertThatThrownBy(() -> db.getApproximateSizes(null))
          .isInstanceOf(NullPointerException.class);
      assertThatThrownBy(() -> db.getApproximateSizes(Arrays.asList((Range) null)))
          .isInstanceOf(NullPointerException.class);
    }
  }

  @Test
  void estimateNumKeys_isExactForKeysWrittenOnceAndCompacted() {
    // Compactions only when asked: the property reads the levels one after another, so a
    // background compaction installed between two of those reads counts its keys twice (seen in
    // CI: 28,839 for 20,000 keys right after the flush).
    try (StrataDB db = StrataDB.open(dir, options().toBuilder().backgroundCompaction(false).build())) {
      assertThat(db.getProperty("strata.estimate-num-keys")).isEqualTo("0");
      // 1,000 keys fit the active memtable: counted there.
      for (int i = 0; i < 1000; i++) {
        db.put(key(i), new byte[10]);
      }
      assertThat(Long.parseLong(db.getProperty("strata.estimate-num-keys"))).isEqualTo(1000);
      for (int i = 1000; i < KEYS; i++) {
        db.put(key(i), new byte[10]);
      }
      // Flushed into level 0 (with no flush running, no memtable counts in two places).
      db.flush();
      assertThat(Long.parseLong(db.getProperty("strata.estimate-num-keys"))).isEqualTo(KEYS);
      db.compactRange(null, null);
      assertThat(Long.parseLong(db.getProperty("strata.estimate-num-keys"))).isEqualTo(KEYS);
      for (int i = 0; i < KEYS; i += 4) {
        db.delete(key(i));
      }
      db.flush();
      // The tombstones in level 0 each take off a key they hide and themselves.
      assertThat(Long.parseLong(db.getProperty("strata.estimate-num-keys")))
          .isEqualTo(KEYS - KEYS / 4);
      db.compactRange(null, null);
      assertThat(Long.parseLong(db.getProperty("strata.estimate-num-keys")))
          .isEqualTo(KEYS - KEYS / 4);
    }
  }
}
