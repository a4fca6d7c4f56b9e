package dev.strata.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.DBIterator;
import dev.strata.Options;
import dev.strata.ReadOptions;
import dev.strata.StrataDB;
import dev.strata.memtable.ShardedMemtable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A flushed memtable's off-heap value chunks go to the next memtables, but never while a read can
 * still reach them: a get paused after it loaded the memtable set, an iterator paused before it
 * retained its memtables, an iterator kept open across many flushes, and readers racing writers
 * that switch and flush memtables all the time. Every value read is checked (values name their key
 * and version, so bytes of another memtable cannot pass), and the memtables' reads assert that
 * their memory was not handed on (the tests run with {@code -ea}). Each test also checks that
 * chunks were in fact reused, so that it tests the reuse and not its absence.
 */
class MemtableReuseTest {
  @TempDir Path dir;

  /** The smallest memtables whose values go off the heap (after their first MiB). */
  private static Options options() {
    return Options.builder()
        .memtableSizeBytes(ShardedMemtable.MIN_OFF_HEAP_BYTES)
        .jmx(false)
        .build();
  }

  private static byte[] key(int i) {
    return String.format("key%08d", i).getBytes(StandardCharsets.UTF_8);
  }

  /** A 400-byte value naming its key and version. */
  private static byte[] value(int i, int version) {
    String head = "k" + i + "v" + version + ":";
    return (head + "x".repeat(400 - head.length())).getBytes(StandardCharsets.UTF_8);
  }

  /** Writes {@code count} keys from {@code first} at {@code version}, then flushes. */
  private static void writeAndFlush(StrataDB db, int first, int count, int version) {
    for (int i = first; i < first + count; i++) {
      db.put(key(i), value(i, version));
    }
    db.flush();
  }

  /** Enough keys of 400-byte values to fill most of a memtable. */
  private static int keysPerMemtable() {
    return (int) (3 * ShardedMemtable.MIN_OFF_HEAP_BYTES / 4 / 460);
  }

  @Test
  void getPausedAfterLoadingMemtables_readsItsValueWhileLaterMemtablesReuseChunks()
      throws Exception {
    int n = keysPerMemtable();
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try (DbImpl db = (DbImpl) StrataDB.open(dir, options())) {
      writeAndFlush(db, 0, n, 1);
      writeAndFlush(db, n, n, 1);
      long reusedBefore = db.reusedMemtableChunksForTesting();
      assertThat(reusedBefore).as("the second memtable reused the first one's chunks").isPositive();

      // The key the paused get reads lives in the active memtable when the get loads the set.
      writeTo(db, 2 * n, n, 1);
      CountDownLatch loaded = new CountDownLatch(1);
      CountDownLatch resume = new CountDownLatch(1);
      CompletableFuture<byte[]> paused =
          pausedAt(
              db, ReadHook.Step.GET_MEMTABLES_LOADED, loaded, resume, pool,
              () -> db.get(key(2 * n + 7)));
      assertThat(loaded.await(30, TimeUnit.SECONDS)).isTrue();
      // Meanwhile that memtable is flushed and three more are filled and flushed with other keys,
      // which would overwrite its chunks if they were handed on. (While a read is in a memtable,
      // no flushed memtable's chunks are handed on: the flushes give up waiting for it.)
      db.flush();
      for (int round = 0; round < 3; round++) {
        writeAndFlush(db, (3 + round) * n, n, 2);
      }
      resume.countDown();
      assertThat(paused.get(30, TimeUnit.SECONDS)).isEqualTo(value(2 * n + 7, 1));
      // With the read done, flushed memtables' chunks are reused again.
      long reusedAfter = db.reusedMemtableChunksForTesting();
      for (int round = 0; round < 3; round++) {
        writeAndFlush(db, (6 + round) * n, n, 3);
      }
      assertThat(db.reusedMemtableChunksForTesting()).isGreaterThan(reusedAfter);
      assertThat(db.get(key(2 * n + 7))).isEqualTo(value(2 * n + 7, 1));
      assertThat(db.get(key(6 * n + 5))).isEqualTo(value(6 * n + 5, 3));
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void iteratorPausedBeforeRetaining_andIteratorsHeldAcrossFlushes_readTheirSnapshots()
      throws Exception {
    int n = keysPerMemtable();
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try (DbImpl db = (DbImpl) StrataDB.open(dir, options())) {
      writeAndFlush(db, 0, n, 1);
      writeTo(db, n, n, 1);
      // This iterator holds the memtable of keys [n, 2n) across the flushes below.
      DBIterator held = db.newIterator(ReadOptions.DEFAULT);
      db.flush();
      // The paused iterator finds the memtable of keys [2n, 3n), which no other iterator holds.
      writeTo(db, 2 * n, n, 1);
      CountDownLatch loaded = new CountDownLatch(1);
      CountDownLatch resume = new CountDownLatch(1);
      CompletableFuture<DBIterator> pausedIterator =
          pausedAt(
              db, ReadHook.Step.ITERATOR_MEMTABLES_LOADED, loaded, resume, pool,
              () -> db.newIterator(ReadOptions.DEFAULT));
      assertThat(loaded.await(30, TimeUnit.SECONDS)).isTrue();
      db.flush();
      for (int round = 0; round < 3; round++) {
        writeAndFlush(db, (3 + round) * n, n, 2);
      }
      resume.countDown();
      try (DBIterator paused = pausedIterator.get(30, TimeUnit.SECONDS)) {
        // Both iterators hold the memtables they found while later ones reuse flushed chunks.
        long reusedBefore = db.reusedMemtableChunksForTesting();
        for (int round = 0; round < 3; round++) {
          writeAndFlush(db, (10 + round) * n, n, 4);
        }
        assertThat(db.reusedMemtableChunksForTesting()).isGreaterThan(reusedBefore);
        checkScan(held, 0, 2 * n);
        checkScan(paused, 0, 3 * n);
      } finally {
        held.close();
        pool.shutdownNow();
      }
      // Closed, the iterators let their memtables go: later memtables reuse those chunks too.
      long reusedAfterClose = db.reusedMemtableChunksForTesting();
      for (int round = 0; round < 3; round++) {
        writeAndFlush(db, (20 + round) * n, n, 3);
      }
      assertThat(db.reusedMemtableChunksForTesting()).isGreaterThan(reusedAfterClose);
      for (int i = 0; i < 3 * n; i += 97) {
        assertThat(db.get(key(i))).isEqualTo(value(i, 1));
      }
    }
  }

  @Test
  void readersRacingFlushes_readOnlyValuesThatWereWritten() throws Exception {
    int keys = keysPerMemtable();
    int writesPerWriter = 6 * keys;
    ExecutorService pool = Executors.newFixedThreadPool(3);
    try (DbImpl db = (DbImpl) StrataDB.open(dir, options())) {
      for (int i = 0; i < keys; i++) {
        db.put(key(i), value(i, 0));
      }
      AtomicBoolean writing = new AtomicBoolean(true);
      AtomicLong reads = new AtomicLong();
      ConcurrentLinkedQueue<String> bad = new ConcurrentLinkedQueue<>();
      List<CompletableFuture<Void>> readers = new ArrayList<>();
      for (int r = 0; r < 3; r++) {
        long seed = r;
        readers.add(
            CompletableFuture.runAsync(
                () -> {
                  Random rnd = new Random(seed);
                  while (writing.get() && bad.isEmpty()) {
                    int i = rnd.nextInt(keys);
                    check(i, db.get(key(i)), bad);
                    if (rnd.nextInt(64) == 0) {
                      try (DBIterator it = db.newIterator(ReadOptions.DEFAULT)) {
                        it.seek(key(i));
                        for (int s = 0; s < 20 && it.isValid(); s++, it.next()) {
                          String k = new String(it.key(), StandardCharsets.UTF_8);
                          check(Integer.parseInt(k.substring(3)), it.value(), bad);
                        }
                      }
                    }
                    reads.incrementAndGet();
                  }
                },
                pool));
      }
      long reusedBefore = db.reusedMemtableChunksForTesting();
      Random rnd = new Random(42);
      for (int w = 1; w <= writesPerWriter; w++) {
        int i = rnd.nextInt(keys);
        db.put(key(i), value(i, w));
      }
      writing.set(false);
      for (CompletableFuture<Void> f : readers) {
        f.get(60, TimeUnit.SECONDS);
      }
      assertThat(bad).isEmpty();
      assertThat(reads.get()).isPositive();
      assertThat(db.reusedMemtableChunksForTesting()).isGreaterThan(reusedBefore);
    } finally {
      pool.shutdownNow();
    }
  }

  /** A value read for key {@code i}: present, naming key {@code i}, and 400 bytes long. */
  private static void check(int i, byte[] v, ConcurrentLinkedQueue<String> bad) {
    if (v == null) {
      bad.add("key " + i + " missing");
      return;
    }
    String s = new String(v, StandardCharsets.UTF_8);
    if (v.length != 400 || !s.startsWith("k" + i + "v") || !s.endsWith("xxxx")) {
      bad.add("key " + i + " read " + s.substring(0, Math.min(40, s.length())));
    }
  }

  private static void writeTo(StrataDB db, int first, int count, int version) {
    for (int i = first; i < first + count; i++) {
      db.put(key(i), value(i, version));
    }
  }

  private static void checkScan(DBIterator it, int first, int count) {
    it.seek(key(first));
    for (int i = first; i < first + count; i++) {
      assertThat(it.isValid()).as("key %d", i).isTrue();
      assertThat(it.key()).isEqualTo(key(i));
      assertThat(it.value()).as("key %d", i).isEqualTo(value(i, 1));
      it.next();
    }
  }

  /**
   * Runs {@code read} on {@code pool}'s thread, which stops the first time it reaches {@code at}:
   * counts {@code loaded} down there and waits for {@code resume}.
   */
  private static <T> CompletableFuture<T> pausedAt(
      DbImpl db,
      ReadHook.Step at,
      CountDownLatch loaded,
      CountDownLatch resume,
      ExecutorService pool,
      java.util.function.Supplier<T> read) {
    return CompletableFuture.supplyAsync(
        () -> {
          db.setReadHookForTesting(
              (step, level) -> {
                if (step == at && loaded.getCount() > 0) {
                  loaded.countDown();
                  await(resume);
                }
              });
          return read.get();
        },
        pool);
  }

  private static void await(CountDownLatch latch) {
    try {
      assertThat(latch.await(30, TimeUnit.SECONDS)).isTrue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
