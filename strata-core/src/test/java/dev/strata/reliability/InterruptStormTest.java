package dev.strata.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.DBIterator;
import dev.strata.MergeOperators;
import dev.strata.Options;
import dev.strata.ReadOptions;
import dev.strata.Snapshot;
import dev.strata.StrataDB;
import dev.strata.StrataException;
import dev.strata.WriteBatch;
import dev.strata.WriteOptions;
import dev.strata.testing.CallerThreads;
import dev.strata.testing.FaultInjectionFileSystem;
import dev.strata.testing.KeyDistribution;
import dev.strata.testing.ModelDb;
import dev.strata.testing.Seeds;
import dev.strata.util.Bytes;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Interrupted callers. Eight threads make every kind of call (get, put, merge, delete, range
 * deletion, batch write,
 * iterator scans with and without bounds in both directions, reads at a snapshot, flush, bounded
 * compactRange) on one database on the real file system while a ninth interrupts random workers,
 * paced by the calls they start: 1,000 interrupts (soak: 10,000). The contract:
 *
 * <ul>
 *   <li>every call completes or throws {@link StrataException}, never another exception;
 *   <li>a call that no interrupt reached completes (an interrupt of one thread must not fail
 *       another's calls);
 *   <li>a write that threw was not applied, a write that returned was: each worker writes only
 *       its own key range, so its own model knows what must be there, and after a write throws it
 *       reads the write's keys back;
 *   <li>afterwards, with every interrupt flag clear, every key matches the models, the database
 *       takes writes, flushes and compacts, and reopens with the same contents.
 * </ul>
 *
 * <p>A second test runs 16 tasks on a fixed pool of 4 and calls {@code shutdownNow()} midway (3
 * rounds; soak 30): every acknowledged write must be there and no write that threw, the database
 * stays writable and reopens. Both tests also run on the in-memory file system, which no
 * interrupt can close, to tell the engine's own answers to interrupts from the platform's
 * interruptible channels. Callers are virtual threads under {@code -Dstrata.callers=virtual}
 * (see {@link CallerThreads}).
 */
class InterruptStormTest {
  private static final int WORKERS = 8;
  private static final int KEYS_PER_RANGE = 300;

  @TempDir Path dir;

  /** Small memtables and files so that flushes and compactions run throughout; else defaults. */
  private static Options options(Random rnd) {
    long[] caches = {0, 256 << 10, Options.defaults().blockCacheBytes()};
    return Options.builder()
        .memtableSizeBytes(32 << 10)
        .targetFileSizeBytes(32 << 10)
        .maxBytesForLevelBase(128 << 10)
        .level0CompactionTrigger(2 + rnd.nextInt(3))
        .blockCacheBytes(caches[rnd.nextInt(caches.length)])
        .mergeOperator(MergeOperators.stringAppend((byte) ','))
        .build();
  }

  /**
   * What the test saw, thread-safe: contract violations grouped by kind (a count and the first
   * few of each), calls and failures per operation, and the first failure of all.
   */
  private static final class Findings {
    private final Map<String, AtomicInteger> violationsByKind = new ConcurrentHashMap<>();
    final ConcurrentLinkedQueue<String> violations = new ConcurrentLinkedQueue<>();
    final Map<String, LongAdder> calls = new ConcurrentHashMap<>();
    final Map<String, LongAdder> thrown = new ConcurrentHashMap<>();
    private final AtomicReference<String> firstThrown = new AtomicReference<>();

    void violation(String kind, String detail) {
      int n = violationsByKind.computeIfAbsent(kind, k -> new AtomicInteger()).incrementAndGet();
      if (n <= 3) {
        violations.add(kind + ": " + detail);
      }
    }

    void call(String op) {
      calls.computeIfAbsent(op, k -> new LongAdder()).increment();
    }

    void threw(String op, Throwable e) {
      thrown.computeIfAbsent(op, k -> new LongAdder()).increment();
      firstThrown.compareAndSet(null, op + ": " + e + cause(e));
    }

    String summary() {
      return "violations by kind " + new TreeMap<>(violationsByKind) + "; calls "
          + new TreeMap<>(calls) + "; threw " + new TreeMap<>(thrown) + "; first failure: "
          + firstThrown.get();
    }
  }

  @Test
  void interruptStorm_callsCompleteOrThrowStrataException_andTheDatabaseSurvives()
      throws Exception {
    long seed = Seeds.seed("InterruptStormTest.storm");
    Random rnd = new Random(seed);
    storm(options(rnd), dir, seed, rnd);
  }

  /**
   * The same storm over the in-memory file system, whose files no interrupt can close: what
   * remains are the engine's own answers to interrupts (waits for the commit leader, for room,
   * for a flush; locks), apart from the platform's interruptible channels.
   */
  @Test
  void interruptStorm_inMemoryFileSystem_callsCompleteOrThrowStrataException() throws Exception {
    long seed = Seeds.seed("InterruptStormTest.stormInMemory");
    Random rnd = new Random(seed);
    Options options =
        options(rnd).toBuilder().fileSystem(new FaultInjectionFileSystem(rnd.nextLong())).build();
    storm(options, Path.of("/storm"), seed, rnd);
  }

  private static void storm(Options options, Path dir, long seed, Random rnd) throws Exception {
    boolean soak = Boolean.getBoolean("strata.soak");
    int interrupts = soak ? 10_000 : 1_000;
    System.out.println("InterruptStormTest: " + CallerThreads.describe() + ", " + options);
    Findings findings = new Findings();
    Semaphore callsStarted = new Semaphore(0);
    AtomicBoolean stop = new AtomicBoolean();
    StrataDB db = StrataDB.open(dir, options);
    Worker[] workers = new Worker[WORKERS];
    Thread[] threads = new Thread[WORKERS];
    CountDownLatch ready = new CountDownLatch(WORKERS);
    try {
      for (int w = 0; w < WORKERS; w++) {
        workers[w] =
            new Worker(w, db, new Random(rnd.nextLong()), findings, callsStarted, stop, ready);
        threads[w] = CallerThreads.newThread("storm-" + w, workers[w]);
        threads[w].start();
      }
      ready.await();
      Random irnd = new Random(rnd.nextLong());
      AtomicInteger sent = new AtomicInteger();
      Thread interrupter =
          new Thread(
              () -> interrupt(irnd, interrupts, workers, threads, callsStarted, findings, sent),
              "interrupter");
      interrupter.start();
      interrupter.join(TimeUnit.MINUTES.toMillis(soak ? 60 : 5));
      stop.set(true);
      assertThat(interrupter.isAlive()).as("seed %d: interrupter still running", seed).isFalse();
      for (Thread t : threads) {
        t.join(TimeUnit.MINUTES.toMillis(2));
        assertThat(t.isAlive())
            .as("seed %d: %s still running: %s", seed, t.getName(), stack(t))
            .isFalse();
      }
      System.out.printf(
          "InterruptStormTest: %d interrupts sent; %s%n", sent.get(), findings.summary());
      Thread.interrupted();
      for (Worker w : workers) {
        w.checkEveryKey(db, findings, "after the storm");
      }
      checkUsable(db, workers, findings);
    } finally {
      stop.set(true);
      db.close();
    }
    try (StrataDB again = StrataDB.open(dir, options)) {
      for (Worker w : workers) {
        w.checkEveryKey(again, findings, "after reopening");
      }
      checkOnlyWorkersKeys(again, workers, findings, "after reopening");
    }
    assertThat(findings.violations).as("seed %d: %s", seed, findings.summary()).isEmpty();
  }

  /** The ninth thread: interrupts a random worker after each 1 to 3 calls the workers start. */
  private static void interrupt(
      Random rnd,
      int interrupts,
      Worker[] workers,
      Thread[] threads,
      Semaphore callsStarted,
      Findings findings,
      AtomicInteger sent) {
    try {
      for (int i = 0; i < interrupts; i++) {
        if (!callsStarted.tryAcquire(1 + rnd.nextInt(3), 60, TimeUnit.SECONDS)) {
          findings.violation("hang", "no call started for 60 s after " + i + " interrupts");
          return;
        }
        // A short, random spin so that interrupts land anywhere in a call, not only at its start.
        for (int spin = rnd.nextInt(2000); spin > 0; spin--) {
          Thread.onSpinWait();
        }
        int w = rnd.nextInt(workers.length);
        workers[w].interruptsStarted.incrementAndGet();
        threads[w].interrupt();
        workers[w].interruptsDelivered.incrementAndGet();
        sent.incrementAndGet();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** After the storm: every kind of call works and the data is intact. */
  private static void checkUsable(StrataDB db, Worker[] workers, Findings findings) {
    for (Worker w : workers) {
      byte[] k = w.key(KEYS_PER_RANGE);
      byte[] v = ("after-storm-" + w.id).getBytes(StandardCharsets.UTF_8);
      try {
        db.put(k, v);
        w.model.put(k, v);
      } catch (RuntimeException e) {
        findings.violation("not writable afterwards", "worker " + w.id + ": put failed: " + e);
      }
    }
    try {
      db.flush();
      db.compactRange(workers[0].key(0), workers[WORKERS / 2].key(KEYS_PER_RANGE));
      db.compactRange(null, null);
    } catch (RuntimeException e) {
      findings.violation("not writable afterwards", "flush or compactRange failed: " + e);
    }
    for (Worker w : workers) {
      w.checkEveryKey(db, findings, "after writes, flush and compactions");
    }
    checkOnlyWorkersKeys(db, workers, findings, "after writes, flush and compactions");
  }

  /** A full scan holds exactly the workers' models. */
  private static void checkOnlyWorkersKeys(
      StrataDB db, Worker[] workers, Findings findings, String when) {
    TreeMap<byte[], byte[]> expected = new TreeMap<>(Bytes.COMPARATOR);
    for (Worker w : workers) {
      expected.putAll(w.model.view());
    }
    TreeMap<byte[], byte[]> actual = new TreeMap<>(Bytes.COMPARATOR);
    try (DBIterator it = db.newIterator()) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        actual.put(it.key(), it.value());
      }
    } catch (RuntimeException e) {
      findings.violation("wrong contents", when + ": full scan failed: " + e);
      return;
    }
    if (!actual.keySet().equals(expected.keySet())) {
      findings.violation("wrong contents", when + ": the full scan has " + actual.size()
          + " keys, the models " + expected.size());
    }
  }

  /**
   * One worker: draws calls over its own key range (keys of one {@link KeyDistribution} under a
   * prefix of its own) and checks each against its model. Before most calls it clears its
   * interrupt flag, as a caller that handled an earlier interrupt would; the rest start with the
   * flag as the last interrupt left it.
   */
  private static final class Worker implements Runnable {
    final int id;
    final ModelDb model = new ModelDb();
    /** Incremented by the interrupter before and after each interrupt of this worker. */
    final AtomicLong interruptsStarted = new AtomicLong();

    final AtomicLong interruptsDelivered = new AtomicLong();
    /** Per key, the values (null: a delete) of writes that threw; confined to the worker. */
    private final Map<String, List<byte[]>> thrownWrites = new TreeMap<>();
    private final StrataDB db;
    private final Random rnd;
    private final KeyDistribution.Source keys;
    private final byte[] prefix;
    private final Findings findings;
    private final Semaphore callsStarted;
    private final AtomicBoolean stop;
    private final CountDownLatch ready;
    private int serial;

    Worker(
        int id,
        StrataDB db,
        Random rnd,
        Findings findings,
        Semaphore callsStarted,
        AtomicBoolean stop,
        CountDownLatch ready) {
      this.id = id;
      this.db = db;
      this.rnd = rnd;
      KeyDistribution d = KeyDistribution.values()[id % KeyDistribution.values().length];
      this.keys = d.source(rnd, KEYS_PER_RANGE);
      this.prefix = ("w" + id + "/").getBytes(StandardCharsets.UTF_8);
      this.findings = findings;
      this.callsStarted = callsStarted;
      this.stop = stop;
      this.ready = ready;
    }

    byte[] key(int i) {
      byte[] k = i == KEYS_PER_RANGE ? "~end".getBytes(StandardCharsets.UTF_8) : keys.key(i);
      return withPrefix(k);
    }

    private byte[] withPrefix(byte[] k) {
      byte[] out = Arrays.copyOf(prefix, prefix.length + k.length);
      System.arraycopy(k, 0, out, prefix.length, k.length);
      return out;
    }

    private byte[] nextKey() {
      return withPrefix(keys.next());
    }

    /** The first key after this worker's range. */
    private byte[] rangeEnd() {
      byte[] end = prefix.clone();
      end[end.length - 1]++;
      return end;
    }

    @Override
    public void run() {
      ready.countDown();
      int calls = 0;
      while (!stop.get() || calls < 50) {
        // Read before the flag is cleared: an interrupt delivered after the clear is one that
        // had not finished when this was read (see Call#reached).
        long deliveredBefore = interruptsDelivered.get();
        if (rnd.nextInt(4) != 0) {
          Thread.interrupted();
        }
        boolean flagAtStart = Thread.currentThread().isInterrupted();
        callsStarted.release();
        call(new Call(drawOp(), deliveredBefore, flagAtStart));
        calls++;
      }
      Thread.interrupted();
    }

    private String drawOp() {
      int r = rnd.nextInt(100);
      if (r < 20) {
        return "get";
      } else if (r < 34) {
        return "put";
      } else if (r < 40) {
        return "merge";
      } else if (r < 45) {
        return "delete";
      } else if (r < 48) {
        return "delete-range";
      } else if (r < 56) {
        return "batch";
      } else if (r < 66) {
        return "bounded-scan";
      } else if (r < 74) {
        return "unbounded-scan";
      } else if (r < 88) {
        return "snapshot-read";
      } else if (r < 94) {
        return "flush";
      }
      return "compact-range";
    }

    /** One call and what may be said of it afterwards. */
    private final class Call {
      final String op;
      final long deliveredBefore;
      final boolean flagAtStart;

      Call(String op, long deliveredBefore, boolean flagAtStart) {
        this.op = op;
        this.deliveredBefore = deliveredBefore;
        this.flagAtStart = flagAtStart;
      }

      /**
       * Whether an interrupt may have reached the call: the flag was set when it started, or an
       * interrupt of this worker began before now and had not been delivered when the call began.
       */
      boolean reached() {
        return flagAtStart || interruptsStarted.get() > deliveredBefore;
      }
    }

    private void call(Call c) {
      findings.call(c.op);
      try {
        switch (c.op) {
          case "get":
            get(c);
            break;
          case "put":
          case "delete":
          case "batch":
            write(c);
            break;
          case "merge":
          case "delete-range":
            mergeOrDeleteRange(c);
            break;
          case "bounded-scan":
            scan(c, true, null);
            break;
          case "unbounded-scan":
            scan(c, false, null);
            break;
          case "snapshot-read":
            snapshotRead(c);
            break;
          case "flush":
            db.flush();
            break;
          default:
            byte[] a = rnd.nextInt(4) == 0 ? null : nextKey();
            byte[] b = rnd.nextInt(4) == 0 ? null : nextKey();
            if (a != null && b != null && Bytes.compare(a, b) > 0) {
              byte[] t = a;
              a = b;
              b = t;
            }
            db.compactRange(a, b);
            break;
        }
      } catch (StrataException e) {
        threw(c, e);
      } catch (Throwable t) {
        findings.violation("not a StrataException", where(c) + " threw " + t + cause(t));
      }
    }

    private void threw(Call c, StrataException e) {
      findings.threw(c.op, e);
      if (!c.reached()) {
        findings.violation("threw though no interrupt reached it", where(c) + ": " + e + cause(e));
      }
    }

    private String where(Call c) {
      return "worker " + id + " " + c.op;
    }

    private void get(Call c) {
      byte[] k = nextKey();
      expect(c, "get(" + str(k) + ")", db.get(k), model.get(k));
    }

    private void expect(Call c, String what, byte[] actual, byte[] expected) {
      if (!Arrays.equals(actual, expected)) {
        findings.violation("wrong read",
            where(c) + ": " + what + " returned " + str(actual) + ", expected " + str(expected));
      }
    }

    /** A put, delete or batch of its own keys; the model learns it only if the call returned. */
    private void write(Call c) {
      List<byte[][]> ops = new ArrayList<>();
      int n = c.op.equals("batch") ? 2 + rnd.nextInt(6) : 1;
      for (int i = 0; i < n; i++) {
        byte[] k = nextKey();
        boolean delete = c.op.equals("delete") || c.op.equals("batch") && rnd.nextInt(4) == 0;
        ops.add(new byte[][] {k, delete ? null : value()});
      }
      try {
        if (c.op.equals("put")) {
          db.put(ops.get(0)[0], ops.get(0)[1]);
        } else if (c.op.equals("delete")) {
          db.delete(ops.get(0)[0]);
        } else {
          WriteBatch batch = new WriteBatch();
          for (byte[][] op : ops) {
            if (op[1] == null) {
              batch.delete(op[0]);
            } else {
              batch.put(op[0], op[1]);
            }
          }
          db.write(batch, rnd.nextInt(10) == 0 ? WriteOptions.SYNC : WriteOptions.DEFAULT);
        }
      } catch (StrataException e) {
        threw(c, e);
        for (byte[][] op : ops) {
          thrownWrites.computeIfAbsent(str(op[0]), k -> new ArrayList<>()).add(op[1]);
        }
        checkNotApplied(c, ops);
        return;
      }
      for (byte[][] op : ops) {
        if (op[1] == null) {
          model.delete(op[0]);
        } else {
          model.put(op[0], op[1]);
        }
      }
    }

    /**
     * A merge operand on one of its keys, or a range deletion between two of them (a get that
     * meets the operands folds them, interrupted or not); the model learns it only if the call
     * returned, and after a throw every key it would have touched still holds what the model says.
     */
    private void mergeOrDeleteRange(Call c) {
      boolean merge = c.op.equals("merge");
      byte[] a = nextKey();
      byte[] b = merge ? null : nextKey();
      if (b != null && Bytes.compare(a, b) > 0) {
        byte[] t = a;
        a = b;
        b = t;
      }
      byte[] v = merge ? value() : null;
      WriteOptions wo = rnd.nextInt(10) == 0 ? WriteOptions.SYNC : WriteOptions.DEFAULT;
      try {
        if (merge) {
          db.merge(a, v, wo);
        } else {
          db.deleteRange(a, b, wo);
        }
      } catch (StrataException e) {
        threw(c, e);
        List<byte[][]> touched = new ArrayList<>();
        if (merge) {
          touched.add(new byte[][] {a, null});
        } else {
          for (byte[] k : model.view().subMap(a, true, b, false).keySet()) {
            touched.add(new byte[][] {k, null});
          }
        }
        checkNotApplied(c, touched);
        return;
      }
      if (merge) {
        model.appendMerge(a, v, (byte) ',');
      } else {
        model.deleteRange(a, b);
      }
    }

    /** After a write threw: its keys still hold what the model says (retried past interrupts). */
    private void checkNotApplied(Call c, List<byte[][]> ops) {
      for (byte[][] op : ops) {
        byte[] actual = null;
        boolean read = false;
        for (int attempt = 0; attempt < 100 && !read; attempt++) {
          Thread.interrupted();
          try {
            actual = db.get(op[0]);
            read = true;
          } catch (StrataException e) {
            // Another interrupt may land while it reads back; try again.
          }
        }
        if (!read) {
          findings.violation(
              "could not read back", where(c) + ": " + str(op[0]) + " failed 100 reads");
        } else if (!Arrays.equals(actual, model.get(op[0]))) {
          findings.violation("threw but was applied", where(c) + ": " + str(op[0]) + " holds "
              + str(actual) + ", expected " + str(model.get(op[0])));
          // Follow the database from here on, so that one violation is reported once.
          if (actual == null) {
            model.delete(op[0]);
          } else {
            model.put(op[0], actual);
          }
        }
      }
    }

    /**
     * A scan over this worker's keys, forward or backward: with bounds, through the iterator's
     * bounds; without, from a seek to the edge of its range until a key leaves it.
     */
    private void scan(Call c, boolean bounded, Snapshot snapshot) {
      NavigableMap<byte[], byte[]> view = snapshot == null ? model.view() : snapshotView;
      byte[] lo = bounded ? nextKey() : prefix;
      byte[] hi = bounded ? nextKey() : rangeEnd();
      if (Bytes.compare(lo, hi) > 0) {
        byte[] t = lo;
        lo = hi;
        hi = t;
      }
      ReadOptions.Builder ro = ReadOptions.builder().snapshot(snapshot);
      if (bounded) {
        ro.lowerBound(lo).upperBound(hi);
      }
      boolean forward = rnd.nextBoolean();
      NavigableMap<byte[], byte[]> range = view.subMap(lo, true, hi, false);
      var expected = (forward ? range : range.descendingMap()).entrySet().iterator();
      try (DBIterator it = db.newIterator(ro.build())) {
        if (forward) {
          it.seek(lo);
        } else {
          it.seekForPrev(hi);
          if (it.isValid() && Bytes.compare(it.key(), hi) >= 0) {
            it.prev();
          }
        }
        while (it.isValid()
            && Bytes.compare(it.key(), lo) >= 0
            && Bytes.compare(it.key(), hi) < 0) {
          if (!expected.hasNext()) {
            findings.violation("wrong read", where(c) + ": scan returned " + str(it.key())
                + " past the end");
            return;
          }
          Map.Entry<byte[], byte[]> e = expected.next();
          if (!Arrays.equals(it.key(), e.getKey()) || !Arrays.equals(it.value(), e.getValue())) {
            findings.violation("wrong read", where(c) + ": scan returned " + str(it.key()) + "="
                + str(it.value()) + ", expected " + str(e.getKey()) + "=" + str(e.getValue()));
            return;
          }
          if (forward) {
            it.next();
          } else {
            it.prev();
          }
        }
      }
      if (expected.hasNext()) {
        findings.violation("wrong read", where(c) + ": scan ended before "
            + str(expected.next().getKey()));
      }
    }

    private NavigableMap<byte[], byte[]> snapshotView;

    /** Takes a snapshot, writes, then reads at the snapshot: a get and a scan. */
    private void snapshotRead(Call c) {
      try (Snapshot s = db.getSnapshot()) {
        snapshotView = model.snapshot();
        int writes = rnd.nextInt(3);
        for (int i = 0; i < writes; i++) {
          write(new Call(rnd.nextBoolean() ? "put" : "delete", c.deliveredBefore, c.flagAtStart));
        }
        byte[] k = nextKey();
        expect(c, "get(" + str(k) + ") at a snapshot",
            db.get(k, ReadOptions.builder().snapshot(s).build()), snapshotView.get(k));
        scan(c, rnd.nextBoolean(), s);
      }
    }

    private byte[] value() {
      return ("w" + id + "-" + (serial++) + "-" + "v".repeat(rnd.nextInt(80)))
          .getBytes(StandardCharsets.UTF_8);
    }

    /** Every key of this worker's range by get; the caller's interrupt flag must be clear. */
    void checkEveryKey(StrataDB db, Findings findings, String when) {
      for (int i = 0; i <= KEYS_PER_RANGE; i++) {
        byte[] k = key(i);
        byte[] actual;
        try {
          actual = db.get(k);
        } catch (RuntimeException e) {
          findings.violation(
              "read fails afterwards", when + ": get(" + str(k) + "): " + e + cause(e));
          continue;
        }
        if (!Arrays.equals(actual, model.get(k))) {
          findings.violation(
              mismatch(actual, thrownWrites.get(str(k))),
              when + ": get(" + str(k) + ") returned " + str(actual) + ", expected "
                  + str(model.get(k)));
        }
      }
    }
  }

  /**
   * The kind of a final read that differs from the model: the value (or absence) a write that
   * threw would have left, or anything else (an acknowledged write lost, a value invented).
   */
  private static String mismatch(byte[] actual, List<byte[]> thrownValues) {
    if (thrownValues != null) {
      for (byte[] v : thrownValues) {
        if (Arrays.equals(v, actual)) {
          return "threw but was applied (seen afterwards)";
        }
      }
    }
    return "acknowledged write lost or value invented";
  }

  // ---- shutdownNow ----

  @Test
  void shutdownNow_midway_keepsEveryAcknowledgedWrite_andTheDatabaseStaysWritable()
      throws Exception {
    long seed = Seeds.seed("InterruptStormTest.shutdownNow");
    Random rnd = new Random(seed);
    shutdownNow(options(rnd), dir, seed, rnd);
  }

  /** As above over the in-memory file system (see the in-memory storm). */
  @Test
  void shutdownNow_inMemoryFileSystem_keepsEveryAcknowledgedWrite() throws Exception {
    long seed = Seeds.seed("InterruptStormTest.shutdownNowInMemory");
    Random rnd = new Random(seed);
    Options options =
        options(rnd).toBuilder().fileSystem(new FaultInjectionFileSystem(rnd.nextLong())).build();
    shutdownNow(options, Path.of("/pool"), seed, rnd);
  }

  /**
   * Rounds (CI 3, soak 30) of 16 tasks on a fixed pool of 4, each round ended by {@code
   * shutdownNow()} once six tasks passed their 300th call (or ended before), then checked; finally the database
   * must take writes, flush, compact and reopen with every acknowledged write.
   */
  private static void shutdownNow(Options options, Path dir, long seed, Random rnd)
      throws Exception {
    int tasks = 16;
    int rounds = Boolean.getBoolean("strata.soak") ? 30 : 3;
    AtomicReferenceArray<ModelDb> models = new AtomicReferenceArray<>(rounds * tasks);
    AtomicReferenceArray<byte[][]> thrownWrites = new AtomicReferenceArray<>(rounds * tasks);
    Findings findings = new Findings();
    int neverRan = 0;
    try (StrataDB db = StrataDB.open(dir, options)) {
      for (int round = 0; round < rounds && findings.violations.isEmpty(); round++) {
        CountDownLatch midway = new CountDownLatch(6);
        ExecutorService pool = CallerThreads.newExecutor(4);
        try {
          for (int t = 0; t < tasks; t++) {
            int id = round * tasks + t;
            Random taskRnd = new Random(rnd.nextLong());
            pool.execute(() -> task(db, id, taskRnd, models, thrownWrites, midway, findings));
          }
          assertThat(midway.await(2, TimeUnit.MINUTES))
              .as("seed %d round %d: tasks got midway", seed, round)
              .isTrue();
          neverRan += pool.shutdownNow().size();
          assertThat(pool.awaitTermination(2, TimeUnit.MINUTES))
              .as("seed %d round %d: pool terminated after shutdownNow", seed, round)
              .isTrue();
        } finally {
          pool.shutdownNow();
        }
        Thread.interrupted();
        checkTasks(db, models, thrownWrites, findings, "after shutdownNow of round " + round);
      }
      for (int t = 0; t < models.length(); t++) {
        byte[] k = taskKey(t, 10_000);
        try {
          db.put(k, new byte[] {1});
          models.get(t).put(k, new byte[] {1});
        } catch (RuntimeException e) {
          findings.violation("not writable afterwards", "task " + t + ": put failed: " + e);
        }
      }
      try {
        db.flush();
        db.compactRange(null, null);
      } catch (RuntimeException e) {
        findings.violation("not writable afterwards", "flush or compactRange failed: " + e);
      }
      checkTasks(db, models, thrownWrites, findings, "after writes, flush and compaction");
    }
    try (StrataDB again = StrataDB.open(dir, options)) {
      checkTasks(again, models, thrownWrites, findings, "after reopening");
    }
    System.out.printf("InterruptStormTest.shutdownNow: %s, %d tasks never ran; %s%n",
        CallerThreads.describe(), neverRan, findings.summary());
    assertThat(findings.violations).as("seed %d: %s", seed, findings.summary()).isEmpty();
  }

  private static byte[] taskKey(int task, int i) {
    return String.format("t%03d/k%05d", task, i).getBytes(StandardCharsets.UTF_8);
  }

  /**
   * One task: up to 3,000 reads and writes of its own keys, recording acknowledged writes in its
   * model, until an interrupt stops it. A write that throws ends the task and is recorded; as the
   * task's last write, the final comparisons check it was not applied.
   */
  private static void task(
      StrataDB db,
      int id,
      Random rnd,
      AtomicReferenceArray<ModelDb> models,
      AtomicReferenceArray<byte[][]> thrownWrites,
      CountDownLatch midway,
      Findings findings) {
    ModelDb model = new ModelDb();
    models.set(id, model);
    boolean counted = false;
    try {
      for (int i = 0; i < 3000 && !Thread.currentThread().isInterrupted(); i++) {
        if (i == 300) {
          midway.countDown();
          counted = true;
        }
        byte[] k = taskKey(id, rnd.nextInt(400));
        int r = rnd.nextInt(10);
        byte[] v = ("t" + id + "-" + i).getBytes(StandardCharsets.UTF_8);
        // Forced writes spend longer in the log's channel, where an interrupt does the most.
        boolean sync = rnd.nextInt(4) == 0;
        try {
          if (r < 4) {
            byte[] expected = model.get(k);
            byte[] actual = db.get(k);
            if (!Arrays.equals(actual, expected)) {
              findings.violation("wrong read", "task " + id + ": get(" + str(k) + ") returned "
                  + str(actual) + ", expected " + str(expected));
            }
          } else if (r < 8) {
            db.put(k, v, sync ? WriteOptions.SYNC : WriteOptions.DEFAULT);
            model.put(k, v);
          } else {
            db.delete(k, sync ? WriteOptions.SYNC : WriteOptions.DEFAULT);
            model.delete(k);
          }
        } catch (StrataException e) {
          findings.threw(r < 4 ? "get" : "write", e);
          if (r >= 4) {
            thrownWrites.set(id, new byte[][] {k, r < 8 ? v : null});
            return;
          }
        }
      }
    } catch (Throwable t) {
      findings.violation("not a StrataException", "task " + id + " threw " + t + cause(t));
    } finally {
      // A task that ended early counts as midway, so that the round does not wait for it.
      if (!counted) {
        midway.countDown();
      }
      // Publishes the model to the checking thread (a volatile write it reads after termination).
      models.set(id, model);
    }
  }

  private static void checkTasks(
      StrataDB db,
      AtomicReferenceArray<ModelDb> models,
      AtomicReferenceArray<byte[][]> thrownWrites,
      Findings findings,
      String when) {
    for (int t = 0; t < models.length(); t++) {
      ModelDb model = models.get(t);
      if (model == null) {
        model = new ModelDb();
        models.set(t, model);
      }
      for (int i = 0; i < 400; i++) {
        byte[] k = taskKey(t, i);
        try {
          byte[] actual = db.get(k);
          if (!Arrays.equals(actual, model.get(k))) {
            byte[][] thrown = thrownWrites.get(t);
            List<byte[]> thrownValues =
                thrown != null && Arrays.equals(thrown[0], k)
                    ? Collections.singletonList(thrown[1])
                    : null;
            findings.violation(mismatch(actual, thrownValues), when + ": task " + t + " get("
                + str(k) + ") returned " + str(actual) + ", expected " + str(model.get(k)));
          }
        } catch (RuntimeException e) {
          findings.violation("read fails afterwards", when + ": get(" + str(k) + "): " + e
              + cause(e));
        }
      }
    }
  }

  private static String cause(Throwable t) {
    StringBuilder b = new StringBuilder();
    for (Throwable c = t.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
      b.append(" <- ").append(c);
    }
    StackTraceElement[] st = t.getStackTrace();
    if (st.length > 0) {
      b.append(" at ").append(st[0]);
    }
    return b.toString();
  }

  private static String stack(Thread t) {
    StringBuilder b = new StringBuilder();
    for (StackTraceElement e : t.getStackTrace()) {
      b.append("\n  at ").append(e);
    }
    return b.toString();
  }

  private static String str(byte[] b) {
    return b == null ? "null" : new String(b, StandardCharsets.UTF_8);
  }
}
