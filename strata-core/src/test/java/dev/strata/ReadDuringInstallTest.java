package dev.strata;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.testing.CallerThreads;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Readers look up and scan every key without pause while flushes install level-0 tables and
 * compactions move files between levels: no reader may miss a key, see a stale value, or fail on
 * a deleted file. Values encode a generation, and a key's generation never goes backwards for a
 * reader that reads it twice. Readers are virtual threads under {@code -Dstrata.callers=virtual}
 * (see {@link CallerThreads}).
 */
class ReadDuringInstallTest {
  private static final int KEYS = 3000;
  private static final int ROUNDS = 12;

  @TempDir Path dir;

  @Test
  void readersDuringFlushAndCompaction_neverMissAKey() throws Exception {
    Options o =
        Options.builder()
            .memtableSizeBytes(64 * 1024)
            .targetFileSizeBytes(16 * 1024)
            .maxBytesForLevelBase(64 * 1024)
            .level0CompactionTrigger(2)
            .build();
    ExecutorService pool = CallerThreads.newExecutor(3);
    ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    try (StrataDB db = StrataDB.open(dir, o)) {
      for (int i = 0; i < KEYS; i++) {
        db.put(key(i), value(i, 0));
      }
      db.flush();
      AtomicBoolean done = new AtomicBoolean();
      CountDownLatch started = new CountDownLatch(2);
      List<Future<?>> readers = new ArrayList<>();
      readers.add(
          pool.submit(
              () -> {
                int[] lastGen = new int[KEYS];
                started.countDown();
                while (!done.get()) {
                  for (int i = 0; i < KEYS; i++) {
                    byte[] v = db.get(key(i));
                    if (v == null) {
                      failures.add("missed key " + i);
                      continue;
                    }
                    int gen = generation(v, i, failures);
                    if (gen < lastGen[i]) {
                      failures.add("key " + i + " went back from gen " + lastGen[i] + " to " + gen);
                    }
                    lastGen[i] = gen;
                  }
                }
                return null;
              }));
      readers.add(
          pool.submit(
              () -> {
                started.countDown();
                while (!done.get()) {
                  try (DBIterator it = db.newIterator()) {
                    int n = 0;
                    for (it.seekToFirst(); it.isValid(); it.next()) {
                      if (!java.util.Arrays.equals(it.key(), key(n))) {
                        failures.add("scan expected key " + n + " got " + new String(it.key(), StandardCharsets.UTF_8));
                        break;
                      }
                      generation(it.value(), n, failures);
                      n++;
                    }
                    if (n != KEYS) {
                      failures.add("scan saw " + n + " keys");
                    }
                  }
                }
                return null;
              }));
      started.await();
      for (int round = 1; round <= ROUNDS; round++) {
        for (int i = round % 3; i < KEYS; i += 3) {
          db.put(key(i), value(i, round));
        }
        db.flush();
        if (round % 3 == 0) {
          db.compactRange(null, null);
        }
      }
      done.set(true);
      for (Future<?> f : readers) {
        f.get(2, TimeUnit.MINUTES);
      }
      assertThat(failures).isEmpty();
      int compactions = 0;
      for (int l = 1; l < 7; l++) {
        compactions += Integer.parseInt(db.getProperty("strata.num-files-at-level" + l));
      }
      assertThat(compactions).as("files below level 0").isPositive();
    } finally {
      pool.shutdownNow();
    }
  }

  private static byte[] key(int i) {
    return String.format("key%06d", i).getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] value(int i, int gen) {
    return (i + ":" + gen + ":" + "p".repeat(40)).getBytes(StandardCharsets.UTF_8);
  }

  private static int generation(byte[] v, int i, ConcurrentLinkedQueue<String> failures) {
    String[] parts = new String(v, StandardCharsets.UTF_8).split(":");
    if (Integer.parseInt(parts[0]) != i) {
      failures.add("key " + i + " has value of key " + parts[0]);
    }
    return Integer.parseInt(parts[1]);
  }
}
