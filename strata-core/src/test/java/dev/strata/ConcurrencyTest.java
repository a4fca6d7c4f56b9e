package dev.strata;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.testing.CallerThreads;
import dev.strata.util.Bytes;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Eight writers (disjoint and overlapping keys, and atomic pair batches) run while readers, iterators
 * and snapshot readers check that: every acknowledged write is visible afterwards, iterators never
 * return keys out of order or twice, a snapshot never changes under its reader, and a batch is
 * never seen in part. Small memtables make flushes and compactions run throughout. Callers are
 * virtual threads under {@code -Dstrata.callers=virtual} (see {@link CallerThreads}).
 */
class ConcurrencyTest {
  private static final int WRITERS = 8;
  private static final int OPS_PER_WRITER = 4_000;

  @TempDir Path dir;

  static Stream<Arguments> configs() {
    Options base =
        Options.builder()
            .memtableSizeBytes(128 * 1024)
            .targetFileSizeBytes(64 * 1024)
            .maxBytesForLevelBase(256 * 1024)
            .level0CompactionTrigger(2)
            .build();
    return Stream.of(
        Arguments.of("sharded", base),
        Arguments.of("skiplist", base.toBuilder().memtable(MemtableKind.SKIPLIST).build()),
        // A cache of a few blocks: every insert evicts, so the pages a reader copies are handed
        // to other blocks all the time (sstable.BlockPages).
        Arguments.of("16 KiB block cache", base.toBuilder().blockCacheBytes(16 << 10).build()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("configs")
  void writersAndReaders_seeConsistentState(String name, Options options) throws Exception {
    ExecutorService pool = CallerThreads.newExecutor(WRITERS + 4);
    ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    try (StrataDB db = StrataDB.open(dir, options)) {
      CountDownLatch start = new CountDownLatch(1);
      AtomicBoolean writersDone = new AtomicBoolean();
      List<Future<?>> writers = new ArrayList<>();
      for (int t = 0; t < WRITERS; t++) {
        int id = t;
        writers.add(
            pool.submit(
                () -> {
                  start.await();
                  Random rnd = new Random(id);
                  for (int i = 0; i < OPS_PER_WRITER; i++) {
                    db.put(key("w" + id + "-" + i), val(id + ":" + i));
                    db.put(key("shared-" + rnd.nextInt(200)), val(id + ":" + i));
                    if (i % 10 == 0) {
                      WriteBatch b = new WriteBatch();
                      String v = id + ":" + i;
                      int pair = rnd.nextInt(50);
                      b.put(key("pairA-" + pair), val(v));
                      b.put(key("pairB-" + pair), val(v));
                      db.write(b, WriteOptions.DEFAULT);
                    }
                  }
                  return null;
                }));
      }
      List<Future<?>> readers = new ArrayList<>();
      readers.add(pool.submit(() -> iterateLoop(db, start, writersDone, failures)));
      readers.add(pool.submit(() -> snapshotLoop(db, start, writersDone, failures)));
      readers.add(pool.submit(() -> pairLoop(db, start, writersDone, failures)));
      readers.add(
          pool.submit(
              () -> {
                start.await();
                Random rnd = new Random(99);
                while (!writersDone.get()) {
                  int t = rnd.nextInt(WRITERS);
                  db.get(key("w" + t + "-" + rnd.nextInt(OPS_PER_WRITER)));
                }
                return null;
              }));
      start.countDown();
      for (Future<?> f : writers) {
        f.get(5, TimeUnit.MINUTES);
      }
      writersDone.set(true);
      for (Future<?> f : readers) {
        f.get(5, TimeUnit.MINUTES);
      }
      assertThat(failures).isEmpty();
      for (int t = 0; t < WRITERS; t++) {
        for (int i = 0; i < OPS_PER_WRITER; i++) {
          assertThat(db.get(key("w" + t + "-" + i))).as("w%d-%d", t, i).isEqualTo(val(t + ":" + i));
        }
      }
    } finally {
      pool.shutdownNow();
    }
  }

  private static Void iterateLoop(
      StrataDB db, CountDownLatch start, AtomicBoolean done, ConcurrentLinkedQueue<String> failures)
      throws InterruptedException {
    start.await();
    while (!done.get()) {
      try (DBIterator it = db.newIterator()) {
        byte[] prev = null;
        for (it.seekToFirst(); it.isValid(); it.next()) {
          byte[] k = it.key();
          if (prev != null && Bytes.compare(prev, k) >= 0) {
            failures.add("iterator out of order or duplicated: " + s(prev) + " then " + s(k));
          }
          prev = k;
        }
      }
    }
    return null;
  }

  private static Void snapshotLoop(
      StrataDB db, CountDownLatch start, AtomicBoolean done, ConcurrentLinkedQueue<String> failures)
      throws InterruptedException {
    start.await();
    while (!done.get()) {
      try (Snapshot snap = db.getSnapshot()) {
        ReadOptions ro = ReadOptions.builder().snapshot(snap).build();
        List<byte[]> first = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
          first.add(db.get(key("shared-" + i), ro));
        }
        for (int i = 0; i < 200; i++) {
          byte[] again = db.get(key("shared-" + i), ro);
          if (!java.util.Arrays.equals(first.get(i), again)) {
            failures.add("snapshot changed for shared-" + i);
          }
        }
      }
    }
    return null;
  }

  private static Void pairLoop(
      StrataDB db, CountDownLatch start, AtomicBoolean done, ConcurrentLinkedQueue<String> failures)
      throws InterruptedException {
    start.await();
    while (!done.get()) {
      try (Snapshot snap = db.getSnapshot()) {
        ReadOptions ro = ReadOptions.builder().snapshot(snap).build();
        for (int p = 0; p < 50; p++) {
          byte[] a = db.get(key("pairA-" + p), ro);
          byte[] b = db.get(key("pairB-" + p), ro);
          if (!java.util.Arrays.equals(a, b)) {
            failures.add("batch seen in part for pair " + p + ": " + s(a) + " vs " + s(b));
          }
        }
      }
    }
    return null;
  }

  private static byte[] key(String s) {
    return s.getBytes(UTF_8);
  }

  private static byte[] val(String s) {
    return ("value-" + s).getBytes(UTF_8);
  }

  private static String s(byte[] b) {
    return b == null ? "null" : new String(b, UTF_8);
  }
}
