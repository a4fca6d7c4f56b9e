package dev.strata.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.DBIterator;
import dev.strata.IngestOptions;
import dev.strata.Options;
import dev.strata.ReadOptions;
import dev.strata.Snapshot;
import dev.strata.SstFileWriter;
import dev.strata.StrataDB;
import dev.strata.WriteBatch;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ingestions while writers fill the same key range (between the ingested keys, so every ingestion
 * must flush the memtable first), background compaction and flushes run, and readers read: every
 * ingestion replaces the 200 even keys of the range with one generation, spread over two files of
 * one call, so a reader at any snapshot, any iterator and any multiGet must see all 200 keys at
 * one generation. A file placed below older data, a list installed in two steps or sequences made
 * visible before the tables would show two generations at once.
 */
class IngestConcurrencyTest {
  private static final int KEYS = 200;
  private static final int INGESTIONS = 40;

  @TempDir Path dir;
  @TempDir Path files;

  private static byte[] key(int i) {
    return String.format("k%05d", i).getBytes(StandardCharsets.UTF_8);
  }

  private static String generationOf(byte[] value) {
    return value == null ? "absent" : new String(value, StandardCharsets.UTF_8);
  }

  @Test
  void readers_alwaysSeeOneWholeIngestion_whileWritersFlushesAndCompactionsRun() throws Exception {
    Options options =
        Options.builder()
            .memtableSizeBytes(32 * 1024)
            .blockSizeBytes(512)
            .targetFileSizeBytes(4 * 1024)
            .maxBytesForLevelBase(16 * 1024)
            .level0CompactionTrigger(2)
            .build();
    ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    AtomicBoolean done = new AtomicBoolean();
    AtomicInteger readsChecked = new AtomicInteger();
    try (StrataDB db = StrataDB.open(dir, options)) {
      ingest(db, 0);
      List<Thread> threads = new ArrayList<>();
      for (int w = 0; w < 2; w++) {
        int id = w;
        threads.add(
            new Thread(
                () -> {
                  long n = 0;
                  while (!done.get()) {
                    WriteBatch b = new WriteBatch();
                    for (int i = 0; i < 20; i++) {
                      int k = 2 * (int) ((n * 7 + i * 13 + id) % KEYS) + 1;
                      b.put(key(k), ("w" + id + "-" + n).getBytes(StandardCharsets.UTF_8));
                    }
                    db.write(b);
                    n++;
                  }
                },
                "writer-" + w));
      }
      for (int r = 0; r < 2; r++) {
        threads.add(
            new Thread(
                () -> {
                  while (!done.get()) {
                    String problem = readOnce(db);
                    if (problem != null) {
                      failures.add(problem);
                      return;
                    }
                    readsChecked.incrementAndGet();
                  }
                },
                "reader-" + r));
      }
      threads.forEach(Thread::start);
      try {
        for (int g = 1; g <= INGESTIONS && failures.isEmpty(); g++) {
          ingest(db, g);
        }
      } finally {
        done.set(true);
        for (Thread t : threads) {
          t.join();
        }
      }
      assertThat(failures).isEmpty();
      assertThat(readsChecked.get()).as("the readers ran").isPositive();
      assertThat(readOnce(db)).isNull();
      assertThat(generationOf(db.get(key(0)))).isEqualTo("g" + INGESTIONS);
    }
    try (StrataDB db = StrataDB.open(dir, options)) {
      assertThat(readOnce(db)).isNull();
      assertThat(generationOf(db.get(key(0)))).isEqualTo("g" + INGESTIONS);
    }
  }

  /** Two files, the even keys of each half, all at generation {@code g}, in one call. */
  private void ingest(StrataDB db, int g) {
    byte[] value = ("g" + g).getBytes(StandardCharsets.UTF_8);
    List<Path> list = new ArrayList<>();
    for (int half = 0; half < 2; half++) {
      Path p = files.resolve("g" + g + "-" + half + ".sst");
      try (SstFileWriter w = new SstFileWriter(Options.defaults())) {
        w.open(p);
        for (int i = half * KEYS / 2; i < (half + 1) * KEYS / 2; i++) {
          w.put(key(2 * i), value);
        }
        w.finish();
      }
      list.add(p);
    }
    db.ingestExternalFiles(list, IngestOptions.builder().moveFiles(g % 2 == 0).build());
  }

  /** Reads the even keys three ways at one snapshot; returns a problem or null. */
  private static String readOnce(StrataDB db) {
    try (Snapshot s = db.getSnapshot()) {
      ReadOptions ro = ReadOptions.builder().snapshot(s).build();
      List<byte[]> keys = new ArrayList<>();
      for (int i = 0; i < KEYS; i++) {
        keys.add(key(2 * i));
      }
      Set<String> byGet = new HashSet<>();
      for (byte[] k : keys) {
        byGet.add(generationOf(db.get(k, ro)));
      }
      Set<String> byMultiGet = new HashSet<>();
      for (byte[] v : db.multiGet(keys, ro)) {
        byMultiGet.add(generationOf(v));
      }
      Set<String> byScan = new HashSet<>();
      int seen = 0;
      try (DBIterator it = db.newIterator(ro)) {
        for (it.seekToFirst(); it.isValid(); it.next()) {
          int k = Integer.parseInt(new String(it.key(), StandardCharsets.UTF_8).substring(1));
          if (k % 2 == 0) {
            byScan.add(generationOf(it.value()));
            seen++;
          }
        }
      }
      if (byGet.size() != 1 || !byGet.equals(byMultiGet) || !byGet.equals(byScan) || seen != KEYS) {
        return "one snapshot saw gets " + byGet + ", multiGet " + byMultiGet + ", scan " + byScan
            + " over " + seen + " even keys";
      }
      return null;
    }
  }

  /**
   * An ingestion that finds a compaction running waits for it outside the commit pipeline's
   * leader role: a write made meanwhile completes, it does not wait for the compaction too. The
   * compaction is held in its filter, under the compaction lock, until the test lets it go.
   */
  @Test
  void anIngestionWaitingForACompaction_letsWritesThrough() throws Exception {
    java.util.concurrent.CountDownLatch inFilter = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    AtomicBoolean armed = new AtomicBoolean();
    Options options =
        Options.builder()
            .backgroundCompaction(false)
            .compactionFilter(
                (level, key, value) -> {
                  if (armed.get()) {
                    inFilter.countDown();
                    try {
                      release.await();
                    } catch (InterruptedException e) {
                      Thread.currentThread().interrupt();
                    }
                  }
                  return dev.strata.CompactionFilter.Decision.KEEP;
                })
            .build();
    try (StrataDB db = StrataDB.open(dir, options)) {
      for (int i = 0; i < 100; i++) {
        db.put(key(2 * i + 1), "w".getBytes(StandardCharsets.UTF_8));
      }
      db.flush();
      armed.set(true);
      Thread compaction = new Thread(() -> db.compactRange(null, null), "compactRange");
      compaction.start();
      Thread ingestion = new Thread(() -> ingest(db, 1), "ingestion");
      try {
        inFilter.await();
        ingestion.start();
        DbImpl impl = (DbImpl) db;
        while (ingestion.isAlive() && !impl.waitsForCompactionForTesting(ingestion)) {
          Thread.onSpinWait();
        }
        assertThat(impl.waitsForCompactionForTesting(ingestion))
            .as("the ingestion waits for the compaction")
            .isTrue();
        // The ingestion now waits for the compaction lock. A write must not wait with it.
        java.util.concurrent.CompletableFuture<Void> put =
            java.util.concurrent.CompletableFuture.runAsync(
                () -> db.put(key(1001), "during".getBytes(StandardCharsets.UTF_8)));
        put.get(30, java.util.concurrent.TimeUnit.SECONDS);
      } finally {
        release.countDown();
      }
      compaction.join();
      ingestion.join();
      assertThat(generationOf(db.get(key(0)))).isEqualTo("g1");
      assertThat(generationOf(db.get(key(1001)))).isEqualTo("during");
      assertThat(readOnce(db)).isNull();
    }
  }
}
