package dev.strata;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A database of a few hundred small tables with the table cache at its smallest (16 open files):
 * readers' lookups of random keys open and close tables all the time, and a point lookup reads an
 * open table without a reference (so the cache can close the reader under it, and the lookup then
 * reads again through one), while writes of other keys flush and compact and move the tables the
 * readers read. Every lookup must return its key's value.
 */
class FewOpenTablesTest {
  private static final int KEYS = 20_000;
  private static final int READERS = 4;
  private static final int LOOKUPS = 15_000;

  @TempDir Path dir;

  private static byte[] key(int i) {
    return String.format("key-%06d", i).getBytes(UTF_8);
  }

  private static byte[] value(int i) {
    return String.format("value-%06d-%040d", i, i).getBytes(UTF_8);
  }

  @Test
  void lookups_whileTheTableCacheKeepsClosingReaders_andCompactionsMoveTables_findEveryValue()
      throws Exception {
    Options options =
        Options.builder()
            .memtableSizeBytes(64 << 10)
            .targetFileSizeBytes(4 << 10)
            .maxBytesForLevelBase(64 << 10)
            .blockCacheBytes(16 << 10)
            .maxOpenFiles(16)
            .build();
    ExecutorService pool = Executors.newFixedThreadPool(READERS + 1);
    try (StrataDB db = StrataDB.open(dir, options)) {
      for (int i = 0; i < KEYS; i++) {
        db.put(key(i), value(i));
      }
      db.flush();
      int tables = 0;
      for (int level = 0; level < 7; level++) {
        tables += Integer.parseInt(db.getProperty("strata.num-files-at-level" + level));
      }
      assertThat(tables).as("tables, against 16 open files").isGreaterThan(100);

      CountDownLatch start = new CountDownLatch(1);
      AtomicBoolean reading = new AtomicBoolean(true);
      Future<Integer> writer =
          pool.submit(
              () -> {
                start.await();
                int n = 0;
                // Other keys: their flushes and the compactions they cause rewrite and move the
                // tables the readers read.
                while (reading.get()) {
                  db.put(("other-" + (n % 5_000)).getBytes(UTF_8), value(n));
                  n++;
                }
                return n;
              });
      List<Future<Integer>> readers = new ArrayList<>();
      for (int t = 0; t < READERS; t++) {
        int seed = t;
        readers.add(
            pool.submit(
                () -> {
                  start.await();
                  SplittableRandom random = new SplittableRandom(seed);
                  int found = 0;
                  for (int i = 0; i < LOOKUPS; i++) {
                    int k = random.nextInt(KEYS);
                    assertThat(db.get(key(k))).as("key %d", k).isEqualTo(value(k));
                    found++;
                  }
                  return found;
                }));
      }
      start.countDown();
      try {
        for (Future<Integer> r : readers) {
          assertThat(r.get(5, TimeUnit.MINUTES)).isEqualTo(LOOKUPS);
        }
      } finally {
        reading.set(false);
      }
      assertThat(writer.get(1, TimeUnit.MINUTES)).isPositive();
    } finally {
      pool.shutdownNow();
    }
  }
}
