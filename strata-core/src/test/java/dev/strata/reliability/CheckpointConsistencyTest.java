package dev.strata.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.Options;
import dev.strata.StrataDB;
import dev.strata.Ticker;
import dev.strata.WriteBatch;
import dev.strata.testing.OpGenerator;
import dev.strata.testing.Seeds;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checkpoints taken while several threads write batches and background flushes and compactions
 * run must each equal the database at one point of the write order.
 *
 * <p>Writer {@code t} writes batches numbered 1, 2, ... of puts and deletes of its own keys, and
 * every batch also sets {@code w<t>/last} to its number and to the batches each writer had
 * acknowledged when this one was submitted (its dependencies). A checkpoint that holds batch
 * {@code j} of writer {@code t} as {@code w<t>/last} must then hold, for writer {@code t},
 * exactly the state after its batches 1 to {@code j} (so no batch is partial and none is
 * missing or reordered), for every other writer {@code u} at least the batches batch {@code j}
 * depended on (the cut is closed under "acknowledged before submitted"), for every writer at
 * least the batches acknowledged before the checkpoint was asked for, and no less than the
 * previous checkpoint held. Afterwards the source compacts everything away and each checkpoint
 * must still read the same.
 */
class CheckpointConsistencyTest {
  private static final int WRITERS = 3;
  private static final int KEYS_PER_WRITER = 40;
  private static final int CHECKPOINTS = 5;
  private static final int BATCHES_BETWEEN_CHECKPOINTS = 150;

  @TempDir Path tmp;

  private static Options options() {
    return Options.builder()
        .memtableShards(4)
        .memtableSizeBytes(8 * 1024)
        .targetFileSizeBytes(4 * 1024)
        .blockSizeBytes(512)
        .maxBytesForLevelBase(16 * 1024)
        .level0CompactionTrigger(2)
        .build();
  }

  /** One write of a batch; {@code value} null for a delete. */
  private record Op(String key, String value) {}

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void checkpointsDuringConcurrentBatchesAndCompaction_eachEqualOnePointOfTheWriteOrder()
      throws Exception {
    long seed = Seeds.seed("CheckpointConsistencyTest");
    Path source = tmp.resolve("db");
    AtomicLongArray acked = new AtomicLongArray(WRITERS);
    Semaphore progress = new Semaphore(0);
    AtomicBoolean stop = new AtomicBoolean();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    List<List<List<Op>>> history = new ArrayList<>();
    List<Path> checkpoints = new ArrayList<>();
    List<long[]> ackedBefore = new ArrayList<>();
    int concurrentCheckpoints = 0;
    try (StrataDB db = StrataDB.open(source, options())) {
      List<Thread> writers = new ArrayList<>();
      for (int t = 0; t < WRITERS; t++) {
        List<List<Op>> batches = new ArrayList<>();
        history.add(batches);
        int writer = t;
        Random rnd = new Random(seed + t);
        Thread w =
            new Thread(
                () -> {
                  try {
                    for (int i = 1; !stop.get(); i++) {
                      List<Op> batch = nextBatch(writer, i, rnd, acked);
                      batches.add(batch);
                      WriteBatch b = new WriteBatch();
                      for (Op op : batch) {
                        if (op.value() == null) {
                          b.delete(bytes(op.key()));
                        } else {
                          b.put(bytes(op.key()), bytes(op.value()));
                        }
                      }
                      db.write(b);
                      acked.set(writer, i);
                      progress.release();
                    }
                  } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                    progress.release(BATCHES_BETWEEN_CHECKPOINTS * CHECKPOINTS);
                  }
                },
                "checkpoint-writer-" + t);
        writers.add(w);
        w.start();
      }
      try {
        for (int c = 0; c < CHECKPOINTS && failure.get() == null; c++) {
          progress.acquire(BATCHES_BETWEEN_CHECKPOINTS);
          long[] before = snapshot(acked);
          Path cp = tmp.resolve("cp" + c);
          db.createCheckpoint(cp);
          long[] after = snapshot(acked);
          if (!Arrays.equals(before, after)) {
            concurrentCheckpoints++;
          }
          checkpoints.add(cp);
          ackedBefore.add(before);
        }
      } finally {
        stop.set(true);
        for (Thread w : writers) {
          w.join(TimeUnit.SECONDS.toMillis(60));
          assertThat(w.isAlive()).as("%s ended", w.getName()).isFalse();
        }
      }
      assertThat(failure.get()).as("writer failure").isNull();
      assertThat(db.getStatistics().tickerCount(Ticker.COMPACTIONS))
          .as("compactions ran during the workload")
          .isPositive();
      // Everything the checkpoints linked leaves the source.
      db.compactRange(null, null);
    }
    assertThat(concurrentCheckpoints)
        .as("checkpoints during which writes were acknowledged")
        .isPositive();
    long[] previous = new long[WRITERS];
    for (int c = 0; c < checkpoints.size(); c++) {
      String where = "seed " + seed + " checkpoint " + c;
      NavigableMap<byte[], byte[]> contents;
      try (StrataDB cp = StrataDB.openReadOnly(checkpoints.get(c), options())) {
        contents = OpGenerator.contents(cp);
      }
      previous = checkCut(contents, history, ackedBefore.get(c), previous, where);
    }
    // The last one also opens for writing, and takes writes of its own.
    try (StrataDB cp = StrataDB.open(checkpoints.get(checkpoints.size() - 1), options())) {
      cp.put(bytes("w0/k0"), bytes("checkpoint's own"));
      cp.compactRange(null, null);
      assertThat(cp.get(bytes("w0/k0"))).isEqualTo(bytes("checkpoint's own"));
    }
  }

  /** Batch {@code i} of {@code writer}: 1 to 6 puts or deletes of its keys, then its last key. */
  private static List<Op> nextBatch(int writer, int i, Random rnd, AtomicLongArray acked) {
    List<Op> ops = new ArrayList<>();
    int n = 1 + rnd.nextInt(6);
    for (int k = 0; k < n; k++) {
      String key = "w" + writer + "/k" + rnd.nextInt(KEYS_PER_WRITER);
      String value =
          rnd.nextInt(5) == 0 ? null : writer + ":" + i + ":" + "p".repeat(rnd.nextInt(100));
      ops.add(new Op(key, value));
    }
    // Read after the writes the batch depends on were acknowledged, before it is submitted.
    StringBuilder last = new StringBuilder().append(i).append('|');
    for (int u = 0; u < WRITERS; u++) {
      last.append(u == 0 ? "" : ",").append(acked.get(u));
    }
    ops.add(new Op("w" + writer + "/last", last.toString()));
    return ops;
  }

  private static long[] snapshot(AtomicLongArray a) {
    long[] out = new long[a.length()];
    for (int i = 0; i < out.length; i++) {
      out[i] = a.get(i);
    }
    return out;
  }

  /**
   * Checks one checkpoint's contents against the writers' histories; returns how many batches of
   * each writer it holds.
   */
  private static long[] checkCut(
      NavigableMap<byte[], byte[]> contents,
      List<List<List<Op>>> history,
      long[] ackedBefore,
      long[] previous,
      String where) {
    long[] held = new long[WRITERS];
    long[][] deps = new long[WRITERS][WRITERS];
    for (int t = 0; t < WRITERS; t++) {
      byte[] last = contents.get(bytes("w" + t + "/last"));
      if (last != null) {
        String[] parts = new String(last, StandardCharsets.UTF_8).split("[|,]");
        held[t] = Long.parseLong(parts[0]);
        for (int u = 0; u < WRITERS; u++) {
          deps[t][u] = Long.parseLong(parts[1 + u]);
        }
      }
    }
    int keysSeen = 0;
    for (int t = 0; t < WRITERS; t++) {
      assertThat(held[t])
          .as("%s: writer %d's batches acknowledged before the call are in it", where, t)
          .isGreaterThanOrEqualTo(ackedBefore[t]);
      assertThat(held[t])
          .as("%s: writer %d holds no more than the previous checkpoint", where, t)
          .isGreaterThanOrEqualTo(previous[t]);
      assertThat(held[t])
          .as("%s: writer %d wrote that many batches", where, t)
          .isLessThanOrEqualTo(history.get(t).size());
      for (int u = 0; u < WRITERS; u++) {
        assertThat(held[u])
            .as("%s: writer %d's batch %d depends on writer %d's batch %d", where, t, held[t], u,
                deps[t][u])
            .isGreaterThanOrEqualTo(deps[t][u]);
      }
      Map<String, String> expected = new TreeMap<>();
      for (List<Op> batch : history.get(t).subList(0, (int) held[t])) {
        for (Op op : batch) {
          if (op.value() == null) {
            expected.remove(op.key());
          } else {
            expected.put(op.key(), op.value());
          }
        }
      }
      Map<String, String> actual = new TreeMap<>();
      String prefix = "w" + t + "/";
      for (Map.Entry<byte[], byte[]> e : contents.entrySet()) {
        String key = new String(e.getKey(), StandardCharsets.UTF_8);
        if (key.startsWith(prefix)) {
          actual.put(key, new String(e.getValue(), StandardCharsets.UTF_8));
        }
      }
      assertThat(actual)
          .as("%s: writer %d's keys after its batch %d, whole batches only", where, t, held[t])
          .isEqualTo(expected);
      keysSeen += actual.size();
    }
    assertThat(contents).as("%s: no key of nobody's", where).hasSize(keysSeen);
    return held;
  }
}
