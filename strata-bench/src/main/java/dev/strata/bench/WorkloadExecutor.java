package dev.strata.bench;

import dev.strata.bench.engine.EngineAdapter;
import dev.strata.bench.engine.EngineCursor;
import dev.strata.bench.keys.KeyChooser;
import dev.strata.bench.keys.KeyFormat;
import dev.strata.bench.keys.LatestKeys;
import dev.strata.bench.keys.Permutation;
import dev.strata.bench.keys.ScrambledZipfianKeys;
import dev.strata.bench.keys.SequentialKeys;
import dev.strata.bench.keys.UniformKeys;
import dev.strata.bench.keys.ValueGenerator;
import dev.strata.bench.keys.ValueKind;
import dev.strata.bench.keys.ZipfianGenerator;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;

/**
 * Runs the operations of one workload against one open engine on N threads and measures them.
 * {@code --num} is the key count and the total operation count of a workload, split evenly over
 * its threads ({@code readseq}: every thread scans the whole database). Used by one coordinating
 * thread; the worker threads it starts end before each method returns.
 */
final class WorkloadExecutor {
  /** Entries read after each seek of {@code seekrandom}. */
  static final int SEEK_NEXTS = 10;
  /** Longest YCSB E scan; lengths are uniform in {@code [1, MAX_SCAN]}. */
  static final int MAX_SCAN = 100;

  private final EngineAdapter db;
  private final KeyFormat keys;
  private final int valueSize;
  private final ValueKind valueKind;
  private final long num;
  private final long seed;
  private final Progress.Factory progress;

  WorkloadExecutor(
      EngineAdapter db, KeyFormat keys, int valueSize, ValueKind valueKind, long num, long seed,
      Progress.Factory progress) {
    this.db = db;
    this.keys = keys;
    this.valueSize = valueSize;
    this.valueKind = valueKind;
    this.num = num;
    this.seed = seed;
    this.progress = progress;
  }

  /**
   * How much work one thread does: at most {@code ops} operations, and none started after {@code
   * deadlineNanos}.
   */
  record Budget(long ops, long deadlineNanos) {
    static Budget ops(long ops) {
      return new Budget(ops, Long.MAX_VALUE);
    }

    boolean more(long done) {
      return done < ops && ((done & 63) != 0 || System.nanoTime() < deadlineNanos);
    }
  }

  /** Runs {@code w} untimed as a warm-up; the database state it leaves is as after {@code w}. */
  void warmup(Workload w, int threads, DataState state, Warmup warmup)
      throws InterruptedException {
    long deadline =
        warmup.duration().isZero() ? Long.MAX_VALUE : System.nanoTime() + warmup.duration().toNanos();
    long perThread = warmup.ops() > 0 ? Math.max(1, warmup.ops() / threads) : Long.MAX_VALUE;
    execute(w, threads, state, t -> new Budget(perThread, deadline), seed ^ 0x5EEDL);
  }

  /**
   * Runs {@code w} timed; {@code readwhilewriting} yields readers then writer. Every thread of
   * {@code readseq} scans to the end; the others share {@code num} operations.
   */
  List<Measurement> run(Workload w, int threads, DataState state) throws InterruptedException {
    return execute(w, threads, state,
        t -> Budget.ops(w == Workload.READSEQ ? Long.MAX_VALUE : share(num, t, threads)), seed);
  }

  /** Loads every key of {@code [0, num)} once, in random order (the implicit fill). */
  void fill(int threads) throws InterruptedException {
    execute(Workload.FILLRANDOM, threads, new DataState(), t -> Budget.ops(share(num, t, threads)),
        seed ^ 0xF111L);
  }

  private interface Budgets {
    Budget of(int thread);
  }

  private List<Measurement> execute(
      Workload w, int threads, DataState state, Budgets budgets, long runSeed)
      throws InterruptedException {
    long s = runSeed * 0x9E3779B97F4A7C15L + w.id().hashCode();
    switch (w) {
      case FILLSEQ:
      case FILLRANDOM:
        return fill(w, threads, state, budgets, s);
      case READWHILEWRITING:
        return readWhileWriting(threads, budgets, s);
      case READSEQ:
        return List.of(phase(w.id(), threads, true, budgets,
            (t, st, b) -> scanAll(st, b, state)));
      default:
        if (w.isYcsb()) {
          return ycsb(w, threads, state, budgets, s);
        }
        return List.of(simple(w, threads, state, budgets, s));
    }
  }

  /** The body of one thread, given its counters and budget. */
  private interface Op {
    void run(int thread, ThreadStats stats, Budget budget) throws Exception;
  }

  private Measurement phase(
      String label, int threads, boolean expectsHits, Budgets budgets, Op op)
      throws InterruptedException {
    long total = 0;
    for (int t = 0; t < threads; t++) {
      total = saturatedAdd(total, budgets.of(t).ops());
    }
    try (Progress p = progress.start(db.name() + " " + label, total == Long.MAX_VALUE ? -1 : total)) {
      ThreadGang.Outcome out =
          ThreadGang.run(threads, label, p, (t, st) -> op.run(t, st, budgets.of(t)));
      return measure(label, threads, expectsHits, out, 0, threads);
    }
  }

  private static Measurement measure(
      String label, int threads, boolean expectsHits, ThreadGang.Outcome out, int from, int to) {
    Histogram h = new Histogram(3);
    long ops = 0;
    long found = 0;
    long expected = 0;
    long bytes = 0;
    for (int i = from; i < to; i++) {
      ThreadStats st = out.stats().get(i);
      h.add(st.latencyNanos);
      ops += st.ops;
      found += st.found;
      expected += st.expected;
      bytes += st.bytes;
    }
    return Measurement.ofPhase(
        label, threads, ops, found, expectsHits ? expected : -1, bytes, out.elapsedNanos(from, to),
        h);
  }

  private List<Measurement> fill(
      Workload w, int threads, DataState state, Budgets budgets, long s)
      throws InterruptedException {
    Permutation order = w == Workload.FILLRANDOM ? new Permutation(Math.toIntExact(num), s) : null;
    Measurement m =
        phase(w.id(), threads, false, budgets,
            (t, st, b) -> {
              int from = (int) start(num, t, threads);
              int to = (int) start(num, t + 1, threads);
              KeyChooser k = order != null ? order.slice(from, to) : new SequentialKeys(from, to);
              ValueGenerator values = new ValueGenerator(valueSize, valueKind, s + t);
              for (long i = 0; i < to - from && b.more(i); i++) {
                put(st, keys.key(k.next()), values.next());
              }
            });
    state.filled();
    return List.of(m);
  }

  private Measurement simple(
      Workload w, int threads, DataState state, Budgets budgets, long s)
      throws InterruptedException {
    Permutation order = w == Workload.DELETERANDOM ? new Permutation(Math.toIntExact(num), s) : null;
    boolean expectsHits = w == Workload.READRANDOM || w == Workload.READMISSING
        || w == Workload.SEEKRANDOM;
    Measurement m =
        phase(w.id(), threads, expectsHits, budgets,
            (t, st, b) -> {
              KeyChooser k = order != null
                  ? order.slice((int) start(num, t, threads), (int) start(num, t + 1, threads))
                  : new UniformKeys(num, s + t);
              ValueGenerator values = new ValueGenerator(valueSize, valueKind, s + t);
              switch (w) {
                case OVERWRITE:
                  for (long i = 0; b.more(i); i++) {
                    put(st, keys.key(k.next()), values.next());
                  }
                  break;
                case READRANDOM:
                  for (long i = 0; b.more(i); i++) {
                    st.expected++;
                    get(st, keys.key(k.next()));
                  }
                  break;
                case READMISSING:
                  for (long i = 0; b.more(i); i++) {
                    get(st, keys.missingKey(k.next()));
                  }
                  break;
                case SEEKRANDOM:
                  seekRandom(st, b, k);
                  break;
                case DELETERANDOM:
                  for (long i = 0; b.more(i); i++) {
                    byte[] key = keys.key(k.next());
                    long t0 = System.nanoTime();
                    db.delete(key);
                    st.record(t0, System.nanoTime());
                    st.bytes += key.length;
                  }
                  break;
                default:
                  throw new IllegalStateException("not a simple workload: " + w);
              }
            });
    if (w == Workload.DELETERANDOM) {
      state.emptied();
    }
    return m;
  }

  private void put(ThreadStats st, byte[] key, byte[] value) {
    long t0 = System.nanoTime();
    db.put(key, value);
    st.record(t0, System.nanoTime());
    st.bytes += key.length + value.length;
  }

  private byte[] get(ThreadStats st, byte[] key) {
    long t0 = System.nanoTime();
    byte[] v = db.get(key);
    st.record(t0, System.nanoTime());
    if (v != null) {
      st.found++;
      st.bytes += key.length + v.length;
    }
    return v;
  }

  private void seekRandom(ThreadStats st, Budget b, KeyChooser k) {
    try (EngineCursor c = db.newCursor()) {
      for (long i = 0; b.more(i); i++) {
        st.expected++;
        byte[] target = keys.key(k.next());
        long t0 = System.nanoTime();
        c.seek(target);
        if (c.isValid()) {
          st.found++;
        }
        for (int j = 0; j < SEEK_NEXTS && c.isValid(); j++) {
          st.bytes += c.key().length + c.value().length;
          c.next();
        }
        st.record(t0, System.nanoTime());
      }
    }
  }

  private void scanAll(ThreadStats st, Budget b, DataState state) {
    st.expected += num + state.extraInserted;
    try (EngineCursor c = db.newCursor()) {
      long t0 = System.nanoTime();
      c.seekToFirst();
      for (long i = 0; c.isValid() && b.more(i); i++) {
        st.bytes += c.key().length + c.value().length;
        st.found++;
        c.next();
        long t1 = System.nanoTime();
        st.record(t0, t1);
        t0 = t1;
      }
    }
  }

  private List<Measurement> readWhileWriting(int readers, Budgets budgets, long s)
      throws InterruptedException {
    AtomicInteger readersLeft = new AtomicInteger(readers);
    String label = Workload.READWHILEWRITING.id();
    long total = 0;
    for (int t = 0; t < readers; t++) {
      total = saturatedAdd(total, budgets.of(t).ops());
    }
    ThreadGang.Outcome out;
    try (Progress p = progress.start(db.name() + " " + label, total == Long.MAX_VALUE ? -1 : total)) {
      out = ThreadGang.run(readers + 1, label, p, (t, st) -> {
        KeyChooser k = new UniformKeys(num, s + t);
        if (t == readers) {
          ValueGenerator values = new ValueGenerator(valueSize, valueKind, s + t);
          // Only the readers' budget bounds the phase, so the writer's ops are not progress.
          st.detachProgress();
          // At least one write, so that a writer slower to start than tiny readers still counts.
          do {
            put(st, keys.key(k.next()), values.next());
          } while (readersLeft.get() > 0);
          return;
        }
        try {
          Budget b = budgets.of(t);
          for (long i = 0; b.more(i); i++) {
            st.expected++;
            get(st, keys.key(k.next()));
          }
        } finally {
          readersLeft.decrementAndGet();
        }
      });
    }
    return List.of(
        measure(label, readers, true, out, 0, readers),
        // The writer's result carries the run's thread count so that it lines up with the
        // readers' in tables and charts; its label says it is one thread.
        measure(label + ":writer", readers, false, out, readers, readers + 1));
  }

  private List<Measurement> ycsb(
      Workload w, int threads, DataState state, Budgets budgets, long s)
      throws InterruptedException {
    long records = num + state.extraInserted;
    AtomicLong nextInsert = new AtomicLong(records);
    AtomicLong inserted = new AtomicLong(records);
    boolean expectsHits = w != Workload.YCSB_D;
    Measurement m =
        phase(w.id(), threads, expectsHits, budgets,
            (t, st, b) -> {
              SplittableRandom rnd = new SplittableRandom(s + 31L * t);
              KeyChooser k = w == Workload.YCSB_D
                  ? new LatestKeys(inserted::get, ZipfianGenerator.YCSB_THETA, s + t)
                  : new ScrambledZipfianKeys(num, ZipfianGenerator.YCSB_THETA, s + t);
              ValueGenerator values = new ValueGenerator(valueSize, valueKind, s + t);
              for (long i = 0; b.more(i); i++) {
                ycsbOp(w, st, rnd.nextInt(100), k, values, rnd, nextInsert, inserted);
              }
            });
    state.extraInserted = nextInsert.get() - num;
    return List.of(m);
  }

  private void ycsbOp(
      Workload w, ThreadStats st, int dice, KeyChooser k, ValueGenerator values,
      SplittableRandom rnd, AtomicLong nextInsert, AtomicLong inserted) {
    switch (w) {
      case YCSB_A:
      case YCSB_B:
      case YCSB_C:
        int readPercent = w == Workload.YCSB_A ? 50 : w == Workload.YCSB_B ? 95 : 100;
        if (dice < readPercent) {
          st.expected++;
          get(st, keys.key(k.next()));
        } else {
          put(st, keys.key(k.next()), values.next());
        }
        break;
      case YCSB_D:
        if (dice < 95) {
          get(st, keys.key(k.next()));
        } else {
          insert(st, values, nextInsert, inserted);
        }
        break;
      case YCSB_E:
        if (dice < 95) {
          st.expected++;
          scan(st, keys.key(k.next()), 1 + rnd.nextInt(MAX_SCAN));
        } else {
          insert(st, values, nextInsert, inserted);
        }
        break;
      case YCSB_F:
        st.expected++;
        byte[] key = keys.key(k.next());
        if (dice < 50) {
          get(st, key);
        } else {
          readModifyWrite(st, key, values.next());
        }
        break;
      default:
        throw new IllegalStateException("not a YCSB workload: " + w);
    }
  }

  private void insert(ThreadStats st, ValueGenerator values, AtomicLong next, AtomicLong done) {
    put(st, keys.key(next.getAndIncrement()), values.next());
    done.incrementAndGet();
  }

  /** One YCSB scan: a fresh cursor (as YCSB opens one per scan), a seek and up to length reads. */
  private void scan(ThreadStats st, byte[] start, int length) {
    long t0 = System.nanoTime();
    try (EngineCursor c = db.newCursor()) {
      c.seek(start);
      if (c.isValid()) {
        st.found++;
      }
      for (int j = 0; j < length && c.isValid(); j++) {
        st.bytes += c.key().length + c.value().length;
        c.next();
      }
    }
    st.record(t0, System.nanoTime());
  }

  private void readModifyWrite(ThreadStats st, byte[] key, byte[] newValue) {
    long t0 = System.nanoTime();
    byte[] old = db.get(key);
    db.put(key, newValue);
    st.record(t0, System.nanoTime());
    if (old != null) {
      st.found++;
      st.bytes += key.length + old.length;
    }
    st.bytes += key.length + newValue.length;
  }

  /** The first operation index of thread {@code t} of {@code threads} sharing {@code total}. */
  static long start(long total, int t, int threads) {
    return total * t / threads;
  }

  /** Operations of thread {@code t}. */
  static long share(long total, int t, int threads) {
    return start(total, t + 1, threads) - start(total, t, threads);
  }

  private static long saturatedAdd(long a, long b) {
    long r = a + b;
    return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
  }
}
