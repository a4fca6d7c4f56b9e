package dev.strata.engine;

import dev.strata.StrataException;
import dev.strata.key.ValueKind;
import dev.strata.memtable.Memtable;
import dev.strata.util.Futures;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Inserts the writes that recovery replays from the WALs into a memtable on several threads.
 *
 * <p>Replay is bound by memtable inserts (a skip-list search per entry: over half of an open's time
 * for a log of small writes). The memtable takes concurrent adds, and every replayed entry has its
 * own sequence number, so the order in which entries of one chunk go in changes nothing: two
 * versions of a key are ordered by sequence, whoever inserts first. Recovery therefore collects the
 * decoded entries of up to {@value #CHUNK_BYTES} bytes (a sixteenth of the memtable when that
 * is less) and {@link #drainInto} sorts them by key and splits them, in contiguous ranges of that
 * order, among the calling thread and up to three helpers, then waits for all of them (inserts in
 * key order: a 60 MB open's table write 345 -> 240 ms, the open 1.48 -> 1.42 s, median of 3).
 * Recovery checks whether the memtable is full after each chunk instead of after each record, so a
 * replayed memtable may overshoot its size by one chunk, at most a sixteenth.
 *
 * <p>The helper threads are daemons named {@code strata-replay-N}; they exist only while the open
 * runs ({@link #close}). Not thread-safe: recovery's thread owns an instance. The helpers read the
 * collected arrays only inside {@link #drainInto}: the submit of their range orders the caller's
 * writes before their reads, and the caller waits for every range before it touches the arrays
 * again, so no lock guards them.
 */
final class ReplayInserter implements AutoCloseable {
  /** Most bytes of keys and values collected before a chunk is inserted. */
  static final int CHUNK_BYTES = 4 << 20;

  /** Bytes of a chunk: {@link #CHUNK_BYTES} or a sixteenth of the memtable, whichever is less. */
  private final long chunkBytes;

  /** Chunks with fewer entries are inserted by the calling thread alone. */
  private static final int PARALLEL_FROM = 2048;

  private static final AtomicInteger THREAD_IDS = new AtomicInteger();

  private final int threads;

  /** Null when {@link #threads} is 1. */
  private final ExecutorService helpers;

  private long[] sequences = new long[1024];
  private ValueKind[] kinds = new ValueKind[1024];
  private byte[][] keys = new byte[1024][];
  private byte[][] values = new byte[1024][];
  private int count;
  private long bytes;

  /**
   * @param threads inserting threads including the caller, at least 1
   * @param memtableBytes the size at which a memtable is full
   */
  ReplayInserter(int threads, long memtableBytes) {
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be >= 1, got " + threads);
    }
    this.threads = threads;
    this.chunkBytes = Math.max(1, Math.min(CHUNK_BYTES, memtableBytes / 16));
    this.helpers =
        threads == 1
            ? null
            : Executors.newFixedThreadPool(
                threads - 1,
                r -> {
                  Thread t = new Thread(r, "strata-replay-" + THREAD_IDS.incrementAndGet());
                  t.setDaemon(true);
                  return t;
                });
  }

  /** The inserting threads for this machine: its processors, at most 4. */
  static int defaultThreads() {
    return Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));
  }

  /** Collects one decoded entry. */
  void add(long sequence, ValueKind kind, byte[] key, byte[] value) {
    if (count == sequences.length) {
      int n = 2 * count;
      sequences = java.util.Arrays.copyOf(sequences, n);
      kinds = java.util.Arrays.copyOf(kinds, n);
      keys = java.util.Arrays.copyOf(keys, n);
      values = java.util.Arrays.copyOf(values, n);
    }
    sequences[count] = sequence;
    kinds[count] = kind;
    keys[count] = key;
    values[count] = value;
    count++;
    bytes += key.length + (value == null ? 0 : value.length);
  }

  /** Whether the collected entries make a chunk. */
  boolean chunkFull() {
    return bytes >= chunkBytes;
  }

  /** Whether nothing is collected. */
  boolean isEmpty() {
    return count == 0;
  }

  /**
   * Inserts every collected entry into {@code mem} and forgets them; returns when all are in.
   *
   * @throws StrataException if an insert failed on a helper thread (an insert failing on the
   *     calling thread propagates as is)
   */
  void drainInto(Memtable mem) {
    int n = count;
    if (n == 0) {
      return;
    }
    int[] order = keyOrder(n);
    if (helpers == null || n < PARALLEL_FROM) {
      insertRange(mem, order, 0, n);
    } else {
      List<Future<?>> running = new ArrayList<>(threads - 1);
      for (int t = 1; t < threads; t++) {
        int from = rangeStart(n, t);
        int to = rangeStart(n, t + 1);
        running.add(helpers.submit(() -> insertRange(mem, order, from, to)));
      }
      insertRange(mem, order, 0, rangeStart(n, 1));
      for (Future<?> f : running) {
        awaitUninterruptibly(f);
      }
    }
    Arrays.fill(keys, 0, n, null);
    Arrays.fill(values, 0, n, null);
    count = 0;
    bytes = 0;
  }

  /** Where thread {@code t}'s range of {@code n} sorted entries begins (thread 0 is the caller). */
  private int rangeStart(int n, int t) {
    return (int) ((long) n * t / threads);
  }

  /** Inserts the entries {@code order[from, to)}. */
  private void insertRange(Memtable mem, int[] order, int from, int to) {
    for (int k = from; k < to; k++) {
      int i = order[k];
      mem.add(sequences[i], kinds[i], keys[i], values[i]);
    }
  }

  /**
   * The indexes of the first {@code n} entries in key order (a stable merge sort; versions of one
   * key keep their log order, though any order would do). Inserting in key order makes each
   * insert's skip-list search follow the previous one's path, which is still in the CPU's cache;
   * in log order every search of a random key missed the cache at most levels.
   */
  private int[] keyOrder(int n) {
    int[] a = new int[n];
    for (int i = 0; i < n; i++) {
      a[i] = i;
    }
    int[] b = new int[n];
    for (int width = 1; width < n; width *= 2) {
      for (int lo = 0; lo < n; lo += 2 * width) {
        int mid = Math.min(lo + width, n);
        int hi = Math.min(lo + 2 * width, n);
        int i = lo;
        int j = mid;
        int k = lo;
        if (mid >= hi || Arrays.compareUnsigned(keys[a[mid - 1]], keys[a[mid]]) <= 0) {
          System.arraycopy(a, lo, b, lo, hi - lo);
          continue;
        }
        while (i < mid && j < hi) {
          b[k++] = Arrays.compareUnsigned(keys[a[j]], keys[a[i]]) < 0 ? a[j++] : a[i++];
        }
        while (i < mid) {
          b[k++] = a[i++];
        }
        while (j < hi) {
          b[k++] = a[j++];
        }
      }
      int[] t = a;
      a = b;
      b = t;
    }
    return a;
  }

  /** Waits for a helper's range; an interrupt of the opening thread is kept for its caller. */
  private static void awaitUninterruptibly(Future<?> f) {
    try {
      Futures.getUninterruptibly(f);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof Error err) {
        throw err;
      }
      throw new StrataException("replaying the WAL into the memtable failed", cause);
    }
  }

  /** Stops the helper threads. */
  @Override
  public void close() {
    if (helpers != null) {
      helpers.shutdownNow();
    }
  }
}
